//! [`compute`]: the plan of a sync over a [`Snapshot`], pure. Each phase's figure follows
//! what that phase sends (`crate::sync`'s phases).

use std::collections::BTreeMap;

use super::estimate::{growth_sample, heaps};
use super::quota_view::quota_view;
use super::*;
use crate::domain::{Cursor, PhaseStatus};

/// One phase's figure before the ETA.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    requests: u64,
    items: Option<u64>,
    basis: Basis,
    notes: Vec<String>,
}

impl Figure {
    fn new(requests: u64, items: Option<u64>, basis: Basis) -> Figure {
        Figure {
            requests,
            items,
            basis,
            notes: Vec::new(),
        }
    }

    fn note(mut self, n: impl Into<String>) -> Figure {
        self.notes.push(n.into());
        self
    }

    /// Two parts of one phase: their sum, as weak as the weaker.
    fn plus(mut self, other: Figure) -> Figure {
        self.requests += other.requests;
        self.items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        self.basis = self.basis.max(other.basis);
        self.notes.extend(other.notes);
        self
    }
}

/// Pages of a walk from `offset` over `total` items: the walk ends at an empty page, so an
/// empty list still costs one; a walk resumed past its end costs nothing.
pub(super) fn pages_from(offset: u64, total: u64) -> u64 {
    if offset > 0 && offset >= total {
        return 0;
    }
    total
        .saturating_sub(offset)
        .div_ceil(u64::from(PAGE))
        .max(1)
}

/// Pages to fetch the items of one playlist (a playlist without items costs nothing).
pub(super) fn item_pages(total: u64, staged: u64) -> u64 {
    if total == 0 || (staged > 0 && staged >= total) {
        return 0;
    }
    total.saturating_sub(staged).div_ceil(u64::from(PAGE))
}

/// The next sync as the engine would plan it ([`next_run`]).
fn planned_run(s: &Snapshot, req: &Request) -> (PlannedRun, Vec<Phase>) {
    let next = next_run(
        &s.config,
        req.mode,
        &req.only,
        s.unfinished.as_ref(),
        s.full_mirror,
        s.now,
    );
    (
        PlannedRun {
            kind: next.kind,
            resumed: next.resumes.is_some(),
            run_id: next.resumes,
        },
        next.phases,
    )
}

/// What a phase computation sees.
struct Ctx<'a> {
    s: &'a Snapshot,
    run: &'a PlannedRun,
}

impl Ctx<'_> {
    /// The phase's checkpoint in the run being resumed (a new run starts from nothing).
    fn checkpoint(&self, phase: Phase) -> Option<&PhaseRecord> {
        let id = self.run.run_id?;
        self.s
            .phases
            .get(&phase)
            .filter(|r| r.run_id == Some(id) && self.run.resumed)
    }

    fn done_in_run(&self, phase: Phase) -> bool {
        self.checkpoint(phase)
            .is_some_and(|r| matches!(r.status, PhaseStatus::Success | PhaseStatus::Skipped))
    }

    /// A list's totals: the resumed checkpoint's, the mirror's, the probe's.
    fn totals(&self, phase: Phase) -> Option<(Vec<u64>, Basis)> {
        if phase != Phase::Top
            && let Some(t) = self
                .checkpoint(phase)
                .and_then(|r| r.checkpoint.total_items)
        {
            return Some((vec![t], Basis::Checkpoint));
        }
        if let Some(m) = self.s.mirrored.get(&phase) {
            return Some((m.clone(), Basis::Mirror));
        }
        match self.s.probe.as_ref().and_then(|p| p.lists.get(&phase)) {
            Some(ProbedList::Totals { totals }) => Some((totals.clone(), Basis::Probe)),
            _ => None,
        }
    }

    /// What the probe or the last run said about a list refused for want of a scope.
    fn refused(&self, phase: Phase) -> Option<String> {
        if self.s.mirrored.contains_key(&phase) {
            return None;
        }
        if let Some(ProbedList::Refused { reason }) =
            self.s.probe.as_ref().and_then(|p| p.lists.get(&phase))
        {
            return Some(reason.clone());
        }
        self.s
            .phases
            .get(&phase)
            .filter(|r| r.status == PhaseStatus::Skipped)
            .map(|r| {
                r.last_error
                    .clone()
                    .unwrap_or_else(|| "skipped last time".into())
            })
    }

    fn incremental(&self) -> bool {
        self.run.kind != RunKind::Full
    }

    fn extended(&self) -> bool {
        self.s
            .extended
            .or_else(|| self.s.probe.as_ref().and_then(|p| p.extended))
            .unwrap_or(false)
    }
}

