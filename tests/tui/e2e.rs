//! End to end: the real `spotsync demo` binary in a tmux pane, driven with keys, read back with
//! `capture-pane`, and checked against the simulator's own request counter.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_spotsync");

use crate::tmux::{Tmux, tmux_available};

/// The row of a phase (`tracks    ████░░  1,250 / 3,000 …  syncing`), from the compact layout.
fn phase_line<'a>(screen: &'a str, phase: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.trim_start_matches(['┃', '│', ' ']).starts_with(phase))
}

/// `done` of a phase row (`tracks    ████░░  1,250 / 3,000 …`), from the compact layout.
fn phase_done(screen: &str, phase: &str) -> Option<u64> {
    let line = phase_line(screen, phase)?;
    let slash = line.find(" / ")?;
    let before = &line[..slash];
    let digits: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .filter(|c| *c != ',')
        .collect();
    digits.parse().ok()
}

pub(crate) fn sim_url(screen: &str) -> Option<String> {
    let start = screen.find("http://127.0.0.1:")?;
    let rest = &screen[start..];
    let end = rest.find('/').and_then(|_| {
        // http://127.0.0.1:PORT/ : the third slash ends it.
        rest.match_indices('/').nth(2).map(|(i, _)| i + 1)
    })?;
    Some(rest[..end].to_string())
}

/// A request to the simulator over a plain socket (HTTP/1.0: the body ends when the connection
/// closes), answered with JSON.
pub(crate) fn sim_json(base: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let hostport = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut s = TcpStream::connect(&hostport).expect("connect to the simulator");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {hostport}\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read the answer");
    let json = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {resp}"))
}

fn sim_stats(base: &str) -> serde_json::Value {
    sim_json(base, "GET", "/__sim/stats", "")
}

/// The number of API requests the simulator has answered, whatever the exact shape of the stats.
fn total_requests(stats: &serde_json::Value) -> u64 {
    for path in [
        &["total"][..],
        &["totals", "requests"][..],
        &["totals", "total"][..],
        &["requests"][..],
    ] {
        let mut v = stats;
        for k in path {
            v = &v[*k];
        }
        if let Some(n) = v.as_u64() {
            return n;
        }
    }
    panic!("cannot find the request total in /__sim/stats: {stats}");
}

