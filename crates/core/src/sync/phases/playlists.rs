//! Playlists: first the list (`/me/playlists`; playlists not seen any more are marked gone),
//! then the items of every readable playlist whose snapshot changed, page by page into a
//! staging table swapped in when its last page lands.

use super::{BatchWrite, PageEnd, PhaseCtx, Walk, listing_done};
use crate::domain::{Checkpoint, Cursor, PAGE};
use crate::spotify::model::{Page, Playlist, PlaylistEntry};
use crate::spotify::{ApiError, Endpoint};
use crate::store::library::{Counts, ItemsAccess, items_access};
use crate::sync::link::Stored;
use crate::sync::outcome::Stop;

/// Step 1: the list of playlists.
struct ListWalk {
    me: Option<String>,
    extended: bool,
}

impl Walk for ListWalk {
    type Value = ();

    fn next_offset(&self, cp: &Checkpoint) -> Option<u64> {
        (cp.cursor != Some(Cursor::Items)).then_some(cp.current_offset)
    }

    fn endpoint(&self, offset: u64) -> Endpoint {
        Endpoint::Playlists {
            offset,
            limit: PAGE,
        }
    }

    fn write(&mut self, _offset: u64, page: Page, _cp: &Checkpoint) -> BatchWrite<()> {
        let items: Vec<Option<Playlist>> = page.parse_items();
        let n = page.items.len() as u64;
        let end = PageEnd::of(&page);
        let (me, extended) = (self.me.clone(), self.extended);
        Box::new(move |tx, ctx, cp| {
            let mut counts = Counts::default();
            for (i, p) in items.iter().enumerate() {
                let Some(p) = p else { continue };
                let access = items_access(p, me.as_deref(), extended);
                let pos = cp.current_offset + i as u64;
                counts.record(tx.upsert_playlist(p, pos, access, ctx.run, ctx.journal())?);
            }
            cp.current_offset += n;
            cp.items_processed += n;
            if listing_done(n, cp.current_offset, &end) {
                counts.removed = tx.mark_playlists_gone(ctx.run, &ctx.at, ctx.journal())?;
                cp.cursor = Some(Cursor::Items);
            }
            cp.total_items = Some(cp.items_processed + tx.pending_items_total()?);
            Ok(Stored::counts(counts))
        })
    }

    fn committed(&mut self, _: ()) {}
}

/// Step 2: the items of one playlist, from what is staged already.
struct ItemsWalk {
    id: String,
    staged: u64,
    done: bool,
}

impl Walk for ItemsWalk {
    /// Items staged by the page, and whether the playlist is complete.
    type Value = (u64, bool);

    fn next_offset(&self, _cp: &Checkpoint) -> Option<u64> {
        (!self.done).then_some(self.staged)
    }

    fn endpoint(&self, offset: u64) -> Endpoint {
        Endpoint::PlaylistItems {
            id: self.id.clone(),
            offset,
            limit: PAGE,
        }
    }

    fn write(&mut self, offset: u64, page: Page, _cp: &Checkpoint) -> BatchWrite<(u64, bool)> {
        let entries: Vec<Option<PlaylistEntry>> = page.parse_items();
        let end = PageEnd::of(&page);
        let id = self.id.clone();
        Box::new(move |tx, ctx, cp| {
            let n = tx.stage_items(&id, offset, &entries)?;
            let done = listing_done(n, offset + n, &end);
            let mut counts = Counts::default();
            if done {
                counts = tx.finish_playlist_items(&id, &ctx.at, ctx.journal())?;
            }
            cp.items_processed += n;
            Ok(Stored {
                counts,
                done: false,
                value: (n, done),
            })
        })
    }

    fn committed(&mut self, (n, done): (u64, bool)) {
        self.staged += n;
        self.done = done;
    }

    fn refused(&mut self, error: &ApiError) -> Option<BatchWrite<(u64, bool)>> {
        let access = match error {
            ApiError::Forbidden(_) => ItemsAccess::Forbidden,
            ApiError::NotFound(_) => ItemsAccess::NotFound,
            _ => return None,
        };
        let id = self.id.clone();
        Some(Box::new(move |tx, _ctx, _cp| {
            tx.mark_playlist_unreadable(&id, access)?;
            Ok(Stored {
                counts: Counts::default(),
                done: false,
                value: (0, true),
            })
        }))
    }
}

/// The list, then the items of every playlist left pending.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let mut list = ListWalk {
        me: ctx.run.me.clone(),
        extended: ctx.extended(),
    };
    ctx.walk(&mut list).await?;
    loop {
        ctx.boundary().await?;
        let Some((id, staged, total)) = ctx.read(|q| q.next_pending_playlist()).await? else {
            break;
        };
        if total == Some(0) || total.is_some_and(|t| staged >= t && staged > 0) {
            // Every page is staged already (or there is none): swap them in.
            ctx.commit(move |tx, batch, _cp| {
                let counts = tx.finish_playlist_items(&id, &batch.at, batch.journal())?;
                Ok(Stored::counts(counts))
            })
            .await?;
            continue;
        }
        let mut items = ItemsWalk {
            id,
            staged,
            done: false,
        };
        ctx.walk(&mut items).await?;
    }
    ctx.complete().await
}