/// A figure when no total is known: the first page, at least.
fn unknown() -> Figure {
    Figure::new(1, None, Basis::Unknown)
        .note("total unknown: at least one page (`spotsync plan` asks Spotify)")
}

fn refused_figure(reason: &str) -> Figure {
    Figure::new(1, Some(0), Basis::Probe).note(format!(
        "refused ({reason}): the phase stops at its first request"
    ))
}

/// Saved tracks.
fn tracks(c: &Ctx<'_>) -> Figure {
    let cp = c.checkpoint(Phase::Tracks).map(|r| &r.checkpoint);
    let cursor = cp.and_then(|cp| cp.cursor);
    let mirrored = c.s.mirrored.contains_key(&Phase::Tracks);
    if c.incremental() && mirrored && cursor != Some(Cursor::Reconcile) {
        let pages =
            c.s.mirrored
                .get(&Phase::Tracks)
                .and_then(|m| m.first())
                .map_or(1, |n| n.div_ceil(u64::from(PAGE)).max(1));
        let bisection = u64::from(u64::BITS - pages.leading_zeros());
        return Figure::new(1, None, Basis::Incremental).note(format!(
            "one page when nothing changed; 50 new saves add a page, an un-save costs a \
             bisection of about {bisection} pages"
        ));
    }
    let offset = cp.map_or(0, |cp| cp.current_offset);
    let past_end = cp.is_some_and(|cp| cp.total_items.is_some_and(|t| offset >= t));
    if past_end {
        return Figure::new(0, Some(0), Basis::Checkpoint).note("every page is read");
    }
    match c.totals(Phase::Tracks) {
        Some((t, basis)) => {
            let total = t.first().copied().unwrap_or(0);
            let f = Figure::new(
                pages_from(offset, total),
                Some(total.saturating_sub(offset)),
                basis,
            );
            if cursor == Some(Cursor::Reconcile) {
                Figure {
                    basis: basis.max(Basis::Incremental),
                    ..f
                }
                .note("an un-save is being reconciled: the rest of the list is read")
            } else {
                f
            }
        }
        None => unknown(),
    }
}

/// `GET /me` before the playlists: always in a new full run, else when the id is unknown.
fn account_request(c: &Ctx<'_>) -> Option<Figure> {
    let needed = !c.s.me_known || (c.run.kind == RunKind::Full && !c.run.resumed);
    needed.then(|| Figure::new(1, Some(0), Basis::Database).note("GET /me first (who owns what)"))
}