#[test]
fn demo_in_tmux_start_pause_resume_cancel_quit() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED: tmux is not installed; the terminal app's end-to-end test did\n\
             !!! not run. Install tmux (`.ci/run` does) to run it.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("spotsync-e2e-{}", std::process::id()),
    };
    // After the app exits, the shell prints its exit code and whether the tty is back in
    // canonical (cooked) mode, then stays so the pane can be read.
    let script = format!(
        "env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
         XDG_CONFIG_HOME={home}/config NO_COLOR=1 RUST_LOG=info {BIN} demo --tracks 1500 \
         --playlists 10 --latency-ms 40 --window 300 --quota-block-after 0; \
         echo SPOTSYNC_EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; echo END_OF_CHECKS; sleep 60",
        home = home.path().display()
    );
    tmux.start(100, 30, &script);

    // The demo screen, with the simulator's address in the banner.
    let screen = tmux.wait_for("the demo screen", Duration::from_secs(30), |s| {
        s.contains("DEMO") && s.contains("press s") || s.contains("SPOTSYNC_EXIT")
    });
    assert!(
        !screen.contains("SPOTSYNC_EXIT"),
        "the demo ended at once:\n{screen}"
    );
    assert!(
        !screen.contains("engine unavailable"),
        "the demo cannot sync: the sync engine did not start:\n{screen}"
    );
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "the app uses the alternate screen"
    );
    let url = sim_url(&screen).unwrap_or_else(|| panic!("no simulator URL on screen:\n{screen}"));
    let before_start = total_requests(&sim_stats(&url));
    assert_eq!(before_start, 0, "nothing is sent before s");

    // s: the sync starts and the tracks gauge advances.
    tmux.keys(&["s"]);
    let screen = tmux.wait_for("tracks progress", Duration::from_secs(30), |s| {
        phase_done(s, "tracks").is_some_and(|d| d > 0)
    });
    let first = phase_done(&screen, "tracks").unwrap();
    let screen = tmux.wait_for("the gauge to advance", Duration::from_secs(30), |s| {
        let t = phase_done(s, "tracks").unwrap_or(0);
        let p = phase_done(s, "playlists").unwrap_or(0);
        t > first || p > 0
    });
    assert!(screen.contains("syncing"), "{screen}");

    // p: paused at a batch boundary, and no request while paused.
    tmux.keys(&["p"]);
    let paused_screen = tmux.wait_for("paused", Duration::from_secs(30), |s| {
        s.contains("● paused")
    });
    let at_pause = total_requests(&sim_stats(&url));
    let done_at_pause: Vec<Option<u64>> = ["tracks", "playlists", "albums", "artists"]
        .iter()
        .map(|p| phase_done(&paused_screen, p))
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let after_wait = total_requests(&sim_stats(&url));
    assert_eq!(at_pause, after_wait, "requests were sent while paused");
    let screen = tmux.capture();
    let done_now: Vec<Option<u64>> = ["tracks", "playlists", "albums", "artists"]
        .iter()
        .map(|p| phase_done(&screen, p))
        .collect();
    assert_eq!(done_at_pause, done_now, "progress moved while paused");
    assert!(
        screen.contains("p resume"),
        "the key hints offer resume:\n{screen}"
    );

    // p again: resumes, requests flow again.
    tmux.keys(&["p"]);
    tmux.wait_for("syncing again", Duration::from_secs(30), |s| {
        s.contains("● syncing") || s.contains("● waiting")
    });
    let start = Instant::now();
    while total_requests(&sim_stats(&url)) <= after_wait {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no request after resuming:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // c: asks first; y cancels.
    tmux.keys(&["c"]);
    tmux.wait_for("the cancel question", Duration::from_secs(10), |s| {
        s.contains("Cancel the running sync?")
    });
    tmux.keys(&["y"]);
    let screen = tmux.wait_for(
        "the run to end as cancelled",
        Duration::from_secs(30),
        |s| s.contains("● idle") && s.contains("cancelled"),
    );
    assert!(screen.contains("History (1 run)"), "{screen}");
    let after_cancel = total_requests(&sim_stats(&url));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        after_cancel,
        total_requests(&sim_stats(&url)),
        "requests after cancelling"
    );

    // q: quits; the terminal is back to normal.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("END_OF_CHECKS")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "exit code:\n{screen}");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "still in the alternate screen"
    );
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is hidden");
    let stty: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("SPOTSYNC_EXIT="))
        .skip(1)
        .filter(|l| l.ends_with("icanon"))
        .collect();
    assert_eq!(
        stty,
        ["icanon"],
        "the tty is not back in cooked mode:\n{screen}"
    );
    assert!(
        !screen.contains("Sync") && !screen.contains("DEMO"),
        "the app's screen was left behind:\n{screen}"
    );
}

/// `spotsync` without an account: it opens, says what to do, and a signal (`SIGTERM`, or
/// `SIGHUP` as when an ssh connection drops) gives the terminal back in cooked mode.
#[test]
fn without_an_account_it_says_so_and_signals_restore_the_terminal() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the terminal app's signal test did not run.\n"
        );
        return;
    }
    for (signal, code) in [("TERM", 130), ("HUP", 130)] {
        let home = tempfile::tempdir().unwrap();
        let tmux = Tmux {
            socket: format!("spotsync-e2e-sig-{signal}-{}", std::process::id()),
        };
        let script = format!(
            "env -u SPOTSYNC_ACCESS_TOKEN HOME={home} XDG_DATA_HOME={home}/data \
             XDG_STATE_HOME={home}/state XDG_CONFIG_HOME={home}/config {BIN} & \
             echo $! > {home}/pid; wait $!; echo SPOTSYNC_EXIT=$?; \
             stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; echo END_OF_CHECKS; sleep 60",
            home = home.path().display()
        );
        tmux.start(80, 24, &script);
        let screen = tmux.wait_for("the app", Duration::from_secs(30), |s| {
            s.contains("run `spotsync auth`") || s.contains("SPOTSYNC_EXIT")
        });
        assert!(screen.contains("not connected"), "{screen}");
        // s without an account explains instead of failing.
        tmux.keys(&["s"]);
        tmux.wait_for("the message", Duration::from_secs(10), |s| {
            s.contains("Not connected to Spotify")
        });
        let pid = std::fs::read_to_string(home.path().join("pid"))
            .expect("the shell wrote the app's pid");
        let pid = pid.trim();
        let kill = Command::new("kill")
            .args([&format!("-{signal}"), pid])
            .output()
            .unwrap();
        assert!(kill.status.success());
        let screen = tmux.wait_for("the app to exit", Duration::from_secs(20), |s| {
            s.contains("END_OF_CHECKS")
        });
        assert!(
            screen.contains(&format!("SPOTSYNC_EXIT={code}")),
            "SIG{signal}: exit code:\n{screen}"
        );
        assert_eq!(
            tmux.format("#{alternate_on}"),
            "0",
            "SIG{signal}: alternate screen"
        );
        let stty: Vec<&str> = screen
            .lines()
            .skip_while(|l| !l.contains("SPOTSYNC_EXIT="))
            .skip(1)
            .filter(|l| l.ends_with("icanon"))
            .collect();
        assert_eq!(stty, ["icanon"], "SIG{signal}: tty not restored:\n{screen}");
    }
}

