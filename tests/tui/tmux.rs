//! A private tmux server for the end-to-end tests: start the real binary in a pane, type keys,
//! read the screen back.

use std::ffi::OsStr;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server (its own socket), killed when dropped.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// Start `script` in a new detached session `main` of `cols`×`rows`; fails the test if tmux
    /// refuses.
    pub fn start(&self, cols: u16, rows: u16, script: &str) {
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let out = self.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &cols,
            "-y",
            &rows,
            script,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
    }

    /// Start the real binary's demo (400 tracks, 6 playlists, no quota block) in `home` as its
    /// whole environment, `cols`×`rows`; the pane says `SPOTSYNC_EXIT=` when it ends.
    pub fn start_small_demo(&self, home: &std::path::Path, cols: u16, rows: u16) {
        let script = format!(
            "cd {home} && env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
             XDG_CONFIG_HOME={home}/config NO_COLOR=1 {bin} demo --tracks 400 --playlists 6 \
             --quota-block-after 0; echo SPOTSYNC_EXIT=$?; sleep 60",
            home = home.display(),
            bin = env!("CARGO_BIN_EXE_spotsync"),
        );
        self.start(cols, rows, &script);
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// `send-keys -t main ARGS…` (key names, or `-l` and literal text).
    pub fn keys(&self, args: &[&str]) {
        let mut all = vec!["send-keys", "-t", "main"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(out.status.success(), "send-keys {args:?}: {out:?}");
    }

    /// `display-message -p` of a tmux format, e.g. `#{alternate_on}`.
    pub fn format(&self, f: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "main", f]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Wait until the screen satisfies `pred`; fail with the screen when it does not in time.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Whether tmux is installed. Under CI a missing tmux fails the calling test here (the tests
/// it drives must run there); elsewhere the caller skips, loudly.
pub fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && when_missing(std::env::var_os("CI").as_deref()) == Missing::Fail {
        panic!(
            "tmux is not installed, and under CI (the CI variable is set) a test that cannot run \
             fails instead of skipping: install tmux (`.ci/run` does)"
        );
    }
    found
}

/// What a test does when something it needs (a tool, a file) is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Say so loudly and pass: a developer's machine may lack it.
    Skip,
    /// Fail: under CI every test must run.
    Fail,
}

/// Decide from the value of the `CI` variable: set to anything but empty, `0` or `false` means
/// a CI runner.
pub fn when_missing(ci: Option<&OsStr>) -> Missing {
    let under_ci = ci.is_some_and(|v| {
        let v = v.to_string_lossy();
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    });
    if under_ci {
        Missing::Fail
    } else {
        Missing::Skip
    }
}

#[test]
fn a_missing_prerequisite_fails_under_ci_and_skips_elsewhere() {
    let ci = |v: &str| when_missing(Some(OsStr::new(v)));
    assert_eq!(when_missing(None), Missing::Skip);
    assert_eq!(ci(""), Missing::Skip);
    assert_eq!(ci("0"), Missing::Skip);
    assert_eq!(ci("false"), Missing::Skip);
    assert_eq!(ci("FALSE"), Missing::Skip);
    assert_eq!(ci("true"), Missing::Fail);
    assert_eq!(ci("1"), Missing::Fail);
    assert_eq!(ci("yes"), Missing::Fail);
}
