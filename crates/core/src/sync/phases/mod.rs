//! One module per phase, and the one page walker every paged phase uses.
//!
//! A phase reads pages through [`Engine::walk`] (or, for non-paged phases, requests directly),
//! and stores every batch through [`Engine::commit_batch`]. A new phase adds a module here, a
//! [`Phase`] variant in [`crate::domain`], and one arm in [`Engine::run_phase`].

mod albums_saved;
mod artists_followed;
mod audiobooks;
mod enrich;
mod episodes;
mod playlists;
mod plays;
mod saved_list;
mod shows;
mod top;
mod tracks;

pub(crate) use top::SNAPSHOT_KEY as TOP_SNAPSHOT_KEY;

use chrono::Utc;

use super::engine::{BatchCtx, Engine, ReqError, Written};
use super::events::SyncEvent;
use super::outcome::Stop;
use crate::domain::{Checkpoint, Phase, PhaseStatus};
use crate::spotify::model::Page;
use crate::spotify::{ApiError, Endpoint};
use crate::store::Sql;
use crate::store::library::{Counts, EnrichTable, Journal};

/// Items per page.
pub(crate) const PAGE: u32 = 50;

/// A batch's write, built from a page before it is committed (see [`Engine::commit_batch`]).
pub(crate) type BatchWrite<R> = Box<
    dyn for<'a> FnOnce(Sql<'a>, &BatchCtx, &mut Checkpoint) -> rusqlite::Result<Written<R>> + Send,
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

/// The `account` key set when a list's walk first completed: its changes are journaled only
/// from then on (a list new to an existing mirror is not journaled as all added).
pub(crate) fn mirrored_key(phase: Phase) -> String {
    format!("mirrored_{phase}")
}

impl BatchCtx {
    /// Where a list's changes are journaled: nowhere until the list was mirrored once.
    pub(crate) fn list_journal(&self, mirrored: bool) -> Journal<'_> {
        if mirrored {
            self.journal()
        } else {
            Journal {
                run: None,
                at: &self.at,
            }
        }
    }
}

impl Engine {
    /// Whether the list of `phase` was walked completely before.
    pub(crate) async fn list_mirrored(&self, phase: Phase) -> Result<bool, Stop> {
        self.db(move |s| Ok(s.sql().account(&mirrored_key(phase))?.is_some()))
            .await
    }
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

impl Engine {
    /// The page walker: from the walk's next offset, fetch each page through the gate (pause
    /// and cancel act at every page boundary) and commit it as one batch, until the walk says
    /// it is over.
    ///
    /// A page that contradicts itself ([`incomplete_page`]) fails the phase before anything of
    /// it is stored: a walk that ended there would mark every item not yet seen as removed.
    /// The checkpoint stays at the last committed page, so the next run retries from there.
    pub(crate) async fn walk<W: Walk>(
        &mut self,
        phase: Phase,
        cp: &mut Checkpoint,
        walk: &mut W,
    ) -> Result<(), Stop> {
        while let Some(offset) = walk.next_offset(cp) {
            self.boundary(phase).await?;
            let endpoint = walk.endpoint(offset);
            let template = endpoint.template();
            let page = match self.request::<Page>(Some(phase), endpoint).await {
                Ok(p) => p,
                Err(ReqError::Api(e)) => {
                    if let Some(stop) = scope_refusal(&e, walk.scope()) {
                        return Err(stop);
                    }
                    match walk.refused(&e) {
                        Some(write) => {
                            let value = self.commit_batch(phase, cp, write).await?;
                            walk.committed(value);
                            return Ok(());
                        }
                        None => return Err(Stop::PhaseFailed(e.to_string())),
                    }
                }
                Err(ReqError::Stop(s)) => return Err(s),
            };
            if let Some(why) = incomplete_page(offset, &page) {
                return Err(Stop::PhaseFailed(format!(
                    "{template}: the list was incomplete ({why}); nothing was marked removed, \
                     the next run retries from item {offset}"
                )));
            }
            let write = walk.write(offset, page, cp);
            let value = self.commit_batch(phase, cp, write).await?;
            walk.committed(value);
        }
        Ok(())
    }

    /// Start (or resume) one phase from its checkpoint and run it to its end.
    pub(crate) async fn run_phase(&mut self, phase: Phase) -> Result<(), Stop> {
        let now = Utc::now();
        let cp = self
            .db(move |s| {
                let cp = s
                    .sql()
                    .phase(phase)?
                    .map(|r| r.checkpoint)
                    .unwrap_or_default();
                s.sql()
                    .set_phase_status(phase, PhaseStatus::InProgress, None, now)?;
                Ok(cp)
            })
            .await?;
        self.phase_counts = Counts::default();
        tracing::info!(
            "phase {phase} started ({} done{})",
            cp.items_processed,
            cp.total_items
                .map(|t| format!(" of {t}"))
                .unwrap_or_default()
        );
        self.emit(SyncEvent::PhaseStarted {
            phase,
            done: cp.items_processed,
            total: cp.total_items,
        })
        .await;
        match phase {
            Phase::Tracks => self.phase_tracks(cp).await,
            Phase::Playlists => self.phase_playlists(cp).await,
            Phase::Albums => self.phase_enrich(cp, EnrichTable::Albums).await,
            Phase::Artists => self.phase_enrich(cp, EnrichTable::Artists).await,
            Phase::Plays => self.phase_plays(cp).await,
            Phase::AlbumsSaved => self.phase_albums_saved(cp).await,
            Phase::ArtistsFollowed => self.phase_artists_followed(cp).await,
            Phase::Shows => self.phase_shows(cp).await,
            Phase::Episodes => self.phase_episodes(cp).await,
            Phase::Audiobooks => self.phase_audiobooks(cp).await,
            Phase::Top => self.phase_top(cp).await,
        }
    }
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