/// The playlist list, then the items of every readable playlist whose snapshot changed.
fn playlists(c: &Ctx<'_>) -> Figure {
    let cp = c.checkpoint(Phase::Playlists).map(|r| &r.checkpoint);
    let list_done = cp.is_some_and(|cp| cp.cursor == Some(Cursor::Items));
    let offset = cp.map_or(0, |cp| cp.current_offset);
    let stored_list = !c.s.playlists.is_empty() || c.s.mirrored.contains_key(&Phase::Playlists);
    let probe = c.s.probe.as_ref().and_then(|p| p.playlists.as_ref());
    // Step 1: the list.
    // `items` counts playlist items (the tracks they bring), not the list's entries.
    let list = if list_done {
        Figure::new(0, Some(0), Basis::Checkpoint)
    } else if stored_list {
        let n = c.s.playlists.len() as u64;
        Figure::new(pages_from(offset, n), Some(0), Basis::Mirror)
    } else if let Some(p) = probe {
        Figure::new(pages_from(offset, p.total), Some(0), Basis::Probe)
    } else {
        return unknown();
    };
    // Step 2: the items of playlists to fetch.
    let staged: BTreeMap<&str, &StoredPlaylist> =
        c.s.playlists.iter().map(|p| (p.id.as_str(), p)).collect();
    let items;
    if !stored_list && let Some(p) = probe {
        // A first mirror: every readable playlist, from the probe.
        let mut pages = 0;
        let mut n = 0;
        let mut unknown_totals = 0;
        for pl in p.playlists.iter().filter(|p| p.readable) {
            let already = staged
                .get(pl.id.as_str())
                .is_some_and(|s| s.synced && s.items_snapshot_id == pl.snapshot_id);
            if already {
                continue;
            }
            match pl.total {
                Some(t) => {
                    pages += item_pages(t, 0);
                    n += t;
                }
                None => unknown_totals += 1,
            }
        }
        items = if unknown_totals > 0 {
            Figure::new(pages + unknown_totals, None, Basis::Unknown)
                .note(format!("{unknown_totals} playlists without an item count"))
        } else {
            Figure::new(pages, Some(n), Basis::Probe)
        };
    } else {
        let mut pages = 0;
        let mut n = 0;
        for pl in c.s.playlists.iter().filter(|p| p.pending) {
            let t = pl.total.unwrap_or(0);
            // A new run starts its playlists' fetches afresh.
            let staged = if c.run.resumed { pl.staged } else { 0 };
            pages += item_pages(t, staged);
            n += t.saturating_sub(staged);
        }
        items = if list_done {
            Figure::new(pages, Some(n), Basis::Database)
        } else {
            // Which snapshots changed is known once the list is read.
            let basis = if c.incremental() {
                Basis::Incremental
            } else {
                Basis::Mirror
            };
            Figure::new(pages, Some(n), basis)
                .note("plus the items of playlists whose snapshot changed")
        };
    }
    match account_request(c) {
        Some(me) => me.plus(list).plus(items),
        None => list.plus(items),
    }
}

/// Saved albums, shows, episodes, audiobooks: walked whole in a full run; read from the
/// newest until a known save in an incremental one.
fn saved_list(c: &Ctx<'_>, phase: Phase) -> Figure {
    if let Some(r) = c.refused(phase) {
        return refused_figure(&r);
    }
    let cp = c.checkpoint(phase).map(|r| &r.checkpoint);
    let cursor = cp.and_then(|cp| cp.cursor);
    if c.incremental() && c.s.mirrored.contains_key(&phase) && cursor != Some(Cursor::Reconcile) {
        return Figure::new(1, None, Basis::Incremental)
            .note("one page when nothing changed; a removal reads the whole list");
    }
    let offset = cp.map_or(0, |cp| cp.current_offset);
    if cp.is_some_and(|cp| cp.total_items.is_some_and(|t| offset >= t)) {
        return Figure::new(0, Some(0), Basis::Checkpoint);
    }
    match c.totals(phase) {
        Some((t, basis)) => {
            let total = t.first().copied().unwrap_or(0);
            Figure::new(
                pages_from(offset, total),
                Some(total.saturating_sub(offset)),
                basis,
            )
        }
        None => unknown(),
    }
}

/// Followed artists: a cursor walk of the whole list, every run.
fn followed(c: &Ctx<'_>) -> Figure {
    if let Some(r) = c.refused(Phase::ArtistsFollowed) {
        return refused_figure(&r);
    }
    let cp = c.checkpoint(Phase::ArtistsFollowed).map(|r| &r.checkpoint);
    let done = cp.map_or(0, |cp| cp.items_processed);
    if cp.is_some_and(|cp| cp.total_items.is_some_and(|t| done >= t) && cp.after.is_none()) {
        return Figure::new(0, Some(0), Basis::Checkpoint);
    }
    match c.totals(Phase::ArtistsFollowed) {
        Some((t, basis)) => {
            let total = t.first().copied().unwrap_or(0);
            // A cursor left by the last page read says the list goes on.
            let more = u64::from(cp.is_some_and(|cp| cp.after.is_some()));
            Figure::new(
                pages_from(done, total).max(more),
                Some(total.saturating_sub(done)),
                basis,
            )
            .note("every run reads the whole list (follows carry no date)")
        }
        None => unknown(),
    }
}

