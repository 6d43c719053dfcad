//! A restore larger than a day's quota, on the same simulated days. Measured: the writes the
//! real engine sends over HTTP to restore a loss on the simulator (16,000 of 20,000 liked songs
//! un-saved, 5 playlists emptied), and what an incremental sync costs after it. Simulated,
//! minute by minute for 14 days at Spotify's quota of 300 a rolling day, with a listener at 100
//! plays a day: the daemon's polls and incremental syncs, and `spotsync restore --apply` run
//! every hour (each run reads the account with an incremental sync, then writes until the class
//! `restore` reaches its ceiling). The decisions are the gate's own policy code. Each schedule
//! runs twice, without and with the restore, so what the restore costs the polls shows: the
//! daemon's default schedule (a poll every 10 min, a sync every 30 min: more than 300 a day by
//! itself), and one that fits 300 a day (a poll every 20 min, a sync every 3 h).
//!
//! `cargo bench --bench quota_days -- restore` runs this part alone.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use spotsync::cli::{SimMode, SimOptions};
use spotsync::config::SyncConfig;
use spotsync::simulator::{self, SimConfig};
use spotsync::spotify::Credentials;
use spotsync::sync::{self, EngineOptions, RestoreRequest, StartMode, SyncCommand, SyncEvent};
use spotsync_core::domain::RequestClass;
use spotsync_core::quota::{QuotaPolicy, Schedule, Window};
use spotsync_core::restore::Selection;

use super::{Answer, DAYS, KEPT_PLAYS, PLAYS_PER_DAY, RESERVE_WAIT, Spotify};

/// The small quota of this run.
const SMALL_QUOTA: u64 = 300;
const LIKED: usize = 20_000;
const LOST_LIKED: usize = 16_000;

/// What the real engine sent: its restore's writes, and an incremental sync after it.
struct Measured {
    writes: u64,
    incremental: u64,
}

async fn measure() -> Measured {
    let sim = simulator::start(
        SimConfig::new(SimOptions {
            tracks: LIKED,
            playlists: 12,
            mode: SimMode::Dev,
            window: 1_000_000,
            ..SimOptions::default()
        }),
        0,
    )
    .await
    .expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        db: dir.path().join("bench.db"),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials: Credentials::AccessToken(sim.issue_token()),
        config: SyncConfig {
            requests_per_window: 1_000_000,
            max_calls_per_day: 1_000_000,
            enrich: Vec::new(),
            ..Default::default()
        },
    };
    let mut h = sync::spawn(options).await.expect("engine");
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: Vec::new(),
        })
        .await
        .unwrap();
    while let Some(ev) = h.events.recv().await {
        if matches!(ev, SyncEvent::RunFinished { .. }) {
            break;
        }
    }
    let truth = sim.truth();
    let ids: Vec<&str> = truth.saved_tracks[..LOST_LIKED]
        .iter()
        .map(|s| s.track_id.as_str())
        .collect();
    let c = reqwest::Client::new();
    let base = sim.base_url();
    c.post(format!("{base}__sim/tracks/unsave"))
        .json(&json!({ "ids": ids }))
        .send()
        .await
        .unwrap();
    for p in truth
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed)
        .take(5)
    {
        c.post(format!("{base}__sim/playlists/{}/empty", p.id))
            .send()
            .await
            .unwrap();
    }
    sim.reset_stats();
    let request = RestoreRequest {
        as_of: None,
        selection: Selection::default(),
        apply: true,
        from_db: None,
    };
    h.commands
        .send(SyncCommand::Restore(request))
        .await
        .unwrap();
    while let Some(ev) = h.events.recv().await {
        if let SyncEvent::RestoreFinished { done, .. } = ev {
            assert!(done, "the measured restore finished");
            break;
        }
    }
    let writes = sim.stats().writes;
    sim.reset_stats();
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Incremental,
            only: Vec::new(),
        })
        .await
        .unwrap();
    while let Some(ev) = h.events.recv().await {
        if matches!(ev, SyncEvent::RunFinished { .. }) {
            break;
        }
    }
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.ok();
    Measured {
        writes,
        incremental: sim.stats().total.max(1),
    }
}

struct Outcome {
    days: Option<f64>,
    quota_exceeded: u64,
    plays: u64,
    lost: u64,
    /// Plays polls our side held back (the window at the polls' ceiling).
    polls_held: u64,
    /// The longest time without a plays poll, in hours.
    longest_gap_h: f64,
    /// Requests sent by class (history, changes, restore).
    sent: [u64; 3],
}

/// The requests of a day, our side: the policy, the window, any block.
struct Side {
    policy: QuotaPolicy,
    window: Window,
    hold: Option<DateTime<Utc>>,
    sent: [u64; 3],
}

impl Side {
    fn send(&mut self, sp: &mut Spotify, class: RequestClass, now: DateTime<Utc>) -> bool {
        if self.hold.is_some_and(|h| now < h) {
            return false;
        }
        if let Some(until) = self.window.admit_class(&self.policy, class, now)
            && until - now > RESERVE_WAIT
        {
            return false;
        }
        self.window.record_class(&self.policy, class, now);
        if let Some(n) = self.sent.get_mut(class as usize) {
            *n += 1;
        }
        match sp.request(now) {
            Answer::Ok => true,
            Answer::QuotaExceeded(until) => {
                self.hold = Some(until);
                self.window.quota_exceeded(now, until);
                false
            }
            Answer::Blocked => false,
        }
    }
}

