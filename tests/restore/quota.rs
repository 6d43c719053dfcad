//! A restore larger than a day's quota, with a listener playing: under a 300-request daily
//! quota (configured, and enforced by the simulator) the restore's writes stop at their
//! ceiling (exit 75, resumable) while the plays poll still goes; a day later the restore goes
//! on where it stopped and finishes. 0 plays lost, 0 `QUOTA_EXCEEDED`.

use serde_json::json;
use spotsync::simulator::{RunningSim, SettingsPatch};

use crate::kit::*;

/// A day passes: the requests of the database's rolling day age out, and Spotify's count too.
fn a_day_passes(acct: &Account, sim: &RunningSim) {
    let c = rusqlite::Connection::open(&acct.home.db).unwrap();
    c.execute(
        "UPDATE api_usage SET minute = strftime('%Y-%m-%dT%H:%M:00Z', minute, '-25 hours')",
        [],
    )
    .unwrap();
    sim.reset_limits();
}

async fn listen(sim: &RunningSim, plays: u64) {
    control(sim, "POST", "plays", json!({ "count": plays })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_over_days_under_a_small_quota_loses_no_play() {
    let sim = sim(300, 4).await;
    let acct = Account::new(&sim, sim.issue_token());
    acct.home.write_config(
        "[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 300\nenrich = []\n",
    );
    acct.sync();
    let plays_at_start = stored_plays(&acct);
    let before = sim.truth();
    let ids: Vec<String> = before.saved_tracks[..260]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    control(&sim, "POST", "tracks/unsave", json!({ "ids": ids })).await;
    sim.update_settings(SettingsPatch {
        quota: Some(300),
        ..SettingsPatch::default()
    })
    .unwrap();
    sim.reset_stats();

    // Day 1: the writes stop at their ceiling; the plays poll still goes.
    listen(&sim, 30).await;
    let (code, out, run) = acct.restore(&["liked", "--apply", "--exact-order"]);
    assert_eq!(code, Some(75), "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(false));
    let day1 = sim.stats().writes;
    assert!((100..260).contains(&day1), "{day1} writes on day 1");
    let poll = acct.run(&["sync", "--only", "plays"]);
    assert_eq!(poll.code, Some(0), "{poll:?}");

    // Day 2: it goes on where it stopped, and finishes.
    a_day_passes(&acct, &sim);
    listen(&sim, 30).await;
    let (code, out, run) = acct.restore(&["liked", "--apply", "--exact-order"]);
    assert_eq!(code, Some(0), "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(true), "{out}");
    assert_eq!(
        out["plan"]["restore"]["id"],
        json!(1),
        "the same restore went on"
    );
    let poll = acct.run(&["sync", "--only", "plays"]);
    assert_eq!(poll.code, Some(0), "{poll:?}");

    let stats = sim.stats();
    assert_eq!(stats.quota_exceeded, 0);
    assert_eq!(stats.writes, 260, "every song once, none twice");
    assert_eq!(liked_set(&sim.truth()), liked_set(&before));
    assert_eq!(stored_plays(&acct), plays_at_start + 60, "0 plays lost");
}

fn stored_plays(acct: &Account) -> i64 {
    let c = rusqlite::Connection::open(&acct.home.db).unwrap();
    c.query_row("SELECT COUNT(*) FROM plays", [], |r| r.get(0))
        .unwrap()
}
