//! The plan of the next sync, for people: per phase the requests still needed, whether that
//! figure is exact or estimated (and why), the daily quota and its reserve, and how long the
//! bulk work takes at the quota ("albums: 2,140 requests ≈ 1 day 7 h at ~1,224/day").
//!
//! Pure over a [`Snapshot`] of what the database knows ([`read_snapshot`], [`load_plan`]):
//! [`compute`] mirrors what each phase sends (`crate::sync`'s phases): pages of [`PAGE`] items,
//! an empty first page for an empty list, `GET /me` before playlists in a new full run, one
//! request per album and artist never enriched (or one per [`ALBUM_BATCH`] / [`ARTIST_BATCH`]
//! where the app has the batch endpoints), one request per plays poll.
//!
//! A fresh database knows no totals: a [`Probe`] (the engine's `SyncCommand::Probe`) reads the
//! first page of each list and the whole playlist list, and is kept in the database, so the plan
//! of a first mirror is exact for every list. What enrichment will cost is only known once the
//! tracks are mirrored; before that it is estimated from a sample.

mod compute;
mod enrichment;
mod estimate;
mod figure;
mod next_run;
mod quota_view;
mod snapshot;
#[cfg(test)]
mod tests;
mod words;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use compute::compute;
pub use next_run::{
    CHANGES_DURING_ENRICHMENT, Closing, NextRun, UnfinishedRun, next_run, ordered_phases,
    resumed_phases, supersedes,
};
pub use quota_view::{AccountSent, HouseholdQuota, HouseholdShare, household_etas};
pub use snapshot::{load_plan, load_snapshot, read_snapshot};
pub use words::{fmt_eta, group, requests};

pub use crate::store::library::AlbumTrackPages;
pub use crate::store::{CatalogCounts, StoredPlaylist};

use crate::domain::{
    ALBUM_BATCH, ARTIST_BATCH, Checkpoint, PAGE, Phase, PhaseStatus, RequestClass, RunKind,
    StartMode, TOP_STRIDE, TRACK_BATCH,
};
use crate::quota::{self, Observation, QuotaSource};
use crate::settings::SyncConfig;

/// How many top lists there are ([`crate::domain::TOP_LIST_ORDER`]).
pub const TOP_LISTS: usize = crate::domain::TOP_LIST_ORDER.len();
/// The daily figure ETAs assume while no quota is configured or learned: the low end of what
/// Development Mode apps get.
pub const ASSUMED_DAILY: u64 = 1_100;
/// How distinct albums and artists grow with the tracks of a library (Heaps' law:
/// `distinct ∝ tracks^β`). Albums grow almost with the tracks (saves come album by album),
/// artists much slower (the same artists come back).
pub const ALBUMS_GROWTH: f64 = 0.8;
pub const ARTISTS_GROWTH: f64 = 0.55;
/// The sample assumed when neither the mirror nor a probe tells: distinct albums and artists
/// among 50 tracks.
const DEFAULT_SAMPLE: TrackSample = TrackSample {
    tracks: 50,
    albums: 20,
    artists: 25,
};

// ---------------------------------------------------------------------------------------------
// The probe

/// What one list's first page said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ProbedList {
    /// The list's total items (the top phase: one per list, in [`TOP_LISTS`] order).
    Totals { totals: Vec<u64> },
    /// Refused for want of a scope: the phase stops at its first request and is skipped.
    Refused { reason: String },
    /// Another failure: the total stays unknown.
    Failed { reason: String },
}

/// One playlist of the user's list, as the probe read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbedPlaylist {
    pub id: String,
    pub snapshot_id: Option<String>,
    /// Its item count (`items.total`, or the older `tracks.total`).
    pub total: Option<u64>,
    /// Whether this app may read its items (owned or collaborative in Development Mode).
    pub readable: bool,
}

/// The playlist list, read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbedPlaylists {
    /// Playlists in the user's list (the listing's total).
    pub total: u64,
    pub playlists: Vec<ProbedPlaylist>,
}

