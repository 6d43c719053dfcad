//! The household run of the quota bench: three accounts of one app (5,000, 20,000 and 500 liked
//! songs, each listening to 100 plays a day) at Spotify's 1,500-a-day quota for 14 simulated
//! days, minute by minute.
//!
//! - **One daemon** serving all three: every request is admitted by the real quota ledger
//!   ([`spotsync_core::store::ledger::Ledger`], an SQLite file, at simulated times), so the
//!   decisions are the household policy's own code: the reserve for every account's polls,
//!   bulk work shared out between the accounts that want it, one hold for all after a
//!   `QUOTA_EXCEEDED`, the learned figure shared.
//! - **Three independent processes**, as before households existed: each has its own gate
//!   (the same [`QuotaPolicy`] and [`Window`], over its own requests only) and learns from the
//!   `QUOTA_EXCEEDED` answers it receives itself; Spotify counts them together, and while the
//!   app is blocked answers every request of every process `QUOTA_EXCEEDED`.
//!
//! Each minute: every account's poll when due (before any bulk work), then its scheduled sync
//! when due (once its lists are mirrored, a check of the lists every six hours while its
//! enrichment waits, every time once complete), then bulk work at the pace. The independent
//! processes poll every 10 min and sync every 30 min (the default schedule); the daemon keeps
//! that schedule unless some account has bulk work waiting, and then follows the household's
//! cadence ([`household::cadence`], from the ledger's view): an account with nothing of its
//! own to mirror checks its lists less often, and polls follow what the last poll found.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};
use spotsync_core::domain::RequestClass;
use spotsync_core::quota::household::{self as policy, LastPoll};
use spotsync_core::quota::{Observation, QuotaPolicy, Schedule, Window};
use spotsync_core::store::ledger::{Admission, AdmitSettings, Ledger};

use super::{BLOCK, Costs, DAYS, KEPT_PLAYS, PER_MINUTE, PLAYS_PER_DAY, QUOTA, RESERVE_WAIT};

/// How the accounts' gates are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One daemon, one ledger; `known`: the quota learned on an earlier day.
    Household { known: bool },
    /// Three processes, each with its own gate.
    Independent,
}

/// What became of one account.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    pub days_to_mirror: Option<f64>,
    pub plays: u64,
    pub lost: u64,
    pub sent: u64,
    /// Requests sent by class ([`RequestClass::ALL`]'s order).
    pub by_class: [u64; RequestClass::ALL.len()],
}

/// Spotify: one rolling quota and one block for the app, the last 50 plays of each user.
struct Spotify {
    accepted: VecDeque<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
    quota_exceeded: u64,
    plays: Vec<Vec<DateTime<Utc>>>,
}

enum Answer {
    Ok,
    QuotaExceeded(DateTime<Utc>),
}

impl Spotify {
    /// One request of any account: during a block every request is answered
    /// `QUOTA_EXCEEDED` (the process that sent it learns from it, as the engine does).
    fn request(&mut self, now: DateTime<Utc>) -> Answer {
        if let Some(b) = self.blocked_until {
            if now < b {
                self.quota_exceeded += 1;
                return Answer::QuotaExceeded(b);
            }
            self.blocked_until = None;
            self.accepted.clear();
        }
        while self
            .accepted
            .front()
            .is_some_and(|&t| t <= now - TimeDelta::hours(24))
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() as u64 >= QUOTA {
            self.quota_exceeded += 1;
            let until = now + BLOCK;
            self.blocked_until = Some(until);
            return Answer::QuotaExceeded(until);
        }
        self.accepted.push_back(now);
        Answer::Ok
    }
}

/// One process's own gate (the independent runs).
struct OwnGate {
    policy: QuotaPolicy,
    window: Window,
    observations: Vec<Observation>,
    hold: Option<DateTime<Utc>>,
    incremental: u64,
}

/// How the requests of the accounts are admitted.
enum Gates {
    Ledger(Vec<Ledger>),
    Own(Vec<OwnGate>),
}

/// One account's progress.
struct Account {
    mirror_left: u64,
    enrich_left: u64,
    incremental: u64,
    cursor: Option<DateTime<Utc>>,
    stored: u64,
    mirrored_at: Option<DateTime<Utc>>,
    run_started: DateTime<Utc>,
    syncing: bool,
    sent: u64,
    by_class: [u64; RequestClass::ALL.len()],
    /// The last poll: when, and what it found since the one before.
    polled: Option<(DateTime<Utc>, LastPoll)>,
    next_poll: DateTime<Utc>,
    next_sync: DateTime<Utc>,
}

struct World {
    spotify: Spotify,
    gates: Gates,
    /// The figure every gate starts from: `max_calls_per_day`, or 0 to learn it.
    configured: u64,
    accounts: Vec<Account>,
    _dir: tempfile::TempDir,
}

