//! The top artists and tracks (`/me/top/{artists,tracks}`, needs `user-top-read`) for each
//! time range: one snapshot a day in `top_items`. An incremental run whose day already has a
//! snapshot sends nothing. Top artists are full objects, stored as enriched (harvest); top
//! tracks are stored like liked songs' tracks.
//!
//! The checkpoint's offset is `list × TOP_STRIDE + offset within the list`, the lists in the
//! order of [`LISTS`].

use chrono::Utc;

use super::{BatchWrite, PageEnd, PhaseCtx, Walk, listing_done};
use crate::domain::{Checkpoint, PAGE, TOP_SNAPSHOT_KEY, TOP_STRIDE as STRIDE};
use crate::spotify::Endpoint;
use crate::spotify::model::{Artist, Page, Playable};
use crate::store::library::Counts;
use crate::sync::link::Stored;
use crate::sync::outcome::Stop;

/// (kind, time range) in walk order.
const LISTS: [(&str, &str); 6] = crate::domain::TOP_LIST_ORDER;

struct TopWalk {
    date: String,
    done: bool,
}

impl Walk for TopWalk {
    type Value = bool;

    fn next_offset(&self, cp: &Checkpoint) -> Option<u64> {
        (!self.done && (cp.current_offset / STRIDE) < LISTS.len() as u64)
            .then_some(cp.current_offset)
    }

    fn endpoint(&self, at: u64) -> Endpoint {
        let (kind, range) = LISTS[((at / STRIDE) as usize).min(LISTS.len() - 1)];
        let offset = at % STRIDE;
        if kind == "artist" {
            Endpoint::TopArtists {
                range,
                offset,
                limit: PAGE,
            }
        } else {
            Endpoint::TopTracks {
                range,
                offset,
                limit: PAGE,
            }
        }
    }

    fn scope(&self) -> Option<&'static str> {
        Some("user-top-read")
    }

    fn write(&mut self, at: u64, page: Page, _cp: &Checkpoint) -> BatchWrite<bool> {
        let list = ((at / STRIDE) as usize).min(LISTS.len() - 1);
        let (kind, range) = LISTS[list];
        let offset = at % STRIDE;
        let n = page.items.len() as u64;
        let end = PageEnd::of(&page);
        let date = self.date.clone();
        let artists: Vec<Option<Artist>> = if kind == "artist" {
            page.parse_items()
        } else {
            Vec::new()
        };
        let tracks: Vec<Option<Playable>> = if kind == "track" {
            page.parse_items()
        } else {
            Vec::new()
        };
        Box::new(move |tx, ctx, cp| {
            let mut ids = Vec::with_capacity(n as usize);
            for a in &artists {
                let stored = match a {
                    Some(a) if tx.upsert_artist_full(a, &ctx.at)? => a.id.clone(),
                    _ => None,
                };
                ids.push(stored);
            }
            for t in &tracks {
                ids.push(match t {
                    Some(t) => tx.upsert_track(t)?,
                    None => None,
                });
            }
            tx.put_top_page(&date, range, kind, offset + 1, &ids)?;
            cp.items_processed += n;
            let list_done = listing_done(n, offset + n, &end);
            cp.current_offset = if list_done {
                (list as u64 + 1) * STRIDE
            } else {
                at + n
            };
            let last = list_done && list + 1 == LISTS.len();
            if last {
                tx.set_account(TOP_SNAPSHOT_KEY, Some(&date), ctx.now)?;
                cp.total_items = Some(cp.items_processed);
            }
            Ok(Stored {
                counts: Counts::default(),
                done: last,
                value: last,
            })
        })
    }

    fn committed(&mut self, last: bool) {
        self.done = last;
    }
}

/// Today's snapshot of the top lists (an incremental run skips a day already stored).
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let date = Utc::now().format("%Y-%m-%d").to_string();
    if ctx.incremental() && ctx.cp.current_offset == 0 {
        let today = date.clone();
        let have = ctx
            .read(move |q| Ok(q.account(TOP_SNAPSHOT_KEY)?.as_deref() == Some(&today)))
            .await?;
        if have {
            tracing::info!("top lists: today's snapshot is stored already");
            return ctx.complete().await;
        }
    }
    let mut walk = TopWalk { date, done: false };
    ctx.walk(&mut walk).await
}
