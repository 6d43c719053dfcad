//! End to end: `spotsync` without a token, in a tmux pane, against the simulator in this
//! process. `a` opens the login; the test plays the person (reads the link from the log file,
//! lets the simulator's `/authorize` approve, and pastes the redirected URL or lets the browser
//! reach the loopback listener); the app connects and syncs without a restart.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use spotsync::cli::SimOptions;
use spotsync::simulator::{self, RunningSim, SimConfig};

const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

use crate::tmux::{Tmux, tmux_available};
const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";

#[derive(Parser)]
struct SimArgs {
    #[command(flatten)]
    options: SimOptions,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn logs(home: &Path) -> String {
    files_under(&home.join("state"))
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned())
        .collect()
}

/// The authorize URL the app wrote to its log file.
fn authorize_url_from_log(home: &Path, skip: usize) -> String {
    let start = Instant::now();
    loop {
        let text = logs(home);
        if let Some(rest) = text
            .lines()
            .filter_map(|l| {
                l.split_once("open this link in a browser: ")
                    .map(|(_, r)| r)
            })
            .nth(skip)
        {
            return rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no authorize URL in the log:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The person's browser at Spotify: GET the link, do not follow the redirect.
async fn approve(url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"].to_str().unwrap().to_string()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Via {
    Paste,
    Loopback,
}

fn login_and_sync(via: Via, sim_args: &[&str], relogin: bool) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim: RunningSim = rt.block_on(async {
        let argv = ["sim", "--tracks", "30", "--playlists", "2"]
            .into_iter()
            .chain(sim_args.iter().copied());
        let options = SimArgs::parse_from(argv).options;
        simulator::start(SimConfig { options }, 0).await.unwrap()
    });
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let port = free_port();
    let config = h.join("config/spotsync/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!(
            "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\n"
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: format!(
            "spotsync-e2e-login-{via:?}-{relogin}-{}",
            std::process::id()
        ),
    };
    let script = format!(
        "env -u SPOTSYNC_ACCESS_TOKEN -u SPOTIFY_CLIENT_ID -u SPOTSYNC_DB -u SPOTSYNC_CONFIG \
         HOME={home}/home XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
         XDG_CONFIG_HOME={home}/config NO_COLOR=1 RUST_LOG=debug {BIN} --api-url {api} \
         --accounts-url {acc}; echo SPOTSYNC_EXIT=$?; sleep 60",
        home = h.display(),
        api = sim.api_url(),
        acc = sim.accounts_url(),
    );
    tmux.start(80, 24, &script);

    // Wait for the whole first frame (its last line is the key line): a capture taken while the
    // terminal is still drawing has the notice but not yet the keys.
    let screen = tmux.wait_for("the app", Duration::from_secs(30), |s| {
        (s.contains("press a to log in") && s.contains("a log in to Spotify"))
            || s.contains("SPOTSYNC_EXIT")
    });
    assert!(screen.contains("a log in to Spotify"), "{screen}");
    log_in(&tmux, &rt, h, port, via);
    let token_file = h.join("data/spotsync/token.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // The engine runs with the new token, without a restart.
    tmux.keys(&["s"]);
    tmux.wait_for("the sync to finish", Duration::from_secs(60), |s| {
        s.contains("Sync finished")
    });

    if relogin {
        // Spotify refuses the refresh token (invalid_grant) once the access token expired: the
        // app says so, offers a, and after a new login syncs again, still without a restart.
        rt.block_on(async {
            let resp = reqwest::Client::new()
                .post(format!("{}__sim/refresh-tokens/expire", sim.base_url()))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
        });
        std::thread::sleep(Duration::from_secs(4));
        tmux.keys(&["s"]);
        let screen = tmux.wait_for("the refusal", Duration::from_secs(30), |s| {
            s.contains("● not connected") && s.contains("press a to log in again")
        });
        assert!(screen.contains("a log in to Spotify"), "{screen}");
        log_in(&tmux, &rt, h, port, via);
        tmux.keys(&["s"]);
        tmux.wait_for("the second sync to finish", Duration::from_secs(60), |s| {
            s.contains("Sync finished")
        });
    }

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the exit", Duration::from_secs(30), |s| {
        s.contains("SPOTSYNC_EXIT")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");

    // No token in the log files.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&token_file).unwrap()).unwrap();
    let text = logs(h);
    for key in ["access_token", "refresh_token"] {
        let t = v["token"][key].as_str().expect("a token");
        assert!(!text.contains(t), "the {key} is in the log");
    }
    rt.block_on(sim.shutdown());
}

/// Press a, play the person in the browser, and wait until the app is connected.
fn log_in(tmux: &Tmux, rt: &tokio::runtime::Runtime, h: &Path, port: u16, via: Via) {
    let logged_before = logs(h).matches("open this link in a browser: ").count();
    tmux.keys(&["a"]);
    let screen = tmux.wait_for("the login screen", Duration::from_secs(20), |s| {
        s.contains("Redirected URL:") || s.contains("Not connected:")
    });
    assert!(
        screen.contains(&format!("ssh -L {port}:127.0.0.1:{port} ")),
        "the ssh line:\n{screen}"
    );
    let url = authorize_url_from_log(h, logged_before);
    assert!(url.contains("/authorize?"), "{url}");
    let compact: String = screen.lines().map(|l| l.trim_end()).collect::<String>();
    assert!(
        compact.contains(&url),
        "the whole link is on screen:\n{screen}"
    );

    let location = rt.block_on(approve(&url));
    match via {
        Via::Paste => {
            // Something that is not the redirect is explained, and the input stays open.
            tmux.keys(&["-l", "hello"]);
            tmux.keys(&["Enter"]);
            tmux.wait_for("the refusal", Duration::from_secs(20), |s| {
                s.contains("not the redirected URL")
            });
            tmux.keys(&["-l", &location]);
            tmux.keys(&["Enter"]);
        }
        Via::Loopback => {
            let page = rt.block_on(async { reqwest::get(&location).await.unwrap() });
            assert_eq!(page.status(), 200);
        }
    }
    // The engine (re)starts in the background after the login: wait for it to be ready too.
    let screen = tmux.wait_for("connected", Duration::from_secs(30), |s| {
        (s.contains("Connected to Spotify as") && s.contains("● idle"))
            || s.contains("Not connected:")
    });
    assert!(screen.contains("● idle"), "the engine is ready:\n{screen}");
}

#[test]
fn login_from_the_app_by_pasting_the_redirected_url() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the terminal app's login test did not run.\n"
        );
        return;
    }
    login_and_sync(Via::Paste, &[], false);
}

#[test]
fn login_from_the_app_caught_on_the_loopback_port() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the terminal app's login test did not run.\n"
        );
        return;
    }
    login_and_sync(Via::Loopback, &[], false);
}

#[test]
fn a_refused_authorization_is_renewed_from_the_app() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the terminal app's login test did not run.\n"
        );
        return;
    }
    login_and_sync(Via::Paste, &["--token-ttl", "3"], true);
}
