//! The binary in a temporary home: its own XDG dirs, database and config, none of the caller's
//! spotsync variables.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use spotsync::cli::SimOptions;
use spotsync::simulator::{self, RunningSim, SimConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A temporary home: `db`, `config` (absent until written) and the XDG dirs below `dir`.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub config: PathBuf,
    /// `--api-url` and `--accounts-url` (a simulator's, or a port nothing listens on).
    pub api_url: String,
    pub accounts_url: String,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        Home {
            db: dir.path().join("library.db"),
            config: dir.path().join("config.toml"),
            dir,
            // Nothing listens there: a request sent by mistake fails instead of leaving.
            api_url: "http://127.0.0.1:9/v1/".into(),
            accounts_url: "http://127.0.0.1:9/".into(),
        }
    }

    /// A home whose URLs point at `sim`.
    pub fn with_sim(sim: &RunningSim) -> Home {
        Home {
            api_url: sim.api_url(),
            accounts_url: sim.accounts_url(),
            ..Home::new()
        }
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).unwrap();
    }

    /// Where `spotsync auth` keeps the token in this home.
    pub fn token_file(&self) -> PathBuf {
        self.dir.path().join("data/spotsync/token.json")
    }

    /// The binary with this home's files and URLs; stdin empty, stdout and stderr captured.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        self.prepare(&mut c, args);
        c
    }

    /// `args` run under `sh` after `setup` (a shell command such as `umask 022`).
    pub fn command_after(&self, setup: &str, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("{setup} && exec \"$0\" \"$@\""))
            .arg(BIN);
        self.prepare(&mut c, args);
        c
    }

    fn prepare(&self, c: &mut Command, args: &[&str]) {
        c.arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .arg("--api-url")
            .arg(&self.api_url)
            .arg("--accounts-url")
            .arg(&self.accounts_url)
            .args(args)
            .current_dir(self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("cfg"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SPOTSYNC_ACCESS_TOKEN")
            .env_remove("SPOTIFY_CLIENT_ID")
            .env_remove("SPOTSYNC_DB")
            .env_remove("SPOTSYNC_CONFIG")
            .env_remove("SPOTSYNC_API_URL")
            .env_remove("SPOTSYNC_ACCOUNTS_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    }

    /// Run to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args))
    }
}

/// Run `c` to the end (at most two minutes).
pub fn finish(mut c: Command) -> Run {
    let child = c.spawn().unwrap();
    wait_bounded(child, std::time::Duration::from_secs(120))
}

/// Wait for `child`, killing it after `limit`.
pub fn wait_bounded(mut child: std::process::Child, limit: std::time::Duration) -> Run {
    let start = std::time::Instant::now();
    let stdout = child.stdout.take().map(read_in_thread);
    let stderr = child.stderr.take().map(read_in_thread);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("the binary did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let text = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.map(|h| String::from_utf8_lossy(&h.join().unwrap()).into_owned())
            .unwrap_or_default()
    };
    Run {
        code: status.code(),
        stdout: text(stdout),
        stderr: text(stderr),
    }
}

fn read_in_thread(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).unwrap();
        buf
    })
}

/// A simulator with `tracks` saved tracks, on a free port of this machine.
pub async fn start_sim(tracks: usize) -> RunningSim {
    simulator::start(
        SimConfig {
            options: SimOptions {
                tracks,
                playlists: 3,
                ..SimOptions::default()
            },
        },
        0,
    )
    .await
    .unwrap()
}

/// A file's permission bits.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// No panic report, no backtrace in `run`'s output.
pub fn assert_no_panic(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains("panicked")
                && !text.contains("BACKTRACE")
                && !text.contains("RUST_BACKTRACE"),
            "{run:?}"
        );
    }
    assert_ne!(run.code, Some(101), "{run:?}");
}