/// Distinct albums and artists among the first page of saved tracks: what enrichment is
/// estimated from before the tracks are mirrored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TrackSample {
    pub tracks: u64,
    pub albums: u64,
    pub artists: u64,
}

/// What a probe learned: totals of the lists a sync walks, without storing anything of the
/// library. Kept in the database under [`crate::domain::PROBE_KEY`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub at: DateTime<Utc>,
    /// Requests the probe sent (each through the gate, counted in the day's usage).
    pub requests: u64,
    /// The user's id (`GET /me`), when the probe asked or the database knew.
    pub user_id: Option<String>,
    /// Whether the tracks came with Extended Quota fields.
    pub extended: Option<bool>,
    /// The lists' totals by phase (tracks, saved albums, followed artists, shows, episodes,
    /// audiobooks, top).
    pub lists: BTreeMap<Phase, ProbedList>,
    pub playlists: Option<ProbedPlaylists>,
    pub sample: Option<TrackSample>,
    /// Why the probe stopped early, if it did (what it learned before is kept).
    pub error: Option<String>,
}

impl Probe {
    /// An empty probe started at `at`.
    pub fn new(at: DateTime<Utc>) -> Probe {
        Probe {
            at,
            requests: 0,
            user_id: None,
            extended: None,
            lists: BTreeMap::new(),
            playlists: None,
            sample: None,
            error: None,
        }
    }
}

impl Probe {
    /// Keep what an `earlier` probe learned of the lists this one did not ask about.
    pub fn merge_earlier(&mut self, earlier: Probe) {
        for (phase, list) in earlier.lists {
            self.lists.entry(phase).or_insert(list);
        }
        if self.playlists.is_none() {
            self.playlists = earlier.playlists;
        }
        if self.sample.is_none() {
            self.sample = earlier.sample;
        }
        if self.extended.is_none() {
            self.extended = earlier.extended;
        }
        if self.user_id.is_none() {
            self.user_id = earlier.user_id;
        }
    }
}

/// The list phases a probe reads the first page of (playlists are read whole).
pub fn probed_by_first_page(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::Tracks
            | Phase::AlbumsSaved
            | Phase::ArtistsFollowed
            | Phase::Shows
            | Phase::Episodes
            | Phase::Audiobooks
            | Phase::Top
    )
}

// ---------------------------------------------------------------------------------------------
// The snapshot: what the database knows, read once

/// A phase's checkpoint row (whatever run it belongs to).
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRecord {
    pub run_id: Option<i64>,
    pub status: PhaseStatus,
    pub checkpoint: Checkpoint,
    pub last_error: Option<String>,
}

/// Everything [`compute`] needs, read from the database and the config at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub config: SyncConfig,
    pub observations: Vec<Observation>,
    /// Requests an incremental sync sends (measured, see [`crate::store::Sql::incremental_cost`]).
    pub incremental_cost: u64,
    /// Requests counted in the rolling day now.
    pub used: u64,
    pub unfinished: Option<UnfinishedRun>,
    /// A full run succeeded once: a plain `sync` is incremental.
    pub full_mirror: bool,
    /// The user id is stored (a resumed or incremental run skips `GET /me`).
    pub me_known: bool,
    /// Extended Quota, as learned from answers (`None`: not yet).
    pub extended: Option<bool>,
    /// `GET /albums?ids=` / `/artists?ids=` known to be gone (Development Mode).
    pub batch_albums_gone: bool,
    pub batch_artists_gone: bool,
    /// `GET /tracks?ids=` known to be gone.
    pub batch_tracks_gone: bool,
    pub phases: BTreeMap<Phase, PhaseRecord>,
    /// Stored counts of the lists walked completely before (top: per list, [`TOP_LISTS`]
    /// order, of the latest snapshot).
    pub mirrored: BTreeMap<Phase, Vec<u64>>,
    pub playlists: Vec<StoredPlaylist>,
    pub unenriched_albums: u64,
    pub unenriched_artists: u64,
    /// Tracks only an imported data export knows, played at least once (the `history`
    /// enrichment's work).
    pub unenriched_tracks: u64,
    /// Pages of albums' track lists still to fetch: of albums whose list is partly stored, and
    /// (estimated from their `total_tracks`) of albums not enriched yet that are longer than a
    /// page.
    pub album_track_pages: AlbumTrackPages,
    pub catalog: CatalogCounts,
    /// Today's top lists are stored (an incremental run sends nothing for them).
    pub top_today: bool,
    pub probe: Option<Probe>,
    /// The account's household, when several accounts share the quota: then `observations`
    /// and `used` are the household's (see [`Snapshot::share_with`]).
    pub household: Option<HouseholdQuota>,
}

