//! Fourteen days of a daemon on a 20,000-track library at a 1,500-a-day quota, with a listener
//! at 100 plays a day: days to a complete mirror, `QUOTA_EXCEEDED` answers received, plays lost.
//!
//! Two steps:
//!
//! 1. **Measured:** the real engine mirrors a 20,000-track Development Mode library from the
//!    simulator over HTTP with no quota, and the simulator counts the requests by endpoint:
//!    what the mirror costs per request class (`mirror`: the lists; `enrich`: albums and
//!    artists), and what an incremental sync then costs (`changes`).
//! 2. **Simulated, minute by minute, for 14 days:** the daemon's schedule (a plays poll every
//!    10 min, a sync every 30 min that resumes the unfinished mirror; once its lists are
//!    mirrored, it checks them for changes every 6 h while enrichment is held, every sync once
//!    the mirror is complete), Spotify's rolling 24-hour
//!    quota (a `QUOTA_EXCEEDED` blocks every request for 22 h, then counts afresh), the pace of
//!    60 requests per 30 s, and the API's memory of the last 50 plays. The decisions are the
//!    engine's own code: [`spotsync_core::quota`]'s policy, ceilings and rolling window, as the
//!    gate uses them. The same days run twice: with the quota economy, and without it (every
//!    request sent until Spotify refuses, as before it existed). With the economy, twice more:
//!    from a fresh database (the quota unknown until Spotify's first refusal teaches it), and
//!    with the quota known from the start (learned on an earlier day, or configured).
//!
//! Then a restore larger than a day's quota at 300 requests a day, with the same listener
//! (`quota_days/restore.rs`).
//!
//! Run: `cargo bench --bench quota_days` (release; `-- restore` for the restore run alone).
//! Prints one line per figure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};
use spotsync::cli::{SimMode, SimOptions};
use spotsync::config::SyncConfig;
use spotsync::simulator::{self, SimConfig};
use spotsync::spotify::Credentials;
use spotsync::sync::{self, EngineOptions, StartMode, SyncCommand, SyncEvent};
use spotsync_core::domain::RequestClass;
use spotsync_core::quota::{Observation, QuotaPolicy, Schedule, Window};

#[path = "quota_days/household.rs"]
mod household;

const TRACKS: usize = 20_000;
/// The household run's accounts: liked songs of each.
const HOUSEHOLD: [usize; 3] = [5_000, 20_000, 500];
const QUOTA: u64 = 1_500;
const PLAYS_PER_DAY: u64 = 100;
const DAYS: i64 = 14;
/// Spotify keeps this many recent plays.
const KEPT_PLAYS: usize = 50;
/// A `QUOTA_EXCEEDED` block: one of the `Retry-After`s seen from Spotify (22,708 to 86,400 s).
const BLOCK: TimeDelta = TimeDelta::seconds(79_892);
/// The engine's default pace: 60 requests per 30 s.
const PER_MINUTE: u64 = 120;
/// The engine stops a phase at a reserve hold longer than this (else it waits).
const RESERVE_WAIT: TimeDelta = TimeDelta::seconds(90);

/// What the real engine spent on the mirror and on an incremental sync.
pub struct Costs {
    pub mirror: u64,
    pub enrich: u64,
    pub incremental: u64,
}