/// The six top lists, once a day.
fn top(c: &Ctx<'_>) -> Figure {
    if let Some(r) = c.refused(Phase::Top) {
        return refused_figure(&r);
    }
    let cp = c.checkpoint(Phase::Top).map(|r| &r.checkpoint);
    let at = cp.map_or(0, |cp| cp.current_offset);
    if c.incremental() && at == 0 && c.s.top_today {
        return Figure::new(0, Some(0), Basis::Database).note("today's snapshot is stored");
    }
    let Some((totals, basis)) = c.totals(Phase::Top) else {
        return unknown();
    };
    let (list, offset) = ((at / TOP_STRIDE) as usize, at % TOP_STRIDE);
    let mut pages = 0;
    let mut n = 0;
    for i in list..TOP_LISTS {
        let t = totals.get(i).copied().unwrap_or(0);
        let from = if i == list { offset } else { 0 };
        pages += pages_from(from, t);
        n += t.saturating_sub(from);
    }
    Figure::new(pages, Some(n), basis).note("artists and tracks, three time ranges each")
}

/// Albums or artists never enriched, plus (estimated) those the list walks before it bring.
fn enrich(c: &Ctx<'_>, phase: Phase, incoming: Option<u64>) -> Figure {
    let (stored, batch, gone, what) = match phase {
        Phase::Albums => (
            c.s.unenriched_albums,
            u64::from(ALBUM_BATCH),
            c.s.batch_albums_gone,
            "albums",
        ),
        _ => (
            c.s.unenriched_artists,
            u64::from(ARTIST_BATCH),
            c.s.batch_artists_gone,
            "artists",
        ),
    };
    // A phase `enrich` leaves out is not planned at all unless named with `--only` (then it
    // runs, as in the engine).
    let batched = c.extended() && !gone;
    let per_request = |n: u64| if batched { n.div_ceil(batch) } else { n };
    let Some(incoming) = incoming else {
        return Figure::new(per_request(stored), None, Basis::Unknown).note(format!(
            "{} never enriched, plus those of tracks not counted yet",
            group(stored)
        ));
    };
    let (sample, in_db, source) = growth_sample(c.s);
    let extra = if phase == Phase::Albums {
        heaps(sample.tracks, sample.albums, incoming, in_db, ALBUMS_GROWTH)
    } else {
        heaps(
            sample.tracks,
            sample.artists,
            incoming,
            in_db,
            ARTISTS_GROWTH,
        )
    };
    let n = stored + extra;
    let requests = per_request(n);
    let mut f = if incoming > 0 {
        Figure::new(requests, Some(n), Basis::Sample).note(format!(
            "estimated: {} never enriched + ~{} from {} tracks still to read ({source}; \
             harvested ones are not asked for); exact once tracks and playlists are mirrored",
            group(stored),
            group(extra),
            group(incoming)
        ))
    } else {
        Figure::new(requests, Some(n), Basis::Database).note(format!("{what} never enriched"))
    };
    if batched {
        f = f.note(format!("{batch} per request (batch endpoint)"));
    } else {
        f = f.note("one request each (Development Mode)");
    }
    f
}

/// Requests a probe sends for these phases (about: one page of playlists assumed).
fn probe_cost(s: &Snapshot, phases: &[Phase]) -> u64 {
    let mut n = 0;
    if phases.contains(&Phase::Playlists) {
        n += u64::from(!s.me_known);
        n += (s.playlists.len().max(1) as u64).div_ceil(u64::from(PAGE));
    }
    for &p in phases {
        n += match p {
            Phase::Top => TOP_LISTS as u64,
            p if probed_by_first_page(p) => 1,
            _ => 0,
        };
    }
    n
}