impl Snapshot {
    /// What a database that does not exist yet knows: nothing.
    pub fn empty(config: SyncConfig, now: DateTime<Utc>) -> Snapshot {
        Snapshot {
            now,
            config,
            observations: Vec::new(),
            incremental_cost: quota::DEFAULT_INCREMENTAL_COST,
            used: 0,
            unfinished: None,
            full_mirror: false,
            me_known: false,
            extended: None,
            batch_albums_gone: false,
            batch_artists_gone: false,
            batch_tracks_gone: false,
            phases: BTreeMap::new(),
            mirrored: BTreeMap::new(),
            playlists: Vec::new(),
            unenriched_albums: 0,
            unenriched_artists: 0,
            unenriched_tracks: 0,
            album_track_pages: AlbumTrackPages::default(),
            catalog: CatalogCounts::default(),
            top_today: false,
            probe: None,
            household: None,
        }
    }
}

/// Which sync the plan is for: a plain `sync` is `Auto` with no `only`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub mode: StartMode,
    pub only: Vec<Phase>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            mode: StartMode::Auto,
            only: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The plan

/// Where a phase's figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Done in the run being resumed.
    Done,
    /// Left out by the config (`enrich`).
    Disabled,
    /// One request per listening-history poll.
    Poll,
    /// What the database holds (albums and artists never enriched, playlists to fetch).
    Database,
    /// Spotify's total as the run's checkpoint holds it.
    Checkpoint,
    /// Spotify's total as the probe read it.
    Probe,
    /// The size of the mirror: exact unless the library changed since the last sync.
    Mirror,
    /// An incremental read: one page when nothing changed.
    Incremental,
    /// Estimated from a sample (the first page of saved tracks, or the mirror's ratio).
    Sample,
    /// No total known: the figure is a lower bound (the first page).
    Unknown,
}

impl Basis {
    /// Whether a figure of this basis is what the sync will send (given an unchanged library).
    pub fn exact(self) -> bool {
        self <= Basis::Mirror
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Done => "done",
            Basis::Disabled => "disabled",
            Basis::Poll => "poll",
            Basis::Checkpoint => "checkpoint",
            Basis::Probe => "probe",
            Basis::Database => "database",
            Basis::Mirror => "mirror",
            Basis::Incremental => "incremental",
            Basis::Sample => "sample",
            Basis::Unknown => "unknown",
        }
    }
}

/// The next sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub kind: RunKind,
    /// It resumes the unfinished run `run_id`.
    pub resumed: bool,
    pub run_id: Option<i64>,
}

/// One phase of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhasePlan {
    pub phase: Phase,
    pub class: RequestClass,
    /// Requests still needed.
    pub requests: u64,
    /// Items still to read or enrich, when known.
    pub items: Option<u64>,
    /// Whether `requests` is what the sync will send (given an unchanged library).
    pub exact: bool,
    pub basis: Basis,
    /// Why the figure is what it is, in words.
    pub note: Option<String>,
    /// Whether the reserve holds these requests back (bulk classes: `mirror`, `enrich`).
    pub bulk: bool,
    /// Seconds from now until this phase is done at the day's bulk rate (phases run in order).
    pub eta_secs: u64,
}