/// What the real engine spends on each simulated user's first mirror (one request per
/// enrichment `GET`, every list page) and then on an incremental sync.
async fn measure(options: SimOptions) -> Vec<Costs> {
    let users = options.users.max(1) as usize;
    let sim = simulator::start(SimConfig { options }, 0)
        .await
        .expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let scopes = spotsync::spotify::auth::SCOPES.join(" ");
    let run = |user: usize, mode| {
        let db = dir.path().join(format!("bench-{user}.db"));
        let (api, accounts) = (sim.api_url(), sim.accounts_url());
        let token = sim.issue_token_for(user, &scopes).access_token;
        async move {
            let mut h = sync::spawn(EngineOptions {
                db,
                api_url: api,
                accounts_url: accounts,
                credentials: Credentials::AccessToken(token),
                config: SyncConfig {
                    requests_per_window: 1_000_000,
                    // The simulator here has no quota: measure the whole mirror in one go.
                    max_calls_per_day: 1_000_000,
                    ..Default::default()
                },
            })
            .await
            .expect("engine");
            h.commands
                .send(SyncCommand::Start {
                    mode,
                    only: Vec::new(),
                })
                .await
                .unwrap();
            while let Some(ev) = h.events.recv().await {
                if let SyncEvent::RunFinished { run } = ev {
                    assert_eq!(run.status.as_str(), "success", "{run:?}");
                    break;
                }
            }
            h.commands.send(SyncCommand::Shutdown).await.ok();
            h.task.await.ok();
        }
    };
    let mut costs = Vec::new();
    for user in 0..users {
        sim.reset_stats();
        run(user, StartMode::Full).await;
        let mut c = Costs {
            mirror: 0,
            enrich: 0,
            incremental: 0,
        };
        for (endpoint, n) in &sim.stats().user(user).per_endpoint {
            if !endpoint.starts_with("GET /v1") || endpoint.contains("recently-played") {
                continue;
            }
            let per_id = ["/v1/albums", "/v1/artists"]
                .iter()
                .any(|p| endpoint.starts_with(&format!("GET {p}")));
            if per_id {
                c.enrich += n;
            } else {
                c.mirror += n;
            }
        }
        sim.reset_stats();
        run(user, StartMode::Incremental).await;
        c.incremental = sim.stats().user(user).total.saturating_sub(1).max(1);
        costs.push(c);
    }
    costs
}

/// Spotify's side: the rolling quota, its blocks, and the last 50 plays.
struct Spotify {
    /// Requests a rolling 24 hours.
    quota: u64,
    accepted: VecDeque<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
    fresh_since: DateTime<Utc>,
    /// Times of every play, oldest first.
    plays: Vec<DateTime<Utc>>,
    quota_exceeded: u64,
}

enum Answer {
    Ok,
    QuotaExceeded(DateTime<Utc>),
    Blocked,
}

impl Spotify {
    fn request(&mut self, now: DateTime<Utc>) -> Answer {
        if let Some(b) = self.blocked_until {
            if now < b {
                return Answer::Blocked;
            }
            self.blocked_until = None;
            self.fresh_since = b;
            self.accepted.clear();
        }
        while self
            .accepted
            .front()
            .is_some_and(|&t| t <= now - TimeDelta::hours(24) || t < self.fresh_since)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() as u64 >= self.quota {
            self.quota_exceeded += 1;
            let until = now + BLOCK;
            self.blocked_until = Some(until);
            return Answer::QuotaExceeded(until);
        }
        self.accepted.push_back(now);
        Answer::Ok
    }
}

/// The daemon's side: the gate's policy and window, the mirror's progress, the plays cursor.
struct Daemon {
    economy: bool,
    policy: QuotaPolicy,
    window: Window,
    observations: Vec<Observation>,
    hold: Option<DateTime<Utc>>,
    mirror_left: u64,
    enrich_left: u64,
    incremental: u64,
    /// Newest play stored.
    cursor: Option<DateTime<Utc>>,
    stored: u64,
    mirrored_at: Option<DateTime<Utc>>,
    sent: [u64; RequestClass::ALL.len()],
}

impl Daemon {
    /// One request of `class` at `now`: sent, or why not.
    fn send(
        &mut self,
        sp: &mut Spotify,
        class: RequestClass,
        now: DateTime<Utc>,
    ) -> Result<(), ()> {
        if self.hold.is_some_and(|h| now < h) {
            return Err(());
        }
        if self.economy
            && let Some(until) = self.window.admit_class(&self.policy, class, now)
            && until - now > RESERVE_WAIT
        {
            return Err(());
        }
        self.window.record_class(&self.policy, class, now);
        self.sent[class as usize] += 1;
        match sp.request(now) {
            Answer::Ok => Ok(()),
            Answer::QuotaExceeded(until) => {
                self.hold = Some(until);
                if self.economy {
                    let o = self.window.quota_exceeded(now, until);
                    self.observations.push(o);
                    self.policy = QuotaPolicy::new(
                        0,
                        &self.observations,
                        &Schedule::default(),
                        self.incremental,
                    );
                }
                Err(())
            }
            Answer::Blocked => Err(()),
        }
    }

