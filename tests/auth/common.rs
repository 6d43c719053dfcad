//! Test harness: temporary XDG dirs, the simulator, and a "person" who logs in.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use spotsync::cli::SimOptions;
use spotsync::simulator::{self, RunningSim, SimConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_spotsync");
pub const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Parser)]
struct SimArgs {
    #[command(flatten)]
    options: SimOptions,
}

/// Start the simulator in this process; `args` as for `spotsync simulate`.
pub async fn start_sim(args: &[&str]) -> RunningSim {
    let argv = std::iter::once("sim").chain(args.iter().copied());
    let options = SimArgs::parse_from(argv).options;
    simulator::start(SimConfig { options }, 0)
        .await
        .expect("simulator starts")
}

/// A free port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Temporary XDG dirs, the simulator's URLs, and everything the binary printed.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub api_url: String,
    pub accounts_url: String,
    pub redirect_port: u16,
    outputs: Mutex<Vec<String>>,
    secrets: Mutex<BTreeSet<String>>,
}

impl Env {
    /// Fresh dirs with a config holding the client id and a redirect URI on a free port.
    pub fn new(sim: &RunningSim) -> Env {
        let env = Env::bare(&sim.api_url(), &sim.accounts_url());
        env.write_config(&format!(
            "client_id = \"{CLIENT_ID}\"\nredirect_uri = \"{}\"\n",
            env.redirect_uri()
        ));
        env
    }

    /// Fresh dirs and no config file.
    pub fn bare(api_url: &str, accounts_url: &str) -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            api_url: api_url.to_string(),
            accounts_url: accounts_url.to_string(),
            redirect_port: free_port(),
            outputs: Mutex::new(Vec::new()),
            secrets: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.redirect_port)
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/spotsync/config.toml")
    }

    pub fn token_file(&self) -> PathBuf {
        self.dir.path().join("data/spotsync/token.json")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn write_config(&self, text: &str) {
        let p = self.config_file();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The binary with this env's dirs and URLs, and none of the caller's spotsync variables.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        self.prepare(&mut c, args);
        c
    }

    /// [`Env::command`] run by `sh` after `setup` (a shell command such as `umask 000`).
    pub fn command_after(&self, setup: &str, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("{setup} && exec \"$0\" \"$@\""))
            .arg(BIN);
        self.prepare(&mut c, args);
        c
    }

    fn prepare(&self, c: &mut Command, args: &[&str]) {
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HOME", self.dir.path().join("home"))
            .env_remove("SPOTSYNC_ACCESS_TOKEN")
            .env_remove("SPOTIFY_CLIENT_ID")
            .env_remove("SPOTSYNC_DB")
            .env_remove("SPOTSYNC_CONFIG")
            .env_remove("SPOTSYNC_API_URL")
            .env_remove("SPOTSYNC_ACCOUNTS_URL")
            .env(
                "RUST_LOG",
                "debug,rspotify=trace,rspotify::clients::base=trace",
            )
            .arg("--api-url")
            .arg(&self.api_url)
            .arg("--accounts-url")
            .arg(&self.accounts_url)
            .args(args)
            .kill_on_drop(true);
    }

    pub fn record(&self, run: &Run) {
        let mut o = self.outputs.lock().unwrap();
        o.push(run.stdout.clone());
        o.push(run.stderr.clone());
    }

    /// Run to completion with empty stdin.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args)).await
    }

    pub async fn run_with(&self, mut cmd: Command) -> Run {
        cmd.stdin(Stdio::null());
        let out = tokio::time::timeout(TIMEOUT, cmd.output())
            .await
            .expect("the binary finished in time")
            .expect("the binary runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.record(&run);
        run
    }

    /// The token file as JSON; remembers its tokens for [`Env::assert_no_token_leaked`].
    pub fn token_json(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.token_file()).expect("token file exists");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut s = self.secrets.lock().unwrap();
        for key in ["access_token", "refresh_token"] {
            if let Some(t) = v["token"][key].as_str() {
                s.insert(t.to_string());
            }
        }
        v
    }

    pub fn refresh_token(&self) -> String {
        self.token_json()["token"]["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_string()
    }

    pub fn access_token(&self) -> String {
        self.token_json()["token"]["access_token"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    /// No token this test saw is in any output of the binary or any log file.
    pub fn assert_no_token_leaked(&self) {
        if self.token_file().exists() {
            self.token_json();
        }
        let secrets = self.secrets.lock().unwrap().clone();
        assert!(!secrets.is_empty(), "the test saw no token to look for");
        let mut haystacks: Vec<(String, String)> = self
            .outputs
            .lock()
            .unwrap()
            .iter()
            .map(|o| ("output".to_string(), o.clone()))
            .collect();
        let mut logs = 0;
        for f in walk(&self.log_dir()) {
            logs += 1;
            haystacks.push((
                f.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned(),
            ));
        }
        assert!(
            logs > 0,
            "no log file was written under {:?}",
            self.log_dir()
        );
        for (name, text) in &haystacks {
            for s in &secrets {
                if let Some(line) = text.lines().find(|l| l.contains(s.as_str())) {
                    panic!(
                        "a token appears in {name}: {}",
                        line.replace(s.as_str(), "<TOKEN>")
                    );
                }
            }
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A running `spotsync auth` whose stdout is read line by line.
pub struct AuthProcess {
    pub child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    pub stdout: String,
}

impl AuthProcess {
    pub fn spawn(env: &Env, args: &[&str]) -> AuthProcess {
        let mut all = vec!["auth"];
        all.extend_from_slice(args);
        let mut cmd = env.command(&all);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn spotsync auth");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        AuthProcess {
            child,
            lines,
            stdout: String::new(),
        }
    }

    /// Read stdout until a line satisfies `pred`; return it.
    pub async fn read_until(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let fut = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                self.stdout.push_str(&line);
                self.stdout.push('\n');
                if pred(&line) {
                    return line;
                }
            }
            panic!("stdout ended without the expected line:\n{}", self.stdout);
        };
        tokio::time::timeout(TIMEOUT, fut)
            .await
            .expect("expected line in time")
    }

    /// The authorize URL the binary prints.
    pub async fn authorize_url(&mut self) -> String {
        self.read_until(|l| l.contains("/authorize?")).await
    }

    pub async fn paste(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// Wait for the exit; record the output in `env`.
    pub async fn finish(mut self, env: &Env) -> Run {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        let mut stderr = String::new();
        let mut err_pipe = self.child.stderr.take().unwrap();
        let fut = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                rest.push_str(&line);
                rest.push('\n');
            }
            err_pipe.read_to_string(&mut stderr).await.unwrap();
            self.child.wait().await.unwrap()
        };
        let status = tokio::time::timeout(TIMEOUT, fut)
            .await
            .expect("spotsync auth exits in time");
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout + &rest,
            stderr,
        };
        env.record(&run);
        run
    }
}

/// The person's browser: GET the authorize URL, do not follow the redirect, return `Location`.
pub async fn approve_in_browser(authorize_url: &str) -> String {
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

/// Log in with the paste flow; asserts success.
pub async fn login_by_paste(env: &Env) -> Run {
    let mut p = AuthProcess::spawn(env, &[]);
    let url = p.authorize_url().await;
    let location = approve_in_browser(&url).await;
    p.paste(&location).await;
    let run = p.finish(env).await;
    assert_eq!(run.code, 0, "{run:?}");
    run
}

/// `POST` to the simulator's control API.
pub async fn sim_post(sim: &RunningSim, path: &str) {
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{}",
            sim.base_url(),
            path.trim_start_matches('/')
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