/// The whole plan's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Total {
    pub requests: u64,
    /// Of which bulk work, held back by the reserve.
    pub bulk_requests: u64,
    pub exact: bool,
    /// Seconds from now until the whole sync is done.
    pub eta_secs: u64,
}

/// The day's figure and how it is shared out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Requests per rolling 24 hours, when configured or learned.
    pub daily: Option<u64>,
    pub source: QuotaSource,
    /// `QUOTA_EXCEEDED` answers the learned figure comes from.
    pub observations: u64,
    /// Kept for the plays polls and a day's incremental syncs.
    pub reserve: u64,
    /// Kept for the plays polls alone.
    pub history_reserve: u64,
    pub polls_per_day: u64,
    pub syncs_per_day: u64,
    pub incremental_cost: u64,
    /// Requests counted in the rolling day now.
    pub used_24h: u64,
    /// Requests a day bulk work may spend.
    pub bulk_per_day: Option<u64>,
    /// Bulk requests left in the rolling day now.
    pub room_now: Option<u64>,
    /// The daily figure ETAs use: `daily`, or [`ASSUMED_DAILY`] while it is unknown.
    pub eta_daily: u64,
    /// Bulk requests a day at `eta_daily`.
    pub eta_bulk_per_day: u64,
    /// `eta_daily` is assumed, not configured or learned.
    pub eta_assumed: bool,
    /// Bulk requests the ETAs count as free now.
    pub eta_room: u64,
    /// Seconds between plays polls once the counted day reaches the `changes` ceiling, when
    /// the quota spaces them wider than the schedule does (the polls' own room is spent one
    /// poll at a time so that it never runs out: [`crate::quota::QuotaPolicy::poll_spacing`]).
    #[serde(default)]
    pub poll_spacing_secs: Option<u64>,
    /// The household this account shares the quota with, when it is one of several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<HouseholdShare>,
}

/// When the plan's totals came from a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeInfo {
    pub at: DateTime<Utc>,
    pub requests: u64,
    pub error: Option<String>,
}

/// The plan of the next sync. Its JSON (`spotsync plan --json`) is a stable interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub generated_at: DateTime<Utc>,
    pub run: PlannedRun,
    pub phases: Vec<PhasePlan>,
    pub total: Total,
    pub quota: QuotaView,
    /// The probe whose totals the plan uses, if any.
    pub probe: Option<ProbeInfo>,
    /// Phases whose totals are unknown: a probe would tell.
    pub unknown: Vec<Phase>,
    /// Enrichment the config's `enrich` leaves out, with what it would cost if asked (each
    /// alone after this sync's bulk work; not in `total`).
    #[serde(default)]
    pub left_out: Vec<PhasePlan>,
    /// Requests a probe would send now (about: the playlist list may take more pages).
    pub probe_cost: u64,
}

impl Plan {
    /// Whether a probe would make the plan exact where it now guesses.
    pub fn needs_probe(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// The short form `status` shows.
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            kind: self.run.kind,
            resumed: self.run.resumed,
            requests: self.total.requests,
            bulk_requests: self.total.bulk_requests,
            exact: self.total.exact,
            eta_secs: self.total.eta_secs,
            daily: self.quota.daily,
            source: self.quota.source,
            reserve: self.quota.reserve,
            used_24h: self.quota.used_24h,
            eta_daily: self.quota.eta_daily,
            eta_assumed: self.quota.eta_assumed,
        }
    }
}

/// The plan in brief (`spotsync status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub kind: RunKind,
    pub resumed: bool,
    pub requests: u64,
    pub bulk_requests: u64,
    pub exact: bool,
    pub eta_secs: u64,
    pub daily: Option<u64>,
    pub source: QuotaSource,
    pub reserve: u64,
    pub used_24h: u64,
    pub eta_daily: u64,
    pub eta_assumed: bool,
}
