//! One module per phase, the context every phase works in ([`PhaseCtx`]), and the one page
//! walker every paged phase uses ([`PhaseCtx::walk`]).
//!
//! A phase reads pages through [`PhaseCtx::walk`] (or, for non-paged phases, requests
//! directly), and stores every batch through [`PhaseCtx::commit`]. A new phase adds a module
//! here, a [`Phase`] variant in [`crate::domain`], and one arm in [`run`].

mod albums_saved;
mod artists_followed;
mod audiobooks;
mod context;
mod enrich;
mod episodes;
mod playlists;
mod plays;
mod saved_list;
mod shows;
mod top;
mod tracks;

pub(crate) use context::{PhaseCtx, RunFacts};

use chrono::Utc;

use super::events::SyncEvent;
use super::link::{BatchCtx, Link, ReqError, Stored};
use super::outcome::Stop;
use crate::domain::{Checkpoint, PAGE, Phase, PhaseStatus, mirrored_key};
use crate::spotify::model::Page;
use crate::spotify::{ApiError, Endpoint};
use crate::store::Sql;
use crate::store::library::{Counts, EnrichTable};

/// A batch's write, built from a page before it is committed (see [`PhaseCtx::commit`]).
pub(crate) type BatchWrite<R> = Box<
    dyn for<'a> FnOnce(Sql<'a>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Stored<R>> + Send,
>;

/// A paged walk: where it stands, and how each page is stored.
pub(crate) trait Walk {
    /// What a page's write hands back to [`Walk::committed`].
    type Value: Send + 'static;

    /// The offset of the next page, or `None` when the walk is over.
    fn next_offset(&self, cp: &Checkpoint) -> Option<u64>;

    fn endpoint(&self, offset: u64) -> Endpoint;

    /// The write that stores one page (its rows; the checkpoint moves with it).
    fn write(&mut self, offset: u64, page: Page, cp: &Checkpoint) -> BatchWrite<Self::Value>;

    /// The page's batch committed.
    fn committed(&mut self, value: Self::Value);

    /// A definitive refusal of a page (403, 404): the write that records it (the walk then
    /// ends), or `None` to fail the phase.
    fn refused(&mut self, _error: &ApiError) -> Option<BatchWrite<Self::Value>> {
        None
    }

    /// The scope the listing needs beyond reading the library: a token without it is refused
    /// (403 "Insufficient client scope") and the phase is skipped.
    fn scope(&self) -> Option<&'static str> {
        None
    }
}

/// Whether the list of `phase` was walked completely before.
async fn list_mirrored(ctx: &PhaseCtx<'_>, phase: Phase) -> Result<bool, Stop> {
    ctx.read(move |q| Ok(q.account(&mirrored_key(phase))?.is_some()))
        .await
}

/// The first page of a saved list's walk (saved albums, shows, episodes, audiobooks), as the
/// phase asks for it; `None` for another phase.
pub(crate) fn saved_list_first_page(phase: Phase) -> Option<Endpoint> {
    let kind = match phase {
        Phase::AlbumsSaved => &albums_saved::KIND,
        Phase::Shows => &shows::KIND,
        Phase::Episodes => &episodes::KIND,
        Phase::Audiobooks => &audiobooks::KIND,
        _ => return None,
    };
    Some((kind.endpoint)(0, PAGE))
}

/// A refusal for want of `scope`: the phase is skipped, with what to do about it.
pub(crate) fn scope_refusal(error: &ApiError, scope: Option<&'static str>) -> Option<Stop> {
    let scope = scope?;
    match error {
        ApiError::Forbidden(m) if m.to_ascii_lowercase().contains("scope") => Some(Stop::Skipped(
            format!("the token lacks the {scope} scope: run `spotsync auth` to grant it"),
        )),
        _ => None,
    }
}

impl PhaseCtx<'_> {
    /// The page walker: from the walk's next offset, fetch each page through the gate (pause
    /// and cancel act at every page boundary) and commit it as one batch, until the walk says
    /// it is over.
    ///
    /// A page that contradicts itself ([`incomplete_page`]) fails the phase before anything of
    /// it is stored: a walk that ended there would mark every item not yet seen as removed.
    /// The checkpoint stays at the last committed page, so the next run retries from there.
    pub(crate) async fn walk<W: Walk>(&mut self, walk: &mut W) -> Result<(), Stop> {
        while let Some(offset) = walk.next_offset(&self.cp) {
            self.boundary().await?;
            let endpoint = walk.endpoint(offset);
            let template = endpoint.template();
            let page = match self.request::<Page>(endpoint).await {
                Ok(p) => p,
                Err(ReqError::Api(e)) => {
                    if let Some(stop) = scope_refusal(&e, walk.scope()) {
                        return Err(stop);
                    }
                    let Some(write) = walk.refused(&e) else {
                        return Err(Stop::PhaseFailed(e.to_string()));
                    };
                    let value = self.commit(write).await?;
                    walk.committed(value);
                    return Ok(());
                }
                Err(ReqError::Stop(s)) => return Err(s),
            };
            if let Some(why) = incomplete_page(offset, &page) {
                return Err(Stop::PhaseFailed(format!(
                    "{template}: the list was incomplete ({why}); nothing was marked removed, \
                     the next run retries from item {offset}"
                )));
            }
            let write = walk.write(offset, page, &self.cp);
            let value = self.commit(write).await?;
            walk.committed(value);
        }
        Ok(())
    }
}

