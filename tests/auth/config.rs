//! First run: no config, a wrong config, the client id from the command line or environment.
//! These need no simulator: they stop before any request.

use crate::common::*;

const NOWHERE: &str = "http://127.0.0.1:9/";

#[tokio::test]
async fn no_client_id_explains_the_whole_setup() {
    let env = Env::bare(NOWHERE, NOWHERE);
    let run = env.run(&["auth"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "https://developer.spotify.com/dashboard",
        "http://127.0.0.1:8888/callback",
        "not `localhost`",
        "Premium",
        "User Management",
        "spotsync auth --client-id",
        "SPOTIFY_CLIENT_ID",
        &env.config_file().display().to_string(),
    ] {
        assert!(
            run.stderr.contains(needle),
            "missing {needle:?}:\n{}",
            run.stderr
        );
    }
    assert!(!env.token_file().exists());
    assert!(!env.config_file().exists());
}

#[tokio::test]
async fn client_id_flag_writes_a_documented_config() {
    let env = Env::bare(NOWHERE, NOWHERE);
    let mut p = AuthProcess::spawn(&env, &["--client-id", CLIENT_ID, "--no-listen"]);
    let url = p.authorize_url().await;
    assert!(url.contains(&format!("client_id={CLIENT_ID}")), "{url}");
    let run = p.finish(&env).await;
    // Stdin closed before anything was pasted: nothing saved, a clear message.
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("nothing was saved"), "{run:?}");
    assert!(!env.token_file().exists());
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(
        text.contains(&format!("client_id = \"{CLIENT_ID}\"")),
        "{text}"
    );
    assert!(
        text.contains("# redirect_uri = \"http://127.0.0.1:8888/callback\""),
        "{text}"
    );
    assert!(text.contains("# requests_per_window = 60"), "{text}");
    // Plain `spotsync auth` now finds the id.
    let mut p = AuthProcess::spawn(&env, &["--no-listen"]);
    assert!(p.authorize_url().await.contains(CLIENT_ID));
    p.finish(&env).await;
}

#[tokio::test]
async fn environment_client_id_overrides_the_config() {
    let env = Env::bare(NOWHERE, NOWHERE);
    env.write_config("client_id = \"fromconfig\"\n");
    let mut cmd = env.command(&["auth", "--no-listen"]);
    cmd.env("SPOTIFY_CLIENT_ID", "fromenv");
    let run = env.run_with(cmd).await;
    assert!(run.stdout.contains("client_id=fromenv&"), "{run:?}");
    assert!(!run.stdout.contains("fromconfig"), "{run:?}");

    // An id given on the command line is saved and used for this login, with a note that the
    // environment still overrides the file later.
    let mut cmd = env.command(&["auth", "--no-listen", "--client-id", "fromflag"]);
    cmd.env("SPOTIFY_CLIENT_ID", "fromenv");
    let run = env.run_with(cmd).await;
    assert!(run.stdout.contains("client_id=fromflag&"), "{run:?}");
    assert!(run.stdout.contains("SPOTIFY_CLIENT_ID is set"), "{run:?}");
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(text.contains("client_id = \"fromflag\""), "{text}");
}

#[tokio::test]
async fn wrong_config_says_what_to_fix() {
    let env = Env::bare(NOWHERE, NOWHERE);
    env.write_config(&format!(
        "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"http://localhost:8888/callback\"\n"
    ));
    let run = env.run(&["auth"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("redirect_uri"), "{run:?}");
    assert!(
        run.stderr.contains("http://127.0.0.1:8888/callback"),
        "{run:?}"
    );
    assert!(run.stderr.contains("localhost"), "{run:?}");

    env.write_config("client-id = \"abc\"\n");
    let run = env.run(&["auth"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("client-id"), "{run:?}");
    assert!(
        run.stderr
            .contains(&env.config_file().display().to_string()),
        "{run:?}"
    );
}

#[tokio::test]
async fn status_and_logout_without_a_token() {
    let env = Env::bare(NOWHERE, NOWHERE);
    let run = env.run(&["auth", "status"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.contains("spotsync auth"), "{run:?}");
    let run = env.run(&["auth", "status", "--json"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["connected"], false);
    let run = env.run(&["auth", "refresh"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("spotsync auth"), "{run:?}");
    let run = env.run(&["logout"]).await;
    assert_eq!(run.code, 0, "{run:?}");
}
