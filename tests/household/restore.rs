//! Restore into another account: `restore --from a --to c` makes c's liked songs and playlists
//! equal to a's mirror, written with c's token through the household's one quota ledger, and
//! refuses what cannot be meant.

use serde_json::{Value, json};
use spotsync::simulator::LibraryTruth;

use crate::common::*;
use crate::compare::{cover_aliases, own_playlists, own_playlists_as};

/// A person's liked songs, newest first, as Spotify serves them.
fn liked(t: &LibraryTruth) -> Vec<String> {
    t.saved_tracks.iter().map(|s| s.track_id.clone()).collect()
}

/// The playlists of others a person follows, by id.
fn followed_of_others(t: &LibraryTruth) -> Vec<String> {
    let mut v: Vec<String> = t
        .playlists
        .iter()
        .filter(|p| !p.owned && p.followed)
        .map(|p| p.id.clone())
        .collect();
    v.sort();
    v
}

/// A restore with `--json`: the exit code, the object, and the run.
async fn restore(env: &Env, args: &[&str]) -> (i32, Value, Run) {
    let mut a = vec!["restore", "--json"];
    a.extend_from_slice(args);
    let run = env.run(&a).await;
    let v = serde_json::from_str(run.stdout.trim()).unwrap_or(Value::Null);
    (run.code, v, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_from_one_account_into_another_makes_them_equal() {
    // a: 130 liked songs and 6 playlists; c: none liked, 2 playlists of its own.
    let sim = start_household_sim(&[130, 0], |o| o.user_playlists = vec![6, 2]).await;
    let env = Env::new(&sim, "[sync]\nrequests_per_window = 100000\n");
    env.connect("a", 0).await;
    env.connect_with("c", 1, &["--write"]).await;

    // c was never mirrored: nothing to restore from it yet.
    let out = env.run(&["restore", "--from", "c", "--to", "a"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("account c has no complete mirror to restore from")
            && out.stderr.contains("`spotsync --account c sync`"),
        "{out:?}"
    );
    let out = env.run(&["--account", "a", "sync"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let a = sim.truth_of(0);
    let c_before = sim.truth_of(1);
    assert_eq!(a.saved_tracks.len(), 130);
    assert!(c_before.saved_tracks.is_empty());
    let a_own = own_playlists(&a);
    assert!(a_own.len() >= 3, "{a_own:?}");

    // The refusals: one account for both, an unknown one. Nothing is sent.
    sim.reset_stats();
    let out = env.run(&["restore", "--from", "a", "--to", "a"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("the same account"), "{out:?}");
    let out = env.run(&["--account", "c", "restore", "--from", "a"]).await;
    assert_eq!(out.code, 0, "--account names the account written: {out:?}");
    let out = env.run(&["restore", "--from", "zz", "--to", "c"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("no account zz to restore from (accounts: a, c)"),
        "{out:?}"
    );
    let out = env.run(&["restore", "--from", "a", "--to", "zz"]).await;
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("no account zz"), "{out:?}");
    assert_eq!(sim.stats().writes, 0);

    // The plan, in words: a's library into c, nothing written.
    let out = env.run(&["restore", "--from", "a", "--to", "c"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("of account a's library")
            && out.stdout.contains("liked: 130 to add")
            && out.stdout.contains("create as this account's own"),
        "{out:?}"
    );
    assert_eq!(sim.stats().writes, 0, "a plan writes nothing");
    let (code, plan, run) = restore(&env, &["--from", "a", "--to", "c"]).await;
    assert_eq!(code, 0, "{run:?}");
    let actions: Vec<&str> = plan["plan"]["diff"]["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap())
        .collect();
    let follows = followed_of_others(&a).len();
    assert_eq!(
        actions.iter().filter(|a| **a == "create").count(),
        a_own.len(),
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "follow").count(),
        follows,
        "{actions:?}"
    );
    assert_eq!(plan["plan"]["restore"]["selection"]["from"], "a");

    // An account connected without the write scopes is told how to grant them.
    env.connect("d", 1).await;
    let out = env
        .run(&["restore", "--from", "a", "--to", "d", "--apply"])
        .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("`spotsync --account d auth --write`"),
        "{out:?}"
    );
    assert_eq!(sim.stats().writes, 0, "nothing written without the scopes");

    // The apply: c's liked songs and playlists are a's.
    sim.reset_stats();
    let (code, out, run) = restore(&env, &["--from", "a", "--to", "c", "--apply"]).await;
    assert_eq!(code, 0, "{run:?}");
    assert_eq!(out["outcome"]["done"], Value::Bool(true), "{out}");
    let writes = sim.stats().writes;
    assert!(writes > 0);
    let c = sim.truth_of(1);
    assert_eq!(liked(&c), liked(&a), "the same songs in the same order");
    let mut c_own = own_playlists_as(&c, &cover_aliases(&env.db("c")));
    for kept in own_playlists(&c_before) {
        let at = c_own.iter().position(|p| *p == kept).expect("c's own kept");
        c_own.remove(at);
    }
    assert_eq!(c_own, a_own, "a's own playlists, now c's own");
    let c_follows = followed_of_others(&c);
    for id in followed_of_others(&a) {
        assert!(c_follows.contains(&id), "{id} followed");
    }
    assert_eq!(sim.truth_of(0).saved_tracks.len(), 130, "a is only read");
    // Written with c's token, counted in the household's one ledger as c's.
    let ledger = rusqlite::Connection::open(env.ledger()).unwrap();
    let restore_requests: i64 = ledger
        .query_row(
            "SELECT COUNT(*) FROM requests WHERE account = 'c' AND class = 'restore'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(restore_requests as u64, writes);
    // Journaled in c's database.
    assert!(count(&env.db("c"), "SELECT COUNT(*) FROM restore_writes") > 0);
    assert_eq!(count(&env.db("a"), "SELECT COUNT(*) FROM restores"), 0);

    // Again: nothing to write.
    sim.reset_stats();
    let (code, out, run) = restore(&env, &["--from", "a", "--to", "c", "--apply"]).await;
    assert_eq!(code, 0, "{run:?}");
    assert_eq!(out["plan"]["diff"]["requests"], json!(0), "{out}");
    assert_eq!(sim.stats().writes, 0, "{run:?}");
}

/// Own playlists by name, counted: a playlist made twice shows as a count of 2.
fn own_names(t: &LibraryTruth) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut names: Vec<&str> = t
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed)
        .map(|p| p.name.as_str())
        .collect();
    names.sort_unstable();
    for n in names {
        match out.last_mut() {
            Some((m, c)) if m == n => *c += 1,
            _ => out.push((n.to_string(), 1)),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_into_another_account_killed_midway_goes_on_without_duplicates() {
    use spotsync::simulator::{FaultKind, FaultMethod, SettingsPatch};
    use std::time::{Duration, Instant};

    let sim = start_household_sim(&[300, 0], |o| o.user_playlists = vec![8, 0]).await;
    let env = Env::new(&sim, "[sync]\nrequests_per_window = 100000\n");
    env.connect("a", 0).await;
    env.connect_with("c", 1, &["--write"]).await;
    let out = env.run(&["--account", "a", "sync"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let a = sim.truth_of(0);

    // The first create is carried out but its answer is lost: its id never reaches c's
    // database; the rerun finds it by its marker.
    sim.inject_faults_when(FaultKind::DropAfter, 1, FaultMethod::Post, 0);
    let (code, out, run) = restore(&env, &["--from", "a", "--to", "c", "--apply"]).await;
    assert_ne!(code, 0, "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(false), "{out}");
    // Then SIGKILLed after some writes, again and again.
    sim.update_settings(SettingsPatch {
        latency_ms: Some(40),
        ..SettingsPatch::default()
    })
    .unwrap();
    let mut killed = 0;
    for k in 1..=6u64 {
        let w = sim.stats().writes;
        let mut child = env
            .command(&["--account", "c", "restore", "--from", "a", "--apply"])
            .spawn()
            .unwrap();
        let start = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if sim.stats().writes >= w + k.min(2) {
                child.kill().await.unwrap(); // SIGKILL
                killed += 1;
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "the apply hung");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    assert!(killed >= 3, "only {killed} kills landed");
    sim.update_settings(SettingsPatch {
        latency_ms: Some(0),
        ..SettingsPatch::default()
    })
    .unwrap();
    let (code, out, run) = restore(&env, &["--from", "a", "--to", "c", "--apply"]).await;
    assert_eq!(code, 0, "{run:?}");
    assert_eq!(out["outcome"]["done"], json!(true), "{out}");
    let c = sim.truth_of(1);
    assert_eq!(liked(&c), liked(&a), "every song once, in order");
    assert_eq!(own_names(&c), own_names(&a), "no playlist twice");
    assert_eq!(
        own_playlists_as(&c, &cover_aliases(&env.db("c"))),
        own_playlists(&a)
    );
}
