//! Terminal app figures (run with `cargo bench --bench tui`):
//!
//! 1. frame render time at 200×60 for the state loaded from a 100,000-track database, built
//!    through the real engine against the simulator (aim < 2 ms);
//! 2. CPU used by the real binary sitting idle in a terminal (aim ≈ 0: no busy redraw);
//! 3. peak memory (VmHWM) of `spotsync demo` while it syncs (aim < 80 MB).
//!
//! 2 and 3 run the binary in a private tmux server; without tmux they say so and are skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::cli::SimOptions;
use spotsync::config::SyncConfig;
use spotsync::logging::LogLine;
use spotsync::simulator::{self, SimConfig};
use spotsync::spotify::Credentials;
use spotsync::sync::{
    self, EngineOptions, LimitReason, Phase, RunKind, RunStatus, StartMode, StatusSnapshot,
    SyncCommand, SyncEvent,
};
use spotsync::tui::app::{App, Locations, Msg, Setup};

fn main() {
    render_time();
    let Some(bin) = find_binary() else {
        println!(
            "idle CPU / demo memory: not measured (build the binary first: cargo build --release)"
        );
        return;
    };
    if !Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("idle CPU / demo memory: not measured: tmux is not installed");
        return;
    }
    println!("binary: {bin}");
    idle_cpu(&bin);
    demo_memory(&bin);
}

/// Mirror a 100,000-track simulated library's saved tracks into a fresh database through the
/// real engine (simulator over HTTP, rspotify, SQLite), then load the app's start-up snapshot
/// from it. Returns the snapshot and how long loading it took.
fn snapshot_of_100k_library(dir: &std::path::Path) -> Option<(StatusSnapshot, Duration)> {
    let rt = tokio::runtime::Runtime::new().ok()?;
    let db = dir.join("bench-100k.db");
    let result = rt.block_on(async {
        let options = SimOptions {
            tracks: 100_000,
            ..SimOptions::default()
        };
        let sim = simulator::start(SimConfig::new(options), 0).await.ok()?;
        let t = Instant::now();
        let mut engine = sync::spawn(EngineOptions {
            db: db.clone(),
            api_url: sim.api_url(),
            accounts_url: sim.accounts_url(),
            credentials: Credentials::AccessToken(sim.issue_token()),
            config: SyncConfig {
                requests_per_window: 100_000,
                // The simulator here has no quota: no daily limit of ours either.
                max_calls_per_day: 1_000_000,
                ..SyncConfig::default()
            },
        })
        .await
        .ok()?;
        engine
            .commands
            .send(SyncCommand::Start {
                mode: StartMode::Full,
                only: vec![Phase::Tracks],
            })
            .await
            .ok()?;
        let mut finished = false;
        while let Some(ev) = engine.events.recv().await {
            if let SyncEvent::RunFinished { run } = ev {
                finished = run.status == RunStatus::Success;
                break;
            }
        }
        let _ = engine.commands.send(SyncCommand::Shutdown).await;
        let _ = engine.task.await;
        sim.shutdown().await;
        println!(
            "  (built the 100,000-track database through the engine in {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        finished.then_some(())
    });
    result?;
    let t = Instant::now();
    let snapshot = sync::load_status(&db, 50).ok()?;
    Some((snapshot, t.elapsed()))
}

/// The app on that snapshot, mid-way through a new run, with a full log and a countdown.
fn big_state(snapshot: StatusSnapshot) -> App {
    let t0 = Utc::now();
    let setup = Setup {
        locations: Locations {
            db: "/home/me/.local/share/spotsync/spotsync.db".into(),
            log_file: Some("/home/me/.local/state/spotsync/logs/spotsync.log".into()),
            config_file: None,
        },
        ..Setup::default()
    };
    let mut app = App::new(snapshot, t0, setup);
    let at = |s: i64| t0 + chrono::Duration::seconds(s);
    app.update(Msg::Engine(
        SyncEvent::RunStarted {
            run_id: 2,
            kind: RunKind::Full,
            phases: Phase::ALL.to_vec(),
            resumed: false,
        },
        at(0),
    ));
    app.update(Msg::Engine(
        SyncEvent::PhaseStarted {
            phase: Phase::Tracks,
            done: 0,
            total: Some(100_000),
        },
        at(0),
    ));
    for i in 1..=1_000u64 {
        app.update(Msg::Engine(
            SyncEvent::BatchCommitted {
                phase: Phase::Tracks,
                done: i * 50,
                total: Some(100_000),
                added: 0,
                updated: 50,
                removed: 0,
                api_calls: i,
            },
            at(i as i64 / 4),
        ));
    }
    app.update(Msg::Engine(
        SyncEvent::RateLimited {
            until: at(300),
            reason: LimitReason::Window,
            phase: Some(Phase::Tracks),
        },
        at(250),
    ));
    for i in 0..spotsync::tui::app::LOG_CAPACITY {
        app.update(Msg::Log(LogLine {
            at: at(i as i64 / 10),
            level: tracing::Level::INFO,
            target: "spotsync::sync".into(),
            message: format!("tracks: batch {i} committed (50 tracks, offset {})", i * 50),
        }));
    }
    app.update(Msg::Tick(at(251)));
    app
}

fn render_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let Some((snapshot, load)) = snapshot_of_100k_library(dir.path()) else {
        println!("frame render: not measured: could not build the 100,000-track database");
        return;
    };
    println!(
        "start-up status load (load_status) from the 100,000-track database: {:.1} ms",
        load.as_secs_f64() * 1e3
    );
    let mut app = big_state(snapshot);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test terminal");
    // Warm up, then time frames where something changed (the countdown ticks each frame).
    for _ in 0..50 {
        terminal.draw(|f| app.draw(f)).unwrap();
    }
    let n = 2_000;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        app.update(Msg::Tick(app.now() + chrono::Duration::milliseconds(500)));
        if i % 2 == 0 {
            app.update(Msg::Log(LogLine {
                at: app.now(),
                level: tracing::Level::INFO,
                target: "x".into(),
                message: format!("line {i}"),
            }));
        }
        let t = Instant::now();
        terminal.draw(|f| app.draw(f)).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / n as u32;
    let median = times[n / 2];
    let p99 = times[n * 99 / 100];
    println!(
        "frame render at 200x60, state from the 100,000-track database, {} log lines, a \
         countdown: median {:.3} ms, mean {:.3} ms, p99 {:.3} ms, max {:.3} ms over {n} frames \
         (aim < 2 ms)",
        spotsync::tui::app::LOG_CAPACITY,
        median.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        times[n - 1].as_secs_f64() * 1e3
    );
    // The same frame for an empty app, as a yardstick against machine noise.
    let empty = App::new(StatusSnapshot::default(), Utc::now(), Setup::default());
    let mut base = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        terminal.draw(|f| empty.draw(f)).unwrap();
        base.push(t.elapsed());
    }
    base.sort();
    println!(
        "  an empty app's frame at 200x60: median {:.3} ms; the full state costs {:.1}× that",
        base[n / 2].as_secs_f64() * 1e3,
        median.as_secs_f64() / base[n / 2].as_secs_f64().max(1e-9)
    );
}