/// One phase's figure, with its request class and whether the reserve holds it back.
struct Planned {
    phase: Phase,
    class: RequestClass,
    bulk: bool,
    figure: Figure,
}

/// Each phase's figure, in run order.
fn figures(c: &Ctx<'_>, phases: &[Phase]) -> Vec<Planned> {
    // Tracks the list walks of this run still read before enrichment (estimated albums and
    // artists come with them).
    let mut incoming = Some(0u64);
    let mut out = Vec::new();
    for &phase in phases {
        let class = RequestClass::of(phase, c.run.kind);
        let f = if c.done_in_run(phase) {
            Figure::new(0, Some(0), Basis::Done).note("done in this run")
        } else {
            match phase {
                Phase::Tracks => tracks(c),
                Phase::Playlists => playlists(c),
                Phase::AlbumsSaved | Phase::Shows | Phase::Episodes | Phase::Audiobooks => {
                    saved_list(c, phase)
                }
                Phase::ArtistsFollowed => followed(c),
                Phase::Top => top(c),
                Phase::Albums | Phase::Artists => enrich(c, phase, incoming),
                Phase::Plays => Figure::new(1, None, Basis::Poll)
                    .note("one poll (history: never held back by the reserve)"),
            }
        };
        // Tracks a first walk of saved tracks, and the playlists' items to fetch, bring: their
        // albums and artists are not in the database yet.
        let first_walk = phase == Phase::Tracks && !c.s.mirrored.contains_key(&phase);
        if first_walk || phase == Phase::Playlists {
            incoming = incoming.zip(f.items).map(|(a, b)| a + b);
        }
        out.push(Planned {
            phase,
            class,
            bulk: matches!(class, RequestClass::Mirror | RequestClass::Enrich),
            figure: f,
        });
    }
    out
}

/// The phases' plans with their ETAs (phases run in order; bulk requests go at the day's bulk
/// rate after today's room), and the whole plan's figures.
fn with_etas(planned: Vec<Planned>, s: &Snapshot, quota: &QuotaView) -> (Vec<PhasePlan>, Total) {
    let per_day = quota.eta_bulk_per_day;
    let room = quota.eta_bulk_per_day.saturating_sub(s.used);
    let eta = |requests| quota::eta(requests, room, Some(per_day)).map_or(0, |d| d.as_secs());
    let mut cum = 0u64;
    let mut plans = Vec::new();
    for Planned {
        phase,
        class,
        bulk,
        figure: f,
    } in planned
    {
        if bulk {
            cum += f.requests;
        }
        plans.push(PhasePlan {
            phase,
            class,
            requests: f.requests,
            items: f.items,
            exact: f.basis.exact(),
            basis: f.basis,
            note: (!f.notes.is_empty()).then(|| f.notes.join("; ")),
            bulk,
            eta_secs: eta(cum),
        });
    }
    let total = Total {
        requests: plans.iter().map(|p| p.requests).sum(),
        bulk_requests: cum,
        exact: plans.iter().all(|p| p.exact),
        eta_secs: eta(cum),
    };
    (plans, total)
}

/// The plan of the sync `req` over what `s` knows. Pure.
pub fn compute(s: &Snapshot, req: &Request) -> Plan {
    let (run, phases) = planned_run(s, req);
    let c = Ctx { s, run: &run };
    let quota = quota_view(s);
    let planned = figures(&c, &phases);
    let unknown: Vec<Phase> = planned
        .iter()
        .filter(|p| p.figure.basis == Basis::Unknown)
        .map(|p| p.phase)
        .collect();
    let (phases, total) = with_etas(planned, s, &quota);
    Plan {
        generated_at: s.now,
        probe_cost: probe_cost(s, &unknown),
        run,
        phases,
        total,
        quota,
        probe: s.probe.as_ref().map(|p| ProbeInfo {
            at: p.at,
            requests: p.requests,
            error: p.error.clone(),
        }),
        unknown,
    }
}
