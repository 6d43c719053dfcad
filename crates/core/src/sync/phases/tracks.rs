//! Saved tracks (`/me/tracks`). A full run walks every page and marks what it did not see as
//! un-saved. An incremental run reads from the newest until it meets a known save; when the
//! count then disagrees, something was un-saved: a bisection ([`crate::sync::unsaved`]) finds
//! what, else one full walk does.

use std::collections::HashMap;

use super::{BatchWrite, PhaseCtx, Walk};
use crate::domain::{Capability, CapabilityValue, Checkpoint, Cursor, PAGE};
use crate::spotify::Endpoint;
use crate::spotify::model::{Page, SavedTrack};
use crate::store::library::Counts;
use crate::sync::link::Stored;
use crate::sync::outcome::Stop;
use crate::sync::unsaved;

/// Track ids of a page, in order (`None` for items without one).
type PageIds = Vec<Option<String>>;

fn ids_of(items: &[Option<SavedTrack>]) -> PageIds {
    items
        .iter()
        .map(|s| {
            s.as_ref()
                .and_then(|s| s.track.as_ref())
                .and_then(|t| t.id.clone())
        })
        .collect()
}

/// What one committed page says.
#[derive(Debug, Default)]
struct PageOutcome {
    /// The walk is complete (the checkpoint is `success`).
    last: bool,
    /// The page was read incrementally and found an un-save: try the bisection.
    reconcile: bool,
    /// Whether the page's tracks came with extended-quota fields.
    extended: Option<bool>,
}

#[derive(Default)]
struct SavedTracksWalk {
    /// Pages read by this run (page index → track ids), for the bisection.
    pages: HashMap<u64, PageIds>,
    done: bool,
    reconcile: bool,
    extended: Option<bool>,
}

impl Walk for SavedTracksWalk {
    type Value = PageOutcome;

    fn next_offset(&self, cp: &Checkpoint) -> Option<u64> {
        let past_end = cp.total_items.is_some_and(|t| cp.current_offset >= t);
        (!self.done && !self.reconcile && !past_end).then_some(cp.current_offset)
    }

    fn endpoint(&self, offset: u64) -> Endpoint {
        Endpoint::SavedTracks {
            offset,
            limit: PAGE,
        }
    }

    fn write(&mut self, offset: u64, page: Page, cp: &Checkpoint) -> BatchWrite<PageOutcome> {
        let items: Vec<Option<SavedTrack>> = page.parse_items();
        let page_len = page.items.len() as u64;
        let (total, has_next) = (page.total, page.next.is_some());
        if cp.cursor == Some(Cursor::Incremental) && offset.is_multiple_of(u64::from(PAGE)) {
            self.pages.insert(offset / u64::from(PAGE), ids_of(&items));
        }
        Box::new(move |tx, ctx, cp| {
            let incremental = cp.cursor == Some(Cursor::Incremental);
            let mut counts = Counts::default();
            let mut met_known = false;
            let mut extended = None;
            for s in items.iter().flatten() {
                let Some(t) = &s.track else { continue };
                extended = Some(extended.unwrap_or(false) || t.popularity.is_some());
                if incremental
                    && let Some(id) = t.id.as_deref()
                    && tx.is_known_saved(id, s.added_at.as_deref(), ctx.run)?
                {
                    met_known = true;
                }
                if let Some((id, changed)) = tx.upsert_track_changed(t)? {
                    let saved =
                        tx.upsert_saved(&id, s.added_at.as_deref(), ctx.run, ctx.journal())?;
                    counts.record(saved.or_changed(changed));
                }
            }
            if let Some(e) = extended {
                tx.set_capability(Capability::ExtendedQuota, CapabilityValue::flag(e), ctx.now)?;
            }
            cp.current_offset += page_len;
            cp.items_processed += page_len;
            cp.total_items = total.or(cp.total_items);
            let mut last = page_len == 0
                || cp.total_items.is_some_and(|t| cp.current_offset >= t)
                || (total.is_none() && !has_next);
            let mut reconcile = false;
            if incremental && (met_known || last) {
                let stored = tx.count_saved()?;
                if total.is_none_or(|t| t == stored) {
                    last = true;
                    cp.total_items = Some(cp.current_offset);
                } else {
                    // Something was un-saved: find what (the pages read so far were seen by
                    // this run already).
                    last = cp.total_items.is_some_and(|t| cp.current_offset >= t);
                    cp.cursor = Some(Cursor::Reconcile);
                    cp.total_items = total;
                    reconcile = !last;
                    if last {
                        counts.removed = tx.mark_unsaved(ctx.run, &ctx.at, ctx.journal())?;
                    }
                }
            } else if last {
                counts.removed = tx.mark_unsaved(ctx.run, &ctx.at, ctx.journal())?;
                cp.total_items = Some(cp.current_offset);
            }
            Ok(Stored {
                counts,
                done: last,
                value: PageOutcome {
                    last,
                    reconcile,
                    extended,
                },
            })
        })
    }

