//! End to end: the real `spotsync demo` in tmux mirrors the simulated account, a loss is staged
//! through the simulator's controls, and the Restore screen (`4`) plans it (nothing written),
//! writes it on `y` (progress on the Sync screen) and leaves the account as before the loss.

use std::time::Duration;

use serde_json::Value;

use crate::e2e::{sim_json, sim_url};
use crate::tmux::{Tmux, tmux_available};

const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

/// The liked songs (ids, newest first) and the own playlists (name → item URIs but local
/// files, which the API cannot add), as the simulator holds them.
fn account(base: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let lib = sim_json(base, "GET", "/__sim/library", "");
    let liked = lib["saved_tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["track_id"].as_str().unwrap().to_string())
        .collect();
    let mut own: Vec<(String, Vec<String>)> = lib["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["owned"] == Value::Bool(true) && p["followed"] != Value::Bool(false))
        .map(|p| {
            let items = p["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["uri"].as_str())
                .filter(|u| !u.starts_with("spotify:local:"))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or("").to_string(), items)
        })
        .collect();
    own.sort();
    (liked, own)
}

fn writes(base: &str) -> u64 {
    sim_json(base, "GET", "/__sim/stats", "")["writes"]
        .as_u64()
        .expect("the simulator counts writes")
}

#[test]
fn the_restore_screen_plans_a_staged_loss_then_writes_it_back() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!("\n!!! SKIPPED: tmux is not installed; the Restore screen's test did not run.\n");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("spotsync-e2e-restore-{}", std::process::id()),
    };
    let script = format!(
        "env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
         XDG_CONFIG_HOME={home}/config NO_COLOR=1 {BIN} demo --tracks 300 --playlists 8 \
         --latency-ms 20; echo SPOTSYNC_EXIT=$?; sleep 60",
        home = home.path().display()
    );
    tmux.start(110, 40, &script);
    let screen = tmux.wait_for("the demo screen", Duration::from_secs(30), |s| {
        s.contains("press s") || s.contains("SPOTSYNC_EXIT")
    });
    let url = sim_url(&screen).unwrap_or_else(|| panic!("no simulator URL:\n{screen}"));
    tmux.keys(&["s"]);
    tmux.wait_for("the mirror", Duration::from_secs(120), |s| {
        s.contains("run #1 success")
    });
    let (liked, own) = account(&url);

    // The loss: a playlist deleted, one emptied, 10 liked songs gone.
    let lib = sim_json(&url, "GET", "/__sim/library", "");
    let ids: Vec<String> = lib["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["owned"] == Value::Bool(true) && p["items"].as_array().is_some_and(|i| i.len() >= 2)
        })
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 2, "{} own playlists with items", ids.len());
    sim_json(&url, "DELETE", &format!("/__sim/playlists/{}", ids[0]), "");
    sim_json(
        &url,
        "POST",
        &format!("/__sim/playlists/{}/empty", ids[1]),
        "",
    );
    let gone = serde_json::json!({ "ids": liked[3..13] }).to_string();
    sim_json(&url, "POST", "/__sim/tracks/unsave", &gone);
    assert_ne!(
        account(&url),
        (liked.clone(), own.clone()),
        "the loss is staged"
    );

    // 4, Enter: the plan, and nothing written.
    tmux.keys(&["4"]);
    tmux.wait_for("the Restore screen", Duration::from_secs(10), |s| {
        s.contains("[4 Restore]") && s.contains("the latest mirror")
    });
    let before_plan = writes(&url);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the plan", Duration::from_secs(60), |s| {
        s.contains("y: write this plan") || s.contains("restore:")
    });
    assert!(screen.contains("liked: 10 to add"), "{screen}");
    assert!(screen.contains(": recreate"), "{screen}");
    assert!(screen.contains(": roll back"), "{screen}");
    assert!(screen.contains("total: "), "{screen}");
    assert_eq!(writes(&url), before_plan, "a plan writes nothing");

    // y: the writes, on the Sync screen; then the account is as before the loss.
    tmux.keys(&["y"]);
    // (The Restore screen's own heading says "Restore:" too: only the Sync screen counts.)
    let screen = tmux.wait_for("the restore to end", Duration::from_secs(120), |s| {
        s.contains("[1 Sync]") && (s.contains("Restore done") || s.contains("Restore:"))
    });
    assert!(screen.contains("[1 Sync]"), "{screen}");
    assert!(screen.contains("Restore done"), "{screen}");
    assert!(writes(&url) > before_plan, "the restore wrote");
    let (liked_after, own_after) = account(&url);
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    assert_eq!(sorted(&liked_after), sorted(&liked), "the liked songs");
    assert_eq!(own_after, own, "the own playlists: names, items, order");
    tmux.keys(&["4"]);
    tmux.wait_for("the outcome", Duration::from_secs(10), |s| {
        s.contains("done: the account equals the target")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("SPOTSYNC_EXIT")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}