/// Pages of saved tracks in the resume test's library (3,000 tracks, 50 a page).
const SAVED_PAGES: u64 = 3000 / 50;

/// How many pages of saved tracks the simulator has served.
fn saved_track_pages(stats: &serde_json::Value) -> u64 {
    stats["per_endpoint"]["GET /v1/me/tracks"]
        .as_u64()
        .unwrap_or_else(|| panic!("no count of saved-track pages in {stats}"))
}

/// A simulator in its own process (`spotsync simulate`), killed when dropped.
struct SimProcess {
    child: std::process::Child,
    url: String,
}

impl SimProcess {
    fn start(args: &[&str]) -> SimProcess {
        use std::io::BufRead;
        let mut child = Command::new(BIN)
            .args(["simulate", "--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start spotsync simulate");
        let stdout = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .trim_end_matches('/')
            .to_string()
            + "/";
        SimProcess { child, url }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Quitting in the middle of a sync pauses it at a batch boundary; the next start of the app
/// offers to resume it, and `s` picks it up from its checkpoints without starting over.
#[test]
fn quit_mid_sync_then_resume_on_the_next_start() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the terminal app's resume test did not run.\n"
        );
        return;
    }
    let sim = SimProcess::start(&["--tracks", "3000", "--latency-ms", "40", "--window", "300"]);
    let token = sim_json(&sim.url, "POST", "/__sim/token", "{}")["access_token"]
        .as_str()
        .expect("an access token")
        .to_string();
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("library.db");
    let launch = |tag: &str| {
        let tmux = Tmux {
            socket: format!("spotsync-e2e-resume-{tag}-{}", std::process::id()),
        };
        let script = format!(
            "env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
             XDG_CONFIG_HOME={home}/config SPOTSYNC_ACCESS_TOKEN={token} {BIN} \
             --db {db} --api-url {api}v1/ --accounts-url {api}; \
             echo SPOTSYNC_EXIT=$?; echo END_OF_CHECKS; sleep 60",
            home = home.path().display(),
            db = db.display(),
            api = sim.url,
        );
        tmux.start(100, 30, &script);
        tmux
    };

