//! The terminal app of a household, in tmux: the header names the account, `A` switches to the
//! next one (the screen shown follows, with the other person's library), and the rate-limit
//! pane shows the quota the accounts share and each one's part of it.

use std::time::Duration;

use crate::common::*;
use crate::tmux::{Tmux, tmux_available};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_names_the_account_switches_with_a_and_shows_the_shared_quota() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed");
        return;
    }
    let sim = start_household_sim(&[40, 25], |_| {}).await;
    let env = Env::new(&sim, "");
    env.connect("default", 0).await;
    env.connect("b", 1).await;
    for args in [&["sync"][..], &["--account", "b", "sync"][..]] {
        let out = env.run(args).await;
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    }
    let dir = env.dir.path();
    let tmux = Tmux {
        socket: format!("spotsync-household-{}", std::process::id()),
    };
    let script = format!(
        "env -u SPOTSYNC_ACCESS_TOKEN -u SPOTSYNC_ACCOUNT -u SPOTSYNC_DB -u SPOTSYNC_CONFIG \
         -u RUST_LOG HOME={d}/home XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data \
         XDG_STATE_HOME={d}/state NO_COLOR=1 {BIN} --api-url {api} --accounts-url {acc}; \
         echo SPOTSYNC_EXIT=$?; sleep 60",
        d = dir.display(),
        api = env.api_url,
        acc = env.accounts_url,
    );
    tmux.start(140, 45, &script);

    // The first account: named in the header; the limits pane shows the shared quota, with
    // each account's requests of the last 24 hours.
    let screen = tmux.wait_for("the first account's app", WAIT, |s| {
        s.contains("Shared by 2 accounts") || s.contains("SPOTSYNC_EXIT")
    });
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains(" default ") && header.contains("data/spotsync/spotsync.db"),
        "{screen}"
    );
    assert!(
        screen.contains("by account: b ") && screen.contains(" · default "),
        "{screen}"
    );

    // The Library screen shows the first person's 40 songs.
    tmux.keys(&["2"]);
    tmux.wait_for("the first library", WAIT, |s| s.contains("40 rows"));

    // `A`: the other account, on the same screen, with its own 25 songs and database.
    tmux.keys(&["A"]);
    let screen = tmux.wait_for("the second account's library", WAIT, |s| {
        s.contains("25 rows") || s.contains("SPOTSYNC_EXIT")
    });
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains(" b ") && header.contains("accounts/b/spotsync.db"),
        "{screen}"
    );
    assert!(!screen.contains("SPOTSYNC_EXIT"), "{screen}");

    // And round again to the first; `q` leaves as always.
    tmux.keys(&["A"]);
    tmux.wait_for("the first account again", WAIT, |s| s.contains("40 rows"));
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the exit", WAIT, |s| s.contains("SPOTSYNC_EXIT="));
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}