    fn committed(&mut self, v: PageOutcome) {
        self.done = v.last;
        self.reconcile = v.reconcile;
        if v.extended.is_some() {
            self.extended = v.extended;
        }
    }
}

/// The write of a page read for the bisection (its rows count; the walk's offset stays).
fn bisection_page(page: &Page) -> (PageIds, BatchWrite<()>) {
    let items: Vec<Option<SavedTrack>> = page.parse_items();
    let ids = ids_of(&items);
    let write: BatchWrite<()> = Box::new(move |tx, ctx, cp| {
        let mut counts = Counts::default();
        for s in items.iter().flatten() {
            let Some(t) = &s.track else { continue };
            if let Some((id, changed)) = tx.upsert_track_changed(t)? {
                let saved = tx.upsert_saved(&id, s.added_at.as_deref(), ctx.run, ctx.journal())?;
                counts.record(saved.or_changed(changed));
            }
        }
        cp.items_processed += items.len() as u64;
        Ok(Stored::counts(counts))
    });
    (ids, write)
}

/// Walk the saved tracks from the checkpoint (reconciling an un-save when one is found).
pub(super) async fn run(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    if ctx.incremental() && ctx.cp.cursor.is_none() {
        ctx.cp.cursor = Some(Cursor::Incremental);
    }
    let mut walk = SavedTracksWalk::default();
    loop {
        let res = ctx.walk(&mut walk).await;
        if let Some(e) = walk.extended.take() {
            // Stored with the page that showed it.
            ctx.run.extended = Some(e);
        }
        res?;
        if !walk.reconcile {
            // Done, or resumed after the last page was committed.
            return Ok(());
        }
        walk.reconcile = false;
        if find_unsaved(ctx, &mut walk.pages).await? {
            return Ok(());
        }
        tracing::info!("saved tracks: reconciling with a full walk");
    }
}

/// Un-saves found by bisection instead of reading every page; `false` when the lists do not
/// line up (then the caller walks the rest).
async fn find_unsaved(
    ctx: &mut PhaseCtx<'_>,
    pages: &mut HashMap<u64, PageIds>,
) -> Result<bool, Stop> {
    let total = ctx.cp.total_items.unwrap_or_default();
    let ours = ctx.read(|q| q.saved_in_order()).await?;
    let page = u64::from(PAGE);
    let found = loop {
        let res = unsaved::find_unsaved(&ours, total, &mut |i| match pages.get(&(i / page)) {
            Some(ids) => Ok(ids.get((i % page) as usize).cloned().flatten()),
            None => Err(i / page),
        });
        match res {
            Ok(found) => break found,
            Err(missing) => {
                ctx.boundary().await?;
                let endpoint = Endpoint::SavedTracks {
                    offset: missing * page,
                    limit: PAGE,
                };
                let read: Page = ctx.request(endpoint).await.map_err(|e| e.into_stop())?;
                let (ids, write) = bisection_page(&read);
                ctx.commit(write).await?;
                pages.insert(missing, ids);
            }
        }
    };
    let Some(removed) = found else {
        return Ok(false);
    };
    ctx.commit(move |tx, batch, cp| {
        let n = tx.mark_removed(&removed, &batch.at, batch.journal())?;
        cp.total_items = Some(total);
        cp.current_offset = total;
        Ok(Stored {
            counts: Counts {
                removed: n,
                ..Counts::default()
            },
            done: true,
            value: (),
        })
    })
    .await?;
    Ok(true)
}