    fn poll(&mut self, sp: &mut Spotify, now: DateTime<Utc>) {
        if self.send(sp, RequestClass::History, now).is_err() {
            return;
        }
        let available: Vec<DateTime<Utc>> = sp
            .plays
            .iter()
            .rev()
            .take(KEPT_PLAYS)
            .copied()
            .filter(|&t| self.cursor.is_none_or(|c| t > c))
            .collect();
        self.stored += available.len() as u64;
        if let Some(&newest) = available.first() {
            self.cursor = Some(newest);
        }
    }

    /// A scheduled sync: resume the mirror within the pace of one minute's worth per minute
    /// it has (the rest next minute), or an incremental sync once the mirror is complete.
    fn sync_minute(&mut self, sp: &mut Spotify, now: DateTime<Utc>) -> bool {
        let mut budget = PER_MINUTE;
        while budget > 0 {
            let class = if self.mirror_left > 0 {
                RequestClass::Mirror
            } else if self.enrich_left > 0 {
                RequestClass::Enrich
            } else {
                return false;
            };
            if self.send(sp, class, now).is_err() {
                return false;
            }
            budget -= 1;
            if class == RequestClass::Mirror {
                self.mirror_left -= 1;
            } else {
                self.enrich_left -= 1;
            }
            if self.mirror_left == 0 && self.enrich_left == 0 {
                self.mirrored_at = Some(now);
                return false;
            }
        }
        true
    }
}

struct Outcome {
    days_to_mirror: Option<f64>,
    quota_exceeded: u64,
    plays: u64,
    lost: u64,
    sent: [u64; RequestClass::ALL.len()],
}

fn simulate(costs: &Costs, economy: bool, known: bool) -> Outcome {
    let start = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut sp = Spotify {
        quota: QUOTA,
        accepted: VecDeque::new(),
        blocked_until: None,
        fresh_since: start,
        plays: Vec::new(),
        quota_exceeded: 0,
    };
    // Known: an earlier refusal taught the figure (or `max_calls_per_day` says it).
    let observations: Vec<Observation> = if known {
        vec![Observation {
            at: start - TimeDelta::days(30),
            calls: QUOTA,
            resets_at: start - TimeDelta::days(30),
        }]
    } else {
        Vec::new()
    };
    let policy = QuotaPolicy::new(0, &observations, &Schedule::default(), costs.incremental);
    let mut d = Daemon {
        economy,
        policy,
        window: Window::default(),
        observations,
        hold: None,
        mirror_left: costs.mirror,
        enrich_left: costs.enrich,
        incremental: costs.incremental,
        cursor: None,
        stored: 0,
        mirrored_at: None,
        sent: [0; RequestClass::ALL.len()],
    };
    let play_every = TimeDelta::seconds(86_400 / PLAYS_PER_DAY as i64);
    let mut next_play = start + play_every;
    let mut syncing = false;
    let mut run_started = start;
    let minutes = DAYS * 24 * 60;
    for m in 0..minutes {
        let now = start + TimeDelta::minutes(m);
        while next_play <= now {
            sp.plays.push(next_play);
            next_play += play_every;
        }
        if m % 30 == 0 {
            // Once the lists are mirrored, a sync checks them for changes: every time once the
            // mirror is complete; while enrichment is held, when the run it would resume started
            // six hours ago or more (it is closed and a new incremental run starts).
            let check = if d.mirrored_at.is_some() {
                true
            } else {
                d.economy
                    && d.mirror_left == 0
                    && now - run_started >= spotsync_core::plan::CHANGES_DURING_ENRICHMENT
            };
            if check {
                run_started = now;
                for _ in 0..costs.incremental {
                    if d.send(&mut sp, RequestClass::Changes, now).is_err() {
                        break;
                    }
                }
            }
            syncing = d.mirrored_at.is_none();
        }
        if syncing {
            syncing = d.sync_minute(&mut sp, now);
        }
        if m % 10 == 0 {
            d.poll(&mut sp, now);
        }
    }
    // A last poll at the end: every play a 10-minute poll could have fetched counts.
    let end = start + TimeDelta::minutes(minutes);
    d.poll(&mut sp, end);
    let plays = sp.plays.len() as u64;
    Outcome {
        days_to_mirror: d
            .mirrored_at
            .map(|t| (t - start).num_minutes() as f64 / 1_440.0),
        quota_exceeded: sp.quota_exceeded,
        plays,
        lost: plays.saturating_sub(d.stored),
        sent: d.sent,
    }
}

