//! Accounts: connected through the real login, one database and one private token file each,
//! listed by `spotsync accounts`, picked by `--account` or `SPOTSYNC_ACCOUNT`.

use crate::common::*;

/// Two people of one app: the first account keeps spotsync's usual files, the second gets a
/// folder of its own; each sync mirrors its own person's library into its own database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_account_has_its_own_user_files_and_mirror() {
    let sim = start_household_sim(&[60, 90, 30], |_| {}).await;
    let env = Env::new(&sim, "");
    let first = env.connect("default", 0).await;
    assert!(first.stdout.contains("Next: `spotsync sync`"), "{first:?}");
    let b = env.connect("b", 1).await;
    assert!(
        b.stdout.contains("Connected account b as Sim Listener 2")
            && b.stdout.contains("`spotsync --account b sync`"),
        "{b:?}"
    );
    for name in ["default", "b"] {
        assert_eq!(mode(&env.token_file(name)), 0o600, "{name}");
    }
    assert!(env.data_dir().join("token.json").exists());
    assert!(env.data_dir().join("accounts/b/token.json").exists());

    let out = env.run(&["sync"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let mut cmd = env.command(&["sync"]);
    cmd.env("SPOTSYNC_ACCOUNT", "b");
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{out:?}");
    let saved = "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL";
    assert_eq!(count(&env.db("default"), saved), 60);
    assert_eq!(count(&env.db("b"), saved), 90);
    let user = |db| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT value FROM account WHERE key = 'user_id'", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(user(env.db("default")), sim.truth_of(0).user.id);
    assert_eq!(user(env.db("b")), sim.truth_of(1).user.id);

    let listed = env.run(&["accounts", "--json"]).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    let v = listed.json();
    let accounts = v.as_array().unwrap();
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "b"]);
    assert_eq!(accounts[0]["default"], true);
    assert_eq!(accounts[1]["user_id"], sim.truth_of(1).user.id.as_str());
    assert_eq!(
        accounts[1]["plays"]["plays"],
        sim.truth_of(1).plays.len().min(50) as u64
    );
    assert_eq!(accounts[1]["last_sync"]["status"], "success");
    assert_eq!(
        accounts[1]["database"].as_str().unwrap(),
        env.db("b").to_str().unwrap()
    );
    assert!(accounts[1]["authorization_ends"].is_string());
    let text = env.run(&["accounts"]).await;
    assert!(
        text.stdout.contains("default (used without --account)")
            && text.stdout.contains("Sim Listener 2")
            && text.stdout.contains("share:         1 of 2"),
        "{text:?}"
    );

    // The same person connected again under another name is pointed out.
    let again = env.connect("c", 1).await;
    assert!(
        again
            .stdout
            .contains("Note: account b is the same Spotify user"),
        "{again:?}"
    );
}

/// A name that is no account: refused with the way out; a name that cannot be one: a usage
/// error; an account without a token: exit 3 naming the command that connects it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_invalid_account_names_are_refused_clearly() {
    let sim = start_household_sim(&[10], |_| {}).await;
    let env = Env::new(&sim, "");
    let out = env.run(&["--account", "../x", "status"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("is not an account name"), "{out:?}");
    let out = env.run(&["--account", "nobody", "status"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("no account nobody")
            && out.stderr.contains("spotsync auth --account nobody"),
        "{out:?}"
    );
    let out = env.run(&["--account", "nobody", "sync"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("spotsync auth --account nobody"),
        "{out:?}"
    );
    assert!(
        !env.data_dir().join("accounts/nobody").exists(),
        "nothing was created for a name that is no account"
    );
    let bad = "[accounts.Big]\nshare = 2\n";
    env.write_config(bad);
    let out = env.run(&["accounts"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("\"Big\" is not an account name"),
        "{out:?}"
    );
    env.write_config("[accounts.big]\nshare = 0\n");
    let out = env.run(&["accounts"]).await;
    assert!(out.stderr.contains("share = 0 is out of range"), "{out:?}");
}
