//! Shared helpers: a simulator serving several users of one app, temporary XDG directories, the
//! real binary, and a person who connects each account through the real login.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use spotsync::cli::SimOptions;
use spotsync::simulator::{self, RunningSim, SimConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_spotsync");
pub const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
const TIMEOUT: Duration = Duration::from_secs(240);

/// A simulator with one user per entry of `tracks` (their saved tracks).
pub async fn start_household_sim(
    tracks: &[usize],
    edit: impl FnOnce(&mut SimOptions),
) -> RunningSim {
    let mut options = SimOptions {
        users: tracks.len() as u16,
        user_tracks: tracks.to_vec(),
        user_playlists: vec![4; tracks.len()],
        ..SimOptions::default()
    };
    edit(&mut options);
    simulator::start(SimConfig { options }, 0)
        .await
        .expect("simulator starts")
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

/// Temporary XDG directories, a config with the client id, and the simulator's URLs.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub api_url: String,
    pub accounts_url: String,
}

impl Env {
    pub fn new(sim: &RunningSim, config_extra: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
            api_url: sim.api_url(),
            accounts_url: sim.accounts_url(),
        };
        env.write_config(config_extra);
        env
    }

    pub fn write_config(&self, extra: &str) {
        let p = self.config_file();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            p,
            format!(
                "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"http://127.0.0.1:9/callback\"\n\
                 {extra}"
            ),
        )
        .unwrap();
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/spotsync/config.toml")
    }

    /// `$XDG_DATA_HOME/spotsync`.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data/spotsync")
    }

    /// The database of account `name`.
    pub fn db(&self, name: &str) -> PathBuf {
        match name {
            "default" => self.data_dir().join("spotsync.db"),
            n => self.data_dir().join("accounts").join(n).join("spotsync.db"),
        }
    }

    /// The token file of account `name`.
    pub fn token_file(&self, name: &str) -> PathBuf {
        self.db(name).with_file_name("token.json")
    }

    pub fn ledger(&self) -> PathBuf {
        self.data_dir().join("spotsync-quota.db")
    }

    /// The binary with this env's directories and URLs, none of the caller's spotsync variables.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HOME", self.dir.path().join("home"))
            .env_remove("SPOTSYNC_ACCESS_TOKEN")
            .env_remove("SPOTSYNC_ACCOUNT")
            .env_remove("SPOTIFY_CLIENT_ID")
            .env_remove("SPOTSYNC_DB")
            .env_remove("SPOTSYNC_CONFIG")
            .env_remove("RUST_LOG")
            .arg("--api-url")
            .arg(&self.api_url)
            .arg("--accounts-url")
            .arg(&self.accounts_url)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// Run the binary to completion.
    pub async fn run(&self, args: &[&str]) -> Run {
        run(self.command(args)).await
    }

    /// Connect account `name` as simulated user `user` through the real login (the pasted
    /// redirect). Returns what `auth` printed.
    pub async fn connect(&self, name: &str, user: usize) -> Run {
        self.connect_with(name, user, &[]).await
    }

    /// [`Env::connect`] with more arguments to `auth` (`--write`: the scopes a restore writes
    /// with).
    pub async fn connect_with(&self, name: &str, user: usize, extra: &[&str]) -> Run {
        let mut args = vec!["auth", "--no-listen"];
        args.extend_from_slice(extra);
        if name != "default" {
            args.extend(["--account", name]);
        }
        let mut cmd = self.command(&args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn auth");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = String::new();
        let url = tokio::time::timeout(TIMEOUT, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                printed.push_str(&line);
                printed.push('\n');
                if line.contains("/authorize?") {
                    return line;
                }
            }
            panic!("auth printed no link:\n{printed}");
        })
        .await
        .expect("the link in time");
        let location = approve(&format!("{}&sim_user={user}", url.trim())).await;
        let stdin = child.stdin.as_mut().unwrap();
        stdin.write_all(location.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        drop(child.stdin.take());
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
        }
        let out = child.wait_with_output().await.unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: printed,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_eq!(run.code, 0, "auth --account {name}: {run:?}");
        run
    }
}

pub async fn run(mut cmd: Command) -> Run {
    let out = tokio::time::timeout(TIMEOUT, cmd.output())
        .await
        .expect("the binary finished in time")
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The person's browser: GET the authorize URL without following the redirect.
async fn approve(authorize_url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(authorize_url).send().await.unwrap();
    assert!(
        resp.status().is_redirection(),
        "authorize answered {}",
        resp.status()
    );
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// A count from a database, read-only.
pub fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
