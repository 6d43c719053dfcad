//! The walk every `added_at` list shares (saved albums, shows, episodes, audiobooks). A full run
//! walks every page and marks what it did not see as removed. An incremental run reads from
//! the newest until it meets a known save; when the stored count then matches the listing's
//! total it stops there (an unchanged list costs one request), else something was removed and
//! it walks on to the end (every earlier page was seen by this run), then marks the unseen.

use super::{BatchWrite, PageEnd, PhaseCtx, Walk, list_mirrored, listing_done};
use crate::domain::{Checkpoint, Cursor, PAGE, Phase, mirrored_key};
use crate::spotify::Endpoint;
use crate::spotify::model::{Page, SavedEntry};
use crate::store::Sql;
use crate::store::library::{Counts, SavedList};
use crate::sync::link::{BatchCtx, Stored};
use crate::sync::outcome::Stop;

/// What distinguishes one `added_at` list from another.
pub(super) struct ListKind {
    pub phase: Phase,
    pub list: SavedList,
    pub endpoint: fn(u64, u32) -> Endpoint,
    /// A scope the listing needs beyond `user-library-read`.
    pub scope: Option<&'static str>,
    /// Store the entry's object (harvesting what it carries); its id when it has one.
    pub store: fn(Sql<'_>, &SavedEntry, &BatchCtx) -> rusqlite::Result<Option<String>>,
}

struct SavedListWalk {
    kind: &'static ListKind,
    done: bool,
    /// The list was mirrored before: its changes are journaled.
    mirrored: bool,
}

impl Walk for SavedListWalk {
    type Value = bool;

    fn next_offset(&self, cp: &Checkpoint) -> Option<u64> {
        let past_end = cp.total_items.is_some_and(|t| cp.current_offset >= t);
        (!self.done && !past_end).then_some(cp.current_offset)
    }

    fn endpoint(&self, offset: u64) -> Endpoint {
        (self.kind.endpoint)(offset, PAGE)
    }

    fn scope(&self) -> Option<&'static str> {
        self.kind.scope
    }

    fn write(&mut self, _offset: u64, page: Page, _cp: &Checkpoint) -> BatchWrite<bool> {
        let entries: Vec<Option<SavedEntry>> = page.parse_items();
        let page_len = page.items.len() as u64;
        let end = PageEnd::of(&page);
        let kind = self.kind;
        let mirrored = self.mirrored;
        Box::new(move |tx, ctx, cp| {
            let list = kind.list;
            let j = ctx.list_journal(mirrored);
            let incremental = cp.cursor == Some(Cursor::Incremental);
            let mut counts = Counts::default();
            let mut met_known = false;
            for e in entries.iter().flatten() {
                let Some(id) = (kind.store)(tx, e, ctx)? else {
                    continue;
                };
                let added_at = e.added_at.as_deref();
                if incremental && tx.is_known_saved_item(list, &id, added_at, ctx.run)? {
                    met_known = true;
                }
                counts.record(tx.upsert_saved_item(list, &id, added_at, ctx.run, j)?);
            }
            cp.current_offset += page_len;
            cp.items_processed += page_len;
            cp.total_items = end.total.or(cp.total_items);
            let mut last = listing_done(page_len, cp.current_offset, &end);
            if incremental && (met_known || last) {
                let stored = tx.count_saved_items(list)?;
                if end.total.is_none_or(|t| t == stored) {
                    last = true;
                    cp.total_items = Some(cp.current_offset);
                } else {
                    // Something was removed: walk on to the end, then mark the unseen.
                    cp.cursor = Some(Cursor::Reconcile);
                }
            }
            if last && cp.cursor != Some(Cursor::Incremental) {
                counts.removed = tx.mark_unsaved_items(list, ctx.run, &ctx.at, j)?;
                cp.total_items = Some(cp.current_offset);
            }
            if last {
                tx.set_account(&mirrored_key(kind.phase), Some(&ctx.at), ctx.now)?;
            }
            Ok(Stored {
                counts,
                done: last,
                value: last,
            })
        })
    }

    fn committed(&mut self, last: bool) {
        self.done = last;
    }
}

/// Walk one `added_at` list from its checkpoint.
pub(super) async fn run(ctx: &mut PhaseCtx<'_>, kind: &'static ListKind) -> Result<(), Stop> {
    if ctx.incremental() && ctx.cp.cursor.is_none() {
        ctx.cp.cursor = Some(Cursor::Incremental);
    }
    let mirrored = list_mirrored(ctx, kind.phase).await?;
    let mut walk = SavedListWalk {
        kind,
        done: false,
        mirrored,
    };
    ctx.walk(&mut walk).await
}
