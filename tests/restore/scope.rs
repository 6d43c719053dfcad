//! A token without the write scopes: the exit code says "authorize", the message names the
//! scope and `spotsync auth --write`, and the account is left as it was.

use serde_json::json;
use spotsync_core::spotify::auth::store::{StoredToken, TOKEN_FILE_VERSION, write};
use spotsync_core::spotify::auth::{SCOPES, WRITE_SCOPES};

use crate::common::finish;
use crate::kit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_write_scopes_the_scope_is_named_and_nothing_is_written() {
    let sim = sim(100, 6).await;
    let read = sim.issue_token_with_scopes(&SCOPES);
    let acct = Account::new(&sim, read.access_token.clone());
    acct.sync();
    let before = sim.truth();
    let ids: Vec<String> = before.saved_tracks[..10]
        .iter()
        .map(|s| s.track_id.clone())
        .collect();
    control(&sim, "POST", "tracks/unsave", json!({ "ids": ids })).await;
    let lost = liked_set(&sim.truth());

    // A token given as is (its scopes unknown): Spotify refuses the first write, which names
    // the scope; nothing else is sent.
    sim.reset_stats();
    let (code, out, run) = acct.restore(&["--apply", "liked"]);
    assert_eq!(code, Some(3), "{run:?}");
    assert!(run.stderr.contains("user-library-modify"), "{}", run.stderr);
    assert!(
        run.stderr.contains("spotsync auth --write"),
        "{}",
        run.stderr
    );
    assert_eq!(out["outcome"]["done"], json!(false));
    assert_eq!(sim.stats().writes, 1, "one write, refused");
    assert_eq!(liked_set(&sim.truth()), lost, "nothing written");

    // A stored authorization that lacks them: refused before any write, each scope named.
    let token: rspotify::Token = serde_json::from_value(json!({
        "access_token": read.access_token,
        "expires_in": 3600,
        "expires_at": "2099-01-01T00:00:00Z",
        "refresh_token": read.refresh_token,
        "scope": SCOPES.join(" "),
    }))
    .unwrap();
    let stored = StoredToken {
        version: TOKEN_FILE_VERSION,
        client_id: "spotsync-test".into(),
        authorized_at: chrono::Utc::now(),
        user_id: before.user.id.clone(),
        user_name: None,
        token,
    };
    write(&acct.home.token_file(), &stored).unwrap();
    sim.reset_stats();
    // (The same selection: the unfinished restore goes on, with its target before the loss.)
    let run = finish(acct.home.command(&["restore", "--apply", "liked"]));
    assert_eq!(run.code, Some(3), "{run:?}");
    assert!(
        run.stderr.contains("lacks the user-library-modify scope"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("spotsync auth --write"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.stats().writes, 0, "nothing sent");
    assert_eq!(liked_set(&sim.truth()), lost, "nothing written");
    assert!(WRITE_SCOPES.contains(&"ugc-image-upload"));
}