fn find_binary() -> Option<String> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    ["release/spotsync", "debug/spotsync"]
        .iter()
        .map(|p| format!("{target}/{p}"))
        .find(|p| std::path::Path::new(p).exists())
}

struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("spotsync-bench-{tag}-{}", std::process::id()),
        }
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }
    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }
    fn pid(&self) -> Option<u32> {
        let out = self.run(&["display-message", "-p", "-t", "main", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }
    fn start(&self, w: u16, h: u16, cmd: &str) {
        let out = self.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            cmd,
        ]);
        assert!(out.status.success(), "tmux: {out:?}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn status_kb(pid: u32, key: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn env_prefix(home: &std::path::Path) -> String {
    format!(
        "exec env HOME={h} XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state XDG_CONFIG_HOME={h}/config",
        h = home.display()
    )
}

fn idle_cpu(bin: &str) {
    let home = tempfile::tempdir().unwrap();
    for (i, (label, args)) in [
        ("spotsync (no account)", ""),
        ("spotsync demo (before s)", "demo --quota-block-after 0"),
    ]
    .into_iter()
    .enumerate()
    {
        let tmux = Tmux::new(&format!("idle{i}"));
        tmux.start(
            200,
            60,
            &format!("{} {bin} {args}", env_prefix(home.path())),
        );
        std::thread::sleep(Duration::from_secs(3));
        let Some(pid) = tmux.pid() else {
            println!("idle CPU, {label}: not measured (no process)");
            continue;
        };
        let Some(t0) = cpu_ticks(pid) else {
            println!(
                "idle CPU, {label}: not measured: it exited:\n{}",
                tmux.capture().trim()
            );
            continue;
        };
        let secs = 10;
        std::thread::sleep(Duration::from_secs(secs));
        let Some(t1) = cpu_ticks(pid) else {
            println!("idle CPU, {label}: not measured: it exited");
            continue;
        };
        let hz = 100.0; // USER_HZ on Linux
        let cpu_s = (t1 - t0) as f64 / hz;
        println!(
            "idle CPU, {label}: {:.2} s of CPU in {secs} s = {:.2}% of one core (aim ≈ 0)",
            cpu_s,
            cpu_s * 100.0 / secs as f64
        );
    }
}

fn demo_memory(bin: &str) {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::new("mem");
    tmux.start(
        100,
        30,
        &format!(
            "{} {bin} demo --tracks 3000 --window 0 --latency-ms 5 --quota-block-after 0",
            env_prefix(home.path())
        ),
    );
    std::thread::sleep(Duration::from_secs(3));
    let Some(pid) = tmux.pid().filter(|p| cpu_ticks(*p).is_some()) else {
        println!(
            "peak memory during a demo sync: not measured: the demo did not start:\n{}",
            tmux.capture().trim()
        );
        return;
    };
    let _ = tmux.run(&["send-keys", "-t", "main", "s"]);
    let start = Instant::now();
    let limit = Duration::from_secs(180);
    let mut finished = false;
    while start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(500));
        let screen = tmux.capture();
        if screen.contains("Sync finished")
            || screen.contains("● idle") && screen.contains("success")
        {
            finished = true;
            break;
        }
        if cpu_ticks(pid).is_none() {
            break;
        }
    }
    let hwm = status_kb(pid, "VmHWM:");
    let screen = tmux.capture();
    let _ = tmux.run(&["send-keys", "-t", "main", "q"]);
    std::thread::sleep(Duration::from_secs(2));
    match hwm {
        Some(kb) => println!(
            "peak memory (VmHWM) of `spotsync demo --tracks 3000` while syncing{}: {:.1} MB (aim < 80 MB); \
             simulator, engine and app in one process",
            if finished {
                " to the end"
            } else {
                " (stopped before the end)"
            },
            kb as f64 / 1024.0
        ),
        None => println!("peak memory: not measured:\n{}", screen.trim()),
    }
}
