//! The token's life: rotation on refresh, the 6-month end, `invalid_grant` → exit 3.

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn forced_refresh_rotates_and_persists_the_refresh_token() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    let before = env.token_json();
    let rt1 = env.refresh_token();
    let at1 = env.access_token();

    let run = env.run(&["auth", "refresh"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let after = env.token_json();
    let rt2 = env.refresh_token();
    assert_ne!(rt1, rt2, "the refresh token rotates");
    assert_ne!(at1, env.access_token());
    assert_eq!(before["authorized_at"], after["authorized_at"]);
    assert_eq!(before["user_id"], after["user_id"]);
    #[cfg(unix)]
    assert_eq!(mode(&env.token_file()), 0o600);

    // The persisted token is the one that works next time.
    let run = env.run(&["auth", "refresh"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_ne!(env.refresh_token(), rt2);
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

/// Exported files follow the umask; the token file never does.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_token_file_stays_private_under_any_umask() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    for umask in ["000", "022"] {
        let run = env
            .run_with(env.command_after(&format!("umask {umask}"), &["auth", "refresh"]))
            .await;
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(mode(&env.token_file()), 0o600, "umask {umask}");
    }
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_refresh_token_exits_3_with_the_way_out() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    let stored = env.token_json();
    sim_post(&sim, "__sim/refresh-tokens/expire").await;
    let run = env.run(&["auth", "refresh"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("invalid_grant"), "{run:?}");
    assert!(run.stderr.contains("run `spotsync auth`"), "{run:?}");
    // Nothing was thrown away: the file is as it was.
    assert_eq!(env.token_json(), stored);
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

/// Move the authorization date back so that the 6-month end is `days_left` days away.
pub fn age_authorization(env: &Env, days_left: i64) {
    let mut v = env.token_json();
    let end = chrono::Utc::now() + chrono::TimeDelta::days(days_left) + chrono::TimeDelta::hours(1);
    let authorized = end.checked_sub_months(chrono::Months::new(6)).unwrap();
    v["authorized_at"] = serde_json::json!(authorized);
    std::fs::write(env.token_file(), serde_json::to_string(&v).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_warns_30_and_7_days_before_the_end() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    let paths = spotsync::config::Paths {
        config_file: env.config_file(),
        db: env.dir.path().join("db.sqlite"),
        token_file: env.token_file(),
        log_dir: env.log_dir(),
    };
    assert_eq!(
        spotsync::spotify::auth::refresh_expiry_warning(&paths.token_file),
        None
    );

    age_authorization(&env, 40);
    let run = env.run(&["auth", "status"]).await;
    assert!(!run.stdout.contains("warning"), "{run:?}");
    assert_eq!(
        spotsync::spotify::auth::refresh_expiry_warning(&paths.token_file),
        None
    );

    for days in [29, 6] {
        age_authorization(&env, days);
        let run = env.run(&["auth", "status"]).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains(&format!("ends in {days} days")),
            "{run:?}"
        );
        let run = env.run(&["auth", "status", "--json"]).await;
        let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert!(
            v["warning"].as_str().unwrap().contains("spotsync auth"),
            "{v}"
        );
        let w = spotsync::spotify::auth::refresh_expiry_warning(&paths.token_file).unwrap();
        assert!(w.contains(&format!("in {days} days")), "{w}");
    }
    env.assert_no_token_leaked();
    sim.shutdown().await;
}
