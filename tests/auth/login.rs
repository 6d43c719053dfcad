//! `spotsync auth` against the simulator: the paste flow, the loopback flow, `state` checks,
//! the token file, `auth status` and `logout`.

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn paste_flow_stores_a_private_token_and_status_shows_it() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    let run = login_by_paste(&env).await;
    assert!(run.stdout.contains("Connected as"), "{run:?}");
    // The ssh hint names the redirect port.
    let port = env.redirect_port;
    assert!(
        run.stdout
            .contains(&format!("ssh -L {port}:127.0.0.1:{port} ")),
        "{run:?}"
    );

    #[cfg(unix)]
    assert_eq!(mode(&env.token_file()), 0o600);
    let v = env.token_json();
    assert!(v["user_id"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
    assert!(v["authorized_at"].as_str().is_some(), "{v}");
    assert_eq!(v["client_id"], CLIENT_ID);
    assert!(v["token"]["expires_at"].as_str().is_some(), "{v}");
    let scope = v["token"]["scope"].as_str().unwrap_or_default();
    for s in spotsync::spotify::auth::SCOPES {
        assert!(scope.contains(s), "{scope}");
    }
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(env.token_file().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("token"))
        .collect();
    assert_eq!(names, vec!["token.json"]);

    let run = env.run(&["auth", "status"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(v["user_id"].as_str().unwrap()),
        "{run:?}"
    );
    assert!(run.stdout.contains("user-read-recently-played"), "{run:?}");
    assert!(
        run.stdout.contains("refresh token:  valid until"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("warning"), "{run:?}");

    let run = env.run(&["auth", "status", "--json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let s: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(s["connected"], true);
    assert_eq!(s["user_id"], v["user_id"]);
    assert_eq!(
        s["scopes"].as_array().unwrap().len(),
        spotsync::spotify::auth::SCOPES.len()
    );
    assert!(s["refresh_token_days_left"].as_i64().unwrap() >= 180);
    assert!(s["warning"].is_null());

    env.assert_no_token_leaked();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_flow_catches_the_redirect() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    let mut p = AuthProcess::spawn(&env, &[]);
    let url = p.authorize_url().await;
    let location = approve_in_browser(&url).await;
    assert!(location.starts_with(&env.redirect_uri()), "{location}");
    // The browser follows the redirect to spotsync's listener.
    let page = reqwest::get(&location).await.unwrap();
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("close this tab"), "{body}");
    let run = p.finish(&env).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Connected as"), "{run:?}");
    #[cfg(unix)]
    assert_eq!(mode(&env.token_file()), 0o600);
    assert!(!env.refresh_token().is_empty());
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

/// Replace the `state` parameter of a URL.
fn with_state(url: &str, state: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.into())
            } else {
                (k, v)
            }
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.into()
}

#[tokio::test(flavor = "multi_thread")]
async fn pasted_url_with_wrong_state_is_refused() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    let mut p = AuthProcess::spawn(&env, &["--no-listen"]);
    let url = p.authorize_url().await;
    let location = approve_in_browser(&url).await;
    // Something that is not a redirect is explained, and the prompt comes back.
    p.paste("hello").await;
    p.read_until(|l| l.contains("not the redirected URL")).await;
    p.paste(&with_state(&location, "forged")).await;
    let run = p.finish(&env).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("`state` does not match"), "{run:?}");
    assert!(!env.token_file().exists());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_with_wrong_state_is_refused_by_the_listener() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    let mut p = AuthProcess::spawn(&env, &[]);
    let url = p.authorize_url().await;
    let location = approve_in_browser(&url).await;
    let page = reqwest::get(with_state(&location, "forged")).await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("not connected"));
    let run = p.finish(&env).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("`state` does not match"), "{run:?}");
    assert!(!env.token_file().exists());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_removes_the_token() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let env = Env::new(&sim);
    login_by_paste(&env).await;
    env.token_json();
    let run = env.run(&["logout"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!env.token_file().exists());
    let run = env.run(&["auth", "status"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    env.assert_no_token_leaked();
    sim.shutdown().await;
}

/// Spotify's answer to `GET /me` for an account that is not on a Development Mode app's
/// allow-list (or when the app's owner has no Premium). The simulator approves every account, so
/// this test puts a one-route stand-in for the Web API beside the simulator's accounts service.
async fn web_api_refusing_me() -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::StatusCode;
    let app = axum::Router::new().route(
        "/v1/me",
        axum::routing::get(|| async {
            (
                StatusCode::FORBIDDEN,
                [("content-type", "application/json")],
                r#"{"error":{"status":403,"message":"Check settings on developer.spotify.com/dashboard, the user may not be registered."}}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_me_explains_the_allow_list_and_premium() {
    let sim = start_sim(&["--tracks", "10"]).await;
    let (api_url, api) = web_api_refusing_me().await;
    let env = Env::bare(&api_url, &sim.accounts_url());
    env.write_config(&format!(
        "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"{}\"\n",
        env.redirect_uri()
    ));
    let mut p = AuthProcess::spawn(&env, &[]);
    let url = p.authorize_url().await;
    let location = approve_in_browser(&url).await;
    p.paste(&location).await;
    let run = p.finish(&env).await;
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "403",
        "User Management",
        "Premium",
        "spotsync auth",
        "may not be registered",
    ] {
        assert!(run.stderr.contains(needle), "missing {needle:?}: {run:?}");
    }
    assert!(!run.stderr.contains("Error:"), "{run:?}");
    assert!(!env.token_file().exists());
    api.abort();
    sim.shutdown().await;
}
