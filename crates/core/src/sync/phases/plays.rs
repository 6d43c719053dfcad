//! Listening history (`/me/player/recently-played`): one page after the newest play known. A
//! full page of plays none of which was known means some plays before it may be lost: the gap
//! is recorded.

use super::PAGE;
use crate::domain::{Checkpoint, Phase};
use crate::spotify::Endpoint;
use crate::spotify::model::{CursorPage, Play};
use crate::store::library::Counts;
use crate::sync::engine::{Engine, Written};
use crate::sync::outcome::Stop;

const PHASE: Phase = Phase::Plays;

impl Engine {
    pub(crate) async fn phase_plays(&mut self, mut cp: Checkpoint) -> Result<(), Stop> {
        self.boundary(PHASE).await?;
        let last = self.db(|s| s.sql().last_play()).await?;
        let after_ms = last
            .as_deref()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis());
        let page: CursorPage = self
            .request(
                Some(PHASE),
                Endpoint::RecentlyPlayed {
                    after_ms,
                    limit: PAGE,
                },
            )
            .await
            .map_err(|e| e.into_stop())?;
        let plays: Vec<Play> = page
            .items
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
        self.commit_batch(PHASE, &mut cp, move |tx, ctx, cp| {
            let mut counts = Counts::default();
            let mut known = 0u64;
            let mut oldest: Option<String> = None;
            for p in &plays {
                let Some(played_at) = p.played_at.as_deref() else {
                    continue;
                };
                let track_id = match &p.track {
                    Some(t) => tx.upsert_track(t)?,
                    None => None,
                };
                let context = p.context.as_ref();
                let added = tx.insert_play(
                    played_at,
                    track_id.as_deref(),
                    context.and_then(|c| c.kind.as_deref()),
                    context.and_then(|c| c.uri.as_deref()),
                    ctx.run,
                )?;
                if added {
                    counts.added += 1;
                } else {
                    known += 1;
                }
                if oldest.as_deref().is_none_or(|o| played_at < o) {
                    oldest = Some(played_at.to_string());
                }
            }
            if last.is_some()
                && plays.len() as u32 >= PAGE
                && known == 0
                && let Some(before) = &oldest
            {
                tx.insert_play_gap(last.as_deref(), before, &ctx.at)?;
            }
            cp.items_processed += counts.added;
            cp.total_items = Some(cp.items_processed);
            Ok(Written {
                counts,
                done: true,
                value: (),
            })
        })
        .await
    }
}