impl World {
    fn new(costs: &[Costs], mode: Mode, start: DateTime<Utc>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let gates = match mode {
            Mode::Household { .. } => {
                let path = dir.path().join("spotsync-quota.db");
                let ledgers: Vec<Ledger> = costs
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let mut l = Ledger::open(&path, "app", &format!("a{k}")).unwrap();
                        l.join(1, c.incremental, start).unwrap();
                        l
                    })
                    .collect();
                Gates::Ledger(ledgers)
            }
            Mode::Independent => Gates::Own(
                costs
                    .iter()
                    .map(|c| OwnGate {
                        policy: QuotaPolicy::new(0, &[], &Schedule::default(), c.incremental),
                        window: Window::default(),
                        observations: Vec::new(),
                        hold: None,
                        incremental: c.incremental,
                    })
                    .collect(),
            ),
        };
        World {
            spotify: Spotify {
                accepted: VecDeque::new(),
                blocked_until: None,
                quota_exceeded: 0,
                plays: vec![Vec::new(); costs.len()],
            },
            gates,
            // Known: learned on an earlier day, or configured (the gate uses it as given).
            configured: if mode == (Mode::Household { known: true }) {
                QUOTA
            } else {
                0
            },
            accounts: costs
                .iter()
                .map(|c| Account {
                    mirror_left: c.mirror,
                    enrich_left: c.enrich,
                    incremental: c.incremental,
                    cursor: None,
                    stored: 0,
                    mirrored_at: None,
                    run_started: start,
                    syncing: false,
                    sent: 0,
                    by_class: [0; RequestClass::ALL.len()],
                    polled: None,
                    next_poll: start,
                    next_sync: start,
                })
                .collect(),
            _dir: dir,
        }
    }

    /// Whether account `k`'s gate lets a request of `class` go at `now` (recorded if so).
    fn admit(&mut self, k: usize, class: RequestClass, now: DateTime<Utc>) -> bool {
        match &mut self.gates {
            Gates::Ledger(ls) => {
                let settings = AdmitSettings {
                    configured: self.configured,
                    schedule: Schedule::default(),
                    pace_limit: u32::MAX,
                };
                match ls[k].admit(class, &settings, now).unwrap() {
                    Admission::Go => true,
                    // A short wait is waited out in the engine; here it goes next minute.
                    Admission::Hold { .. } | Admission::Pace(_) => false,
                }
            }
            Gates::Own(gs) => {
                let g = &mut gs[k];
                if g.hold.is_some_and(|h| now < h) {
                    return false;
                }
                if let Some(until) = g.window.admit_class(&g.policy, class, now)
                    && until - now > RESERVE_WAIT
                {
                    return false;
                }
                g.window.record_class(&g.policy, class, now);
                true
            }
        }
    }

    /// Spotify refused account `k`'s request with `QUOTA_EXCEEDED`, blocking until `until`.
    fn quota_exceeded(&mut self, k: usize, until: DateTime<Utc>, now: DateTime<Utc>) {
        match &mut self.gates {
            Gates::Ledger(ls) => {
                ls[k].quota_exceeded(until, now).unwrap();
            }
            Gates::Own(gs) => {
                let g = &mut gs[k];
                g.hold = Some(until);
                let o = g.window.quota_exceeded(now, until);
                g.observations.push(o);
                g.policy =
                    QuotaPolicy::new(0, &g.observations, &Schedule::default(), g.incremental);
            }
        }
    }

    /// One request of account `k`: admitted and sent, or not.
    fn send(&mut self, k: usize, class: RequestClass, now: DateTime<Utc>) -> bool {
        if !self.admit(k, class, now) {
            return false;
        }
        self.accounts[k].sent += 1;
        self.accounts[k].by_class[class as usize] += 1;
        match self.spotify.request(now) {
            Answer::Ok => true,
            Answer::QuotaExceeded(until) => {
                self.quota_exceeded(k, until, now);
                false
            }
        }
    }

    fn poll(&mut self, k: usize, now: DateTime<Utc>) {
        if !self.send(k, RequestClass::History, now) {
            return;
        }
        let a = &mut self.accounts[k];
        let available: Vec<DateTime<Utc>> = self.spotify.plays[k]
            .iter()
            .rev()
            .take(KEPT_PLAYS)
            .copied()
            .filter(|&t| a.cursor.is_none_or(|c| t > c))
            .collect();
        a.stored += available.len() as u64;
        if let Some(&newest) = available.first() {
            a.cursor = Some(newest);
        }
        let covered = a
            .polled
            .map_or(TimeDelta::zero(), |(at, _)| now - at)
            .to_std()
            .unwrap_or_default();
        let found = available.len() as u64;
        a.polled = Some((now, LastPoll { found, covered }));
    }

    /// When account `k`'s next poll and sync are due after `now`: the default schedule for an
    /// independent process, the household's cadence for the daemon.
    fn cadence(&mut self, k: usize, now: DateTime<Utc>) -> (TimeDelta, TimeDelta) {
        let schedule = Schedule::default();
        let (poll, sync) = match &mut self.gates {
            Gates::Own(_) => (schedule.plays_every, schedule.every),
            Gates::Ledger(ls) => {
                let view = ls[k].view(self.configured, &schedule, now).unwrap();
                let a = &self.accounts[k];
                let last = a.polled.map(|(_, p)| p);
                let own_bulk = a.mirror_left > 0 || a.enrich_left > 0;
                let c = policy::cadence(
                    &view.policy,
                    &view.members,
                    ls[k].account(),
                    &schedule,
                    own_bulk,
                    last,
                );
                (c.poll_every, c.sync_every)
            }
        };
        (
            TimeDelta::from_std(poll).unwrap(),
            TimeDelta::from_std(sync).unwrap(),
        )
    }

    /// The scheduled sync of account `k` (every 30 minutes).
    fn scheduled_sync(&mut self, k: usize, now: DateTime<Utc>) {
        let a = &self.accounts[k];
        let check = a.mirrored_at.is_some()
            || (a.mirror_left == 0
                && now - a.run_started >= spotsync_core::plan::CHANGES_DURING_ENRICHMENT);
        if check {
            self.accounts[k].run_started = now;
            for _ in 0..self.accounts[k].incremental {
                if !self.send(k, RequestClass::Changes, now) {
                    break;
                }
            }
        }
        self.accounts[k].syncing = self.accounts[k].mirrored_at.is_none();
    }

    /// A minute of account `k`'s bulk work, at its part of the pace.
    fn bulk_minute(&mut self, k: usize, budget: u64, now: DateTime<Utc>) {
        for _ in 0..budget {
            let a = &self.accounts[k];
            let class = if a.mirror_left > 0 {
                RequestClass::Mirror
            } else if a.enrich_left > 0 {
                RequestClass::Enrich
            } else {
                self.accounts[k].syncing = false;
                return;
            };
            if !self.send(k, class, now) {
                return;
            }
            let a = &mut self.accounts[k];
            if class == RequestClass::Mirror {
                a.mirror_left -= 1;
            } else {
                a.enrich_left -= 1;
            }
            if a.mirror_left == 0 && a.enrich_left == 0 {
                a.mirrored_at = Some(now);
                a.syncing = false;
                return;
            }
        }
    }
}