/// Start (or resume) one phase of the run from its checkpoint and run it to its end. Returns
/// how it ended and what it changed in this run.
pub(crate) async fn run(
    link: Link<'_>,
    facts: &mut RunFacts,
    phase: Phase,
) -> (Result<(), Stop>, Counts) {
    let now = Utc::now();
    let started = link
        .db()
        .write(move |tx| {
            let cp = tx.phase(phase)?.map(|r| r.checkpoint).unwrap_or_default();
            tx.set_phase_status(phase, PhaseStatus::InProgress, None, now)?;
            Ok(cp)
        })
        .await;
    let cp = match started {
        Ok(cp) => cp,
        Err(e) => return (Err(e), Counts::default()),
    };
    tracing::info!(
        "phase {phase} started ({} done{})",
        cp.items_processed,
        cp.total_items
            .map(|t| format!(" of {t}"))
            .unwrap_or_default()
    );
    link.emit(SyncEvent::PhaseStarted {
        phase,
        done: cp.items_processed,
        total: cp.total_items,
    })
    .await;
    let mut ctx = PhaseCtx::new(phase, cp, facts, link);
    let result = match phase {
        Phase::Tracks => tracks::run(&mut ctx).await,
        Phase::Playlists => playlists::run(&mut ctx).await,
        Phase::Albums => enrich::run(&mut ctx, EnrichTable::Albums).await,
        Phase::Artists => enrich::run(&mut ctx, EnrichTable::Artists).await,
        Phase::Plays => plays::run(&mut ctx).await,
        Phase::AlbumsSaved => saved_list::run(&mut ctx, &albums_saved::KIND).await,
        Phase::ArtistsFollowed => artists_followed::run(&mut ctx).await,
        Phase::Shows => saved_list::run(&mut ctx, &shows::KIND).await,
        Phase::Episodes => saved_list::run(&mut ctx, &episodes::KIND).await,
        Phase::Audiobooks => saved_list::run(&mut ctx, &audiobooks::KIND).await,
        Phase::Top => top::run(&mut ctx).await,
    };
    (result, ctx.counts())
}

/// Why a page cannot be the end of its list although it has no items: its own `total` says
/// the list goes on past `offset`, or (without a total) it links a next page. `None` for a
/// page with items, or an empty page that is a consistent end.
pub(crate) fn incomplete_page(offset: u64, page: &Page) -> Option<String> {
    if !page.items.is_empty() {
        return None;
    }
    match page.total {
        Some(total) if offset < total => Some(format!(
            "an empty page at item {offset} of a list of {total}"
        )),
        Some(_) => None,
        None => page
            .next
            .is_some()
            .then(|| format!("an empty page at item {offset} links a next page")),
    }
}

/// The walk of a listing is over: no items, past the total, or no next page.
pub(crate) fn listing_done(n: u64, offset_after: u64, page: &PageEnd) -> bool {
    n == 0
        || page.total.is_some_and(|t| offset_after >= t)
        || (page.total.is_none() && !page.has_next)
}

/// What a page says about the listing's end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageEnd {
    pub total: Option<u64>,
    pub has_next: bool,
}

impl PageEnd {
    pub(crate) fn of(page: &Page) -> PageEnd {
        PageEnd {
            total: page.total,
            has_next: page.next.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: usize, total: Option<u64>, next: bool) -> Page {
        Page {
            items: vec![serde_json::Value::Null; items],
            total,
            limit: Some(50),
            offset: None,
            next: next.then(|| "http://next".to_string()),
        }
    }

    #[test]
    fn an_empty_page_is_the_end_only_when_its_answer_agrees() {
        // (offset, items, total, next, incomplete)
        let table = [
            (0, 0, Some(0), false, false),
            (100, 0, Some(100), false, false),
            (150, 0, Some(100), false, false),
            (0, 0, None, false, false),
            (50, 20, Some(10_000), true, false),
            (50, 0, Some(51), false, true),
            (50, 0, Some(10_000), true, true),
            (0, 0, Some(u64::MAX), false, true),
            (50, 0, None, true, true),
        ];
        for (i, (offset, items, total, next, incomplete)) in table.into_iter().enumerate() {
            let why = incomplete_page(offset, &page(items, total, next));
            assert_eq!(why.is_some(), incomplete, "row {i}: {why:?}");
        }
    }
}