    let tmux = launch("first");
    tmux.wait_for("the app", Duration::from_secs(30), |s| s.contains("● idle"));
    tmux.keys(&["s"]);
    let screen = tmux.wait_for("tracks progress", Duration::from_secs(30), |s| {
        phase_done(s, "tracks").is_some_and(|d| d >= 200)
    });
    assert!(screen.contains("full run #1"), "{screen}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("END_OF_CHECKS")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
    drop(tmux);
    let stats = sim_stats(&sim.url);
    let sent_before = total_requests(&stats);
    // Saved-track pages fetched before the quit (the app has exited: nothing is in flight).
    let pages_before = saved_track_pages(&stats);
    assert!(
        pages_before >= 4,
        "200 tracks shown, so at least 4 pages fetched: {stats}"
    );

    let tmux = launch("second");
    let screen = tmux.wait_for("the unfinished run", Duration::from_secs(30), |s| {
        s.contains("press s to resume")
    });
    let done_before = phase_done(&screen, "tracks")
        .or_else(|| phase_done(&screen, "playlists").map(|_| 3000))
        .unwrap_or_else(|| panic!("no tracks progress shown at start:\n{screen}"));
    assert!(done_before > 0, "{screen}");
    // What was fetched was stored (at most the page in flight when quitting was not).
    assert!(
        done_before >= (pages_before - 1) * 50,
        "{pages_before} pages fetched but only {done_before} tracks kept:\n{screen}"
    );
    assert_eq!(
        saved_track_pages(&sim_stats(&sim.url)),
        pages_before,
        "the app fetched before s"
    );
    tmux.keys(&["s"]);
    let screen = tmux.wait_for("the resumed run", Duration::from_secs(30), |s| {
        s.contains("Resumed the unfinished full sync (run 1)")
    });
    assert!(screen.contains("full run #1"), "{screen}");
    // Let the tracks phase finish: then every page it still needed has been requested.
    tmux.wait_for("the tracks phase to finish", Duration::from_secs(60), |s| {
        phase_line(s, "tracks").is_some_and(|l| l.contains(" done "))
            || phase_done(s, "playlists").is_some_and(|d| d > 0)
    });
    let stats = sim_stats(&sim.url);
    let pages_after = saved_track_pages(&stats) - pages_before;
    // Picking up from the checkpoint: only the pages not fetched before the quit (plus at most
    // the one in flight then) are requested; starting over would ask for all 60 again.
    assert!(
        pages_after <= SAVED_PAGES - pages_before + 1,
        "after resuming, {pages_after} saved-track pages were requested, but {pages_before} of \
         {SAVED_PAGES} had been fetched before the quit; stats: {stats}"
    );
    assert!(
        pages_after + pages_before >= SAVED_PAGES,
        "the tracks phase finished without reading every page: {pages_before} + {pages_after}"
    );
    assert!(total_requests(&stats) > sent_before);
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("END_OF_CHECKS")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}

/// The demo's quota block shows as a live countdown, and nothing is sent while it lasts.
#[test]
fn demo_quota_block_shows_a_live_countdown() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!("\n!!! SKIPPED: tmux is not installed; the demo countdown test did not run.\n");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("spotsync-e2e-quota-{}", std::process::id()),
    };
    let script = format!(
        "env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
         XDG_CONFIG_HOME={home}/config {BIN} demo --tracks 1500 --latency-ms 40 --window 300 \
         --quota-block-after 1 --quota-block-secs 40; echo SPOTSYNC_EXIT=$?; \
         echo END_OF_CHECKS; sleep 60",
        home = home.path().display()
    );
    tmux.start(80, 24, &script);
    let screen = tmux.wait_for("the demo screen", Duration::from_secs(30), |s| {
        s.contains("DEMO") || s.contains("SPOTSYNC_EXIT")
    });
    let url = sim_url(&screen).unwrap_or_else(|| panic!("no simulator URL:\n{screen}"));
    tmux.keys(&["s"]);
    let first = tmux.wait_for("the countdown", Duration::from_secs(30), |s| {
        s.contains("resuming in") && s.contains("(daily quota)")
    });
    assert!(first.contains("● waiting"), "{first}");
    let seconds = |screen: &str| -> u64 {
        let at = screen.find("resuming in ").expect("a countdown") + "resuming in ".len();
        let text: String = screen[at..].chars().take_while(|c| *c != ' ').collect();
        text.trim_end_matches('s')
            .parse()
            .unwrap_or_else(|_| panic!("countdown {text:?} is not in seconds:\n{screen}"))
    };
    let sent = total_requests(&sim_stats(&url));
    std::thread::sleep(Duration::from_millis(2500));
    let later = tmux.capture();
    assert!(
        seconds(&later) < seconds(&first),
        "the countdown does not move:\n{first}\n{later}"
    );
    assert_eq!(
        total_requests(&sim_stats(&url)),
        sent,
        "requests were sent during the quota block"
    );
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("END_OF_CHECKS")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}

/// Without a terminal (a pipe, cron, a script) the app says what to run instead of an OS error,
/// and starts nothing.
#[test]
fn without_a_terminal_the_app_points_to_the_headless_commands() {
    let _serial = crate::serial();
    let home = tempfile::tempdir().expect("tempdir");
    for args in [&[][..], &["demo"][..]] {
        let out = Command::new(BIN)
            .args(args)
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("SPOTSYNC_ACCESS_TOKEN")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run spotsync");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        assert!(
            stderr.contains("not a terminal") && stderr.contains("spotsync sync"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("os error"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing drawn: {out:?}");
    }
}
