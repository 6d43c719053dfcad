//! An installation from before accounts existed keeps working without a flag.
//!
//! `fixtures/spotsync.db` and `fixtures/token.json` were made by the spotsync binary of the
//! commit before accounts existed (6a4e54a), as a user would have made them: `spotsync auth`
//! then `spotsync sync` against `spotsync simulate --tracks 40 --playlists 3 --seed 42`, five
//! more syncs, one of them stopped by a `QUOTA_EXCEEDED` after 75 requests (so the database
//! has learned a daily quota). See `fixtures/README.md`.

use std::path::Path;

use crate::common::*;

fn install_fixture(env: &Env, sim: &spotsync::simulator::RunningSim) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/household/fixtures");
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::copy(fixtures.join("spotsync.db"), env.db("default")).unwrap();
    // The file as written then, but for its refresh token: the simulator running now never
    // issued the one it holds. The access token is left as it was (unknown here: the first
    // request answers 401 and the stored refresh token is used, as after a long pause).
    let text = std::fs::read_to_string(fixtures.join("token.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let scope = v["token"]["scope"].as_str().unwrap().to_string();
    let live = sim.issue_token_for(0, &scope);
    v["token"]["refresh_token"] = serde_json::json!(live.refresh_token);
    let token = env.token_file("default");
    std::fs::write(&token, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_user_installation_keeps_working_without_a_flag() {
    let sim = start_household_sim(&[40, 25], |o| {
        o.user_playlists = vec![3, 2];
        o.seed = 42;
    })
    .await;
    assert_eq!(sim.truth_of(0).user.id, "listener.42", "the fixture's user");
    let env = Env::new(&sim, "");
    install_fixture(&env, &sim);
    let before = std::fs::read_to_string(env.token_file("default")).unwrap();

    let status = env.run(&["status"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains("Sync #6 (incremental) success"),
        "{status:?}"
    );
    let listed = env.run(&["accounts", "--json"]).await.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["name"], "default");
    assert_eq!(listed[0]["user_id"], "listener.42");
    assert_eq!(
        listed[0]["database"].as_str().unwrap(),
        env.db("default").to_str().unwrap()
    );
    let plan = env.run(&["plan", "--json", "--no-probe"]).await.json();
    assert_eq!(plan["quota"]["daily"], 75, "{plan:#}");
    assert_eq!(plan["quota"]["source"], "learned");

    // A plain sync, no flag: the old database, the old token file.
    let tracks_before = count(&env.db("default"), "SELECT COUNT(*) FROM saved_tracks");
    sim.reset_stats();
    let out = env.run(&["sync"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(sim.stats().total > 0);
    let db = env.db("default");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sync_history"), 7);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_history WHERE id = 7 AND status = 'success'"
        ),
        1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM saved_tracks"),
        tracks_before
    );
    let after = std::fs::read_to_string(env.token_file("default")).unwrap();
    assert_ne!(
        before, after,
        "the refreshed token was saved in the same file"
    );
    assert_eq!(mode(&env.token_file("default")), 0o600);
    let v: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["user_id"], "listener.42");
    assert_eq!(v["authorized_at"], "2026-12-06T17:26:14.232921690Z");
    assert!(
        !env.data_dir().join("accounts").exists() && !env.ledger().exists(),
        "a single account needs no other file"
    );
    // A second person joins: the first account's learned quota is the household's.
    env.connect("b", 1).await;
    let plan = env
        .run(&["--account", "b", "plan", "--json", "--no-probe"])
        .await
        .json();
    assert_eq!(plan["quota"]["daily"], 75, "{plan:#}");
    assert_eq!(plan["quota"]["source"], "learned");
    let status = env.run(&["status"]).await;
    assert!(status.stdout.contains("Sync #7"), "{status:?}");
}