/// Fourteen days of the household in `mode`: each account's outcome, and the
/// `QUOTA_EXCEEDED` answers Spotify gave.
pub fn simulate(costs: &[Costs], mode: Mode) -> (Vec<AccountOutcome>, u64) {
    let start = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut w = World::new(costs, mode, start);
    let n = costs.len();
    let play_every = TimeDelta::seconds(86_400 / PLAYS_PER_DAY as i64);
    // The listeners do not play in step.
    let mut next_play: Vec<DateTime<Utc>> = (0..n)
        .map(|k| start + play_every + TimeDelta::seconds(97 * k as i64))
        .collect();
    let minutes = DAYS * 24 * 60;
    for m in 0..minutes {
        let now = start + TimeDelta::minutes(m);
        for (k, next) in next_play.iter_mut().enumerate() {
            while *next <= now {
                w.spotify.plays[k].push(*next);
                *next += play_every;
            }
        }
        for k in 0..n {
            if w.accounts[k].next_poll <= now {
                w.poll(k, now);
                let (poll, _) = w.cadence(k, now);
                w.accounts[k].next_poll = now + poll;
            }
        }
        for k in 0..n {
            if w.accounts[k].next_sync <= now {
                w.scheduled_sync(k, now);
                let (_, sync) = w.cadence(k, now);
                w.accounts[k].next_sync = now + sync;
            }
        }
        for k in 0..n {
            if w.accounts[k].syncing {
                w.bulk_minute(k, PER_MINUTE / n as u64, now);
            }
        }
    }
    let end = start + TimeDelta::minutes(minutes);
    (0..n).for_each(|k| w.poll(k, end));
    let outcomes = w
        .accounts
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let plays = w.spotify.plays[k].len() as u64;
            AccountOutcome {
                days_to_mirror: a
                    .mirrored_at
                    .map(|t| (t - start).num_minutes() as f64 / 1_440.0),
                plays,
                lost: plays.saturating_sub(a.stored),
                sent: a.sent,
                by_class: a.by_class,
            }
        })
        .collect();
    (outcomes, w.spotify.quota_exceeded)
}
