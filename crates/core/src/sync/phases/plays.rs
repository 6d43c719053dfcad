//! Listening history (`/me/player/recently-played`): one page after the newest play known. A
//! full page of plays none of which was known means some plays before it may be lost: the gap
//! is recorded.
//!
//! A play from the future (more than [`FUTURE_TOLERANCE`] past the engine's clock) is skipped
//! with a warning, and the poll's `after` cursor never goes past now: one absurd `played_at`
//! (year 9999) must not put the cursor past every play to come.

use chrono::{DateTime, TimeDelta, Utc};

use super::PhaseCtx;
use crate::domain::PAGE;
use crate::spotify::Endpoint;
use crate::spotify::model::{CursorPage, Play};
use crate::store::library::Counts;
use crate::store::plays::{ApiPlay, Outcome};
use crate::sync::link::Stored;
use crate::sync::outcome::Stop;

/// How far past the engine's clock a play may be stamped (clocks differ a little).
pub(crate) const FUTURE_TOLERANCE: TimeDelta = TimeDelta::days(1);

/// The `after` cursor (Unix milliseconds) of a poll from the newest stored play: never past
/// `now`.
pub(crate) fn after_cursor(last: Option<&str>, now: DateTime<Utc>) -> Option<i64> {
    let last = DateTime::parse_from_rfc3339(last?).ok()?;
    Some(last.timestamp_millis().min(now.timestamp_millis()))
}

/// Whether a play's time is one to store: readable, and not later than `horizon`.
fn not_from_the_future(played_at: Option<&str>, horizon: DateTime<Utc>) -> bool {
    played_at
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .is_none_or(|t| t <= horizon)
}

/// The plays phase: one poll.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    ctx.boundary().await?;
    poll(ctx).await
}

/// One page of plays after the newest known (also sent between another phase's batches: see
/// [`PhaseCtx::boundary`]).
pub(super) async fn poll(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let now = Utc::now();
    let horizon = now + FUTURE_TOLERANCE;
    let last = ctx.read(move |q| q.last_play(horizon)).await?;
    let after_ms = after_cursor(last.as_deref(), now);
    let endpoint = Endpoint::RecentlyPlayed {
        after_ms,
        limit: PAGE,
    };
    let template = endpoint.template();
    let page: CursorPage = ctx.request(endpoint).await.map_err(|e| e.into_stop())?;
    let read: Vec<Play> = page
        .items
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    let received = read.len();
    let (plays, future): (Vec<Play>, Vec<Play>) = read
        .into_iter()
        .partition(|p| not_from_the_future(p.played_at.as_deref(), horizon));
    if let Some(latest) = future.iter().filter_map(|p| p.played_at.as_deref()).max() {
        tracing::warn!(
            "{template}: skipped {} play(s) stamped in the future (latest {latest}; more than {} \
             h past this computer's clock)",
            future.len(),
            FUTURE_TOLERANCE.num_hours()
        );
    }
    // A full page of plays none of which was known: some before it may be lost.
    let may_have_lost = last.is_some() && received as u32 >= PAGE;
    ctx.commit(move |tx, batch, cp| {
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
            let play = ApiPlay::from_model(played_at, p, track_id.as_deref(), batch.run);
            // A play merged into an imported row was known already (see `insert_play`).
            if tx.insert_play(&play)? == Outcome::Added {
                counts.added += 1;
            } else {
                known += 1;
            }
            if oldest.as_deref().is_none_or(|o| played_at < o) {
                oldest = Some(played_at.to_string());
            }
        }
        if may_have_lost
            && known == 0
            && let Some(before) = &oldest
        {
            tx.insert_play_gap(last.as_deref(), before, &batch.at)?;
        }
        cp.items_processed += counts.added;
        cp.total_items = Some(cp.items_processed);
        Ok(Stored {
            counts,
            done: true,
            value: (),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_cursor_never_goes_past_now() {
        let now = at("2026-12-01T12:00:00Z");
        let ms = |s: &str| at(s).timestamp_millis();
        let table = [
            (None, None),
            (Some("not a time"), None),
            (
                Some("2026-12-01T11:00:00.123Z"),
                Some(ms("2026-12-01T11:00:00.123Z")),
            ),
            (Some("2026-12-01T13:00:00Z"), Some(now.timestamp_millis())),
            (Some("9999-12-31T23:59:59Z"), Some(now.timestamp_millis())),
        ];
        for (last, want) in table {
            assert_eq!(after_cursor(last, now), want, "{last:?}");
        }
    }

    #[test]
    fn plays_past_the_horizon_are_not_stored() {
        let horizon = at("2026-12-02T12:00:00Z");
        assert!(not_from_the_future(Some("2026-12-01T12:00:00Z"), horizon));
        assert!(not_from_the_future(Some("2026-12-02T12:00:00Z"), horizon));
        assert!(!not_from_the_future(Some("2026-12-02T12:00:01Z"), horizon));
        assert!(!not_from_the_future(Some("9999-12-31T23:59:59Z"), horizon));
        // Without a readable time the play is skipped later, for that reason.
        assert!(not_from_the_future(None, horizon));
    }
}