fn simulate(writes: u64, incremental: u64, schedule: &Schedule) -> Outcome {
    let start = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut sp = Spotify {
        quota: SMALL_QUOTA,
        accepted: VecDeque::new(),
        blocked_until: None,
        fresh_since: start,
        plays: Vec::new(),
        quota_exceeded: 0,
    };
    let mut side = Side {
        policy: QuotaPolicy::new(SMALL_QUOTA, &[], schedule, incremental),
        window: Window::default(),
        hold: None,
        sent: [0; 3],
    };
    let (mut left, mut done_at) = (writes, None);
    let (mut polls_held, mut last_poll, mut longest) = (0, start, TimeDelta::zero());
    let minutes = |d: std::time::Duration| (d.as_secs() / 60).max(1) as i64;
    let (poll_every, sync_every) = (minutes(schedule.plays_every), minutes(schedule.every));
    let (mut cursor, mut stored): (Option<DateTime<Utc>>, u64) = (None, 0);
    let play_every = TimeDelta::seconds(86_400 / PLAYS_PER_DAY as i64);
    let mut next_play = start + play_every;
    for m in 0..DAYS * 24 * 60 {
        let now = start + TimeDelta::minutes(m);
        while next_play <= now {
            sp.plays.push(next_play);
            next_play += play_every;
        }
        if m % poll_every == 0 {
            if side.send(&mut sp, RequestClass::History, now) {
                poll(&sp, &mut cursor, &mut stored);
                longest = longest.max(now - last_poll);
                last_poll = now;
            } else {
                polls_held += 1;
            }
        }
        if m % sync_every == 15 {
            for _ in 0..incremental {
                side.send(&mut sp, RequestClass::Changes, now);
            }
        }
        if m % 60 == 45 && left > 0 {
            // `spotsync restore --apply`: read the account, then write to the ceiling.
            let read = (0..incremental).all(|_| side.send(&mut sp, RequestClass::Changes, now));
            while read && left > 0 && side.send(&mut sp, RequestClass::Restore, now) {
                left -= 1;
            }
            if left == 0 {
                done_at = Some(now);
            }
        }
    }
    // A last poll at the end: every play a 10-minute poll could have fetched counts.
    poll(&sp, &mut cursor, &mut stored);
    let plays = sp.plays.len() as u64;
    Outcome {
        days: done_at.map(|t| (t - start).num_minutes() as f64 / 1_440.0),
        quota_exceeded: sp.quota_exceeded,
        plays,
        lost: plays.saturating_sub(stored),
        polls_held,
        longest_gap_h: longest.num_minutes() as f64 / 60.0,
        sent: side.sent,
    }
}

/// A plays poll: the last 50 plays, those after the cursor stored.
fn poll(sp: &Spotify, cursor: &mut Option<DateTime<Utc>>, stored: &mut u64) {
    let new: Vec<DateTime<Utc>> = sp
        .plays
        .iter()
        .rev()
        .take(KEPT_PLAYS)
        .copied()
        .filter(|&t| cursor.is_none_or(|c| t > c))
        .collect();
    *stored += new.len() as u64;
    *cursor = new.first().copied().or(*cursor);
}

/// Measure, simulate, print.
pub fn run(rt: &tokio::runtime::Runtime) {
    let m = rt.block_on(measure());
    let p = QuotaPolicy::new(SMALL_QUOTA, &[], &Schedule::default(), m.incremental);
    println!(
        "measured: restoring {LOST_LIKED} of {LIKED} liked songs and 5 emptied playlists takes \
         {} write requests; an incremental sync {} requests; at a quota of {SMALL_QUOTA}/day a \
         restore may write while the rolling day holds under {} requests (the polls' ceiling {}, \
         the incremental syncs' {})",
        m.writes,
        m.incremental,
        p.ceiling(RequestClass::Restore).unwrap_or(0),
        p.ceiling(RequestClass::History).unwrap_or(0),
        p.ceiling(RequestClass::Changes).unwrap_or(0),
    );
    let small = Schedule {
        every: std::time::Duration::from_secs(3 * 3600),
        plays_every: std::time::Duration::from_secs(20 * 60),
    };
    let runs = [
        ("default schedule", Schedule::default(), 0),
        ("default schedule", Schedule::default(), m.writes),
        ("polls every 20 min, syncs every 3 h", small, 0),
        ("polls every 20 min, syncs every 3 h", small, m.writes),
    ];
    for (schedule_name, schedule, writes) in runs {
        let name = if writes == 0 {
            format!("{schedule_name}, without a restore")
        } else {
            format!("{schedule_name}, with the restore")
        };
        let r = simulate(writes, m.incremental, &schedule);
        let days = match (writes, r.days) {
            (0, _) => "-".to_string(),
            (_, Some(d)) => format!("{d:.1}"),
            (_, None) => "not within 14 days".to_string(),
        };
        println!(
            "{SMALL_QUOTA}/day with a listener, {name}: days to restore {days}; QUOTA_EXCEEDED \
             received {}; plays lost {} of {}; polls held {}; longest without a poll {:.1} h; \
             requests history {} changes {} restore {}",
            r.quota_exceeded,
            r.lost,
            r.plays,
            r.polls_held,
            r.longest_gap_h,
            r.sent[0],
            r.sent[1],
            r.sent[2]
        );
    }
}