#[path = "quota_days/restore.rs"]
mod restore;

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if std::env::args().any(|a| a == "household") {
        // `cargo bench --bench quota_days -- household`: the household run alone.
        household_report(&rt, false);
        return;
    }
    if std::env::args().any(|a| a == "restore") {
        // `cargo bench --bench quota_days -- restore`: the restore run alone.
        restore::run(&rt);
        return;
    }
    let costs = rt
        .block_on(measure(SimOptions {
            tracks: TRACKS,
            mode: SimMode::Dev,
            ..SimOptions::default()
        }))
        .remove(0);
    println!(
        "measured: a {TRACKS}-track mirror costs {} list requests + {} enrichment requests; an \
         incremental sync {} requests",
        costs.mirror, costs.enrich, costs.incremental
    );
    let p = QuotaPolicy::new(
        0,
        &[Observation {
            at: Utc::now(),
            calls: QUOTA,
            resets_at: Utc::now(),
        }],
        &Schedule::default(),
        costs.incremental,
    );
    println!(
        "policy at a learned {QUOTA}/day: reserve {} (the polls' share {}), bulk work {}/day",
        p.reserve,
        p.history_reserve,
        p.bulk_per_day().unwrap_or(0)
    );
    for (name, economy, known) in [
        ("quota economy, quota unknown at start", true, false),
        ("quota economy, quota known at start", true, true),
        ("without the economy", false, false),
    ] {
        let r = simulate(&costs, economy, known);
        let days = r
            .days_to_mirror
            .map_or("not within 14 days".to_string(), |d| format!("{d:.1}"));
        let by_class: Vec<String> = RequestClass::ALL
            .iter()
            .map(|c| format!("{c} {}", r.sent[*c as usize]))
            .collect();
        println!(
            "{name}: days to a complete mirror {days}; QUOTA_EXCEEDED received {}; plays lost {} \
             of {}; requests {}",
            r.quota_exceeded,
            r.lost,
            r.plays,
            by_class.join(" ")
        );
    }
    household_report(&rt, true);
}

/// The household run: three accounts, one daemon and one ledger, against three independent
/// processes on the same quota.
fn household_report(rt: &tokio::runtime::Runtime, then_restore: bool) {
    let costs = rt.block_on(measure(SimOptions {
        users: HOUSEHOLD.len() as u16,
        user_tracks: HOUSEHOLD.to_vec(),
        mode: SimMode::Dev,
        ..SimOptions::default()
    }));
    for (tracks, c) in HOUSEHOLD.iter().zip(&costs) {
        println!(
            "household: measured a {tracks}-track account: {} list requests + {} enrichment \
             requests; an incremental sync {}",
            c.mirror, c.enrich, c.incremental
        );
    }
    for (name, mode) in [
        (
            "one daemon, shared ledger, quota unknown at start",
            household::Mode::Household { known: false },
        ),
        (
            "one daemon, shared ledger, quota known at start",
            household::Mode::Household { known: true },
        ),
        ("three independent processes", household::Mode::Independent),
    ] {
        let (outcomes, quota_exceeded) = household::simulate(&costs, mode);
        let per: Vec<String> = HOUSEHOLD
            .iter()
            .zip(&outcomes)
            .map(|(tracks, o)| {
                let days = o
                    .days_to_mirror
                    .map_or("not within 14 days".to_string(), |d| format!("{d:.1} days"));
                let by_class: Vec<String> = RequestClass::ALL
                    .iter()
                    .map(|c| format!("{c} {}", o.by_class[*c as usize]))
                    .collect();
                format!(
                    "{tracks} tracks: mirror complete in {days}, plays lost {} of {}, {} requests \
                     ({})",
                    o.lost,
                    o.plays,
                    o.sent,
                    by_class.join(" ")
                )
            })
            .collect();
        println!(
            "household, {name}: QUOTA_EXCEEDED received {quota_exceeded}; {}",
            per.join("; ")
        );
    }
    if then_restore {
        restore::run(rt);
    }
}
