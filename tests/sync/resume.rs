//! Kills and interrupts: a restarted sync resumes exactly where it stopped. The test watches the
//! database read-only (the run, its phases' checkpoints, its request count) and the simulator's
//! answers, and signals the binary at chosen points: inside every phase, with the last answer
//! received but not committed (the test holds SQLite's write lock for a moment, writing
//! nothing, so that the binary waits at that commit), and right after the final commit.

use std::path::Path;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use spotsync::cli::SimMode;
use spotsync::simulator::SettingsPatch;
use tokio::io::AsyncBufReadExt;

use crate::common::*;

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// One phase's checkpoint as the test reads it: status, items processed, total.
#[derive(Debug, Clone, PartialEq)]
struct PhaseSeen {
    status: String,
    done: i64,
    total: Option<i64>,
}

/// The newest run and its phases, read from the database the binary is writing.
#[derive(Debug, Clone, Default, PartialEq)]
struct Seen {
    /// `sync_history` status of the newest run.
    run_status: Option<String>,
    /// Phases of that run, in run order.
    phases: Vec<(String, PhaseSeen)>,
}

impl Seen {
    fn phase(&self, name: &str) -> Option<&PhaseSeen> {
        self.phases.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }

    fn status(&self, name: &str) -> &str {
        self.phase(name).map_or("", |p| p.status.as_str())
    }

    /// Where a process stopped at this state would stop: the first unfinished phase, or the
    /// end of the run.
    fn landing(&self) -> String {
        match self.phases.iter().find(|(_, p)| p.status != "success") {
            Some((name, p)) => format!("{name} ({}/{:?})", p.done, p.total),
            None if self.run_status.as_deref() == Some("running") => {
                "after the final commit, before the run is marked finished".into()
            }
            None => format!(
                "after the run was marked {}",
                self.run_status.as_deref().unwrap_or("?")
            ),
        }
    }
}

fn read_seen(c: &Connection) -> rusqlite::Result<Seen> {
    let Some((id, run_status)) = c
        .query_row(
            "SELECT id, status FROM sync_history ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)),
        )
        .optional()?
    else {
        return Ok(Seen::default());
    };
    let mut st = c.prepare(
        "SELECT state_key, status, items_processed, total_items FROM sync_state
         WHERE sync_history_id = ?1 ORDER BY run_order",
    )?;
    let phases = st
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                PhaseSeen {
                    status: r.get(1)?,
                    done: r.get(2)?,
                    total: r.get(3)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Seen {
        run_status: Some(run_status),
        phases,
    })
}

/// Read-only, as `spotsync status` does; nothing yet while the database is being created.
fn look(db: &Path) -> Seen {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| read_seen(&c))
        .unwrap_or_default()
}

/// Poll the database until `pred` holds (the state it saw), or the process exits first.
async fn wait_for(
    child: &mut tokio::process::Child,
    db: &Path,
    what: &str,
    pred: impl Fn(&Seen) -> bool,
) -> Result<Seen, std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let seen = look(db);
        if pred(&seen) {
            return Ok(seen);
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Err(status);
        }
        assert!(Instant::now() < deadline, "never saw {what}: {seen:#?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Hold the database's write lock: the binary stops at its next write (a batch's commit, which
/// also records the requests that brought the batch) until the lock is released or the process
/// is killed. The binary waits up to 10 s for it; the test holds it well under that.
fn hold_write_lock(db: &Path) -> Connection {
    let c = Connection::open(db).expect("open db");
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    c
}

/// Answers to the listening-history request (counted as they are sent).
fn plays_answered(sim: &spotsync::simulator::RunningSim) -> u64 {
    sim.stats().endpoint("GET /v1/me/player/recently-played")
}

/// SIGKILL now; the process must die by it.
async fn kill_now(child: &mut tokio::process::Child) {
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not exited");
}

/// Where a kill is aimed: each takes a fresh (resuming) process and kills it there.
#[derive(Debug, Clone, Copy)]
enum Aim {
    /// Inside a phase, once at least this fraction of its items is committed.
    Within(&'static str, f64),
    /// Inside a short phase, after its first page is committed: once the phase before it is
    /// done, the simulator slows to 200 ms an answer so polling cannot miss the phase.
    Slowed(&'static str, &'static str),
    /// The last phase: its request answered, its commit (the run's final one) about to land.
    FinalCommitPending,
    /// Just after the final commit, around when the run is marked finished (as close as
    /// polling gets; where it landed is reported).
    AroundFinish,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_chosen_points_of_every_phase_then_resume_equals_truth() {
    let mut opts = sim_options(2000, SimMode::Dev);
    opts.latency_ms = 15;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut frac = || rng.random_range(0.15..0.75);
    let aims = [
        Aim::Within("tracks", frac()),
        Aim::Within("playlists", 0.0),
        Aim::Slowed("playlists", "albums_saved"),
        Aim::Within("albums", frac()),
        Aim::Within("albums", 0.85),
        // Harvest leaves the artists phase only a few GETs: slowed, so polling meets it.
        Aim::Slowed("albums", "artists"),
        Aim::Within("artists", 0.9),
        Aim::FinalCommitPending,
        Aim::AroundFinish,
    ];
    let mut kills = 0u64;
    let mut landings: Vec<String> = Vec::new();
    for aim in aims {
        let mut child = env
            .command(&sim, &token, &["sync"])
            .spawn()
            .expect("spawn spotsync");
        let db = env.db.clone();
        let landed = match aim {
            Aim::Within(phase, f) => {
                let reached = wait_for(&mut child, &db, phase, |s| {
                    s.phase(phase).is_some_and(|p| {
                        p.status == "in_progress"
                            && p.total.is_some_and(|t| p.done as f64 >= f * t as f64)
                    }) || s
                        .phases
                        .iter()
                        .any(|(n, p)| n == phase && p.status == "success")
                })
                .await;
                match reached {
                    Ok(seen) if seen.status(phase) == "in_progress" => {
                        kill_now(&mut child).await;
                        Some(look(&db).landing())
                    }
                    // Passed the point between two polls: this aim is spent, the run goes on.
                    Ok(_) => {
                        kill_now(&mut child).await;
                        kills += 1;
                        landings.push(format!("(missed {phase}) {}", look(&db).landing()));
                        continue;
                    }
                    Err(status) => panic!("the sync ended before {aim:?}: {status}"),
                }
            }
            Aim::Slowed(before, phase) => {
                let latency = |ms| {
                    sim.update_settings(SettingsPatch {
                        latency_ms: Some(ms),
                        ..Default::default()
                    })
                    .unwrap()
                };
                wait_for(&mut child, &db, before, |s| s.status(before) == "success")
                    .await
                    .expect("the sync reaches the phase before");
                latency(200);
                let seen = wait_for(&mut child, &db, phase, |s| {
                    s.phase(phase)
                        .is_some_and(|p| p.status == "in_progress" && p.done > 0)
                })
                .await
                .expect("the sync reaches the phase");
                kill_now(&mut child).await;
                latency(15);
                assert_eq!(seen.status(phase), "in_progress");
                Some(look(&db).landing())
            }
            Aim::FinalCommitPending => {
                // Answers take 300 ms from here on. The plays request is sent right after its
                // phase starts, with no write in between (a request is recorded with the batch
                // its answer brings): the test takes the lock while the answer is on its way,
                // and the run's final commit waits for it.
                sim.update_settings(SettingsPatch {
                    latency_ms: Some(300),
                    ..Default::default()
                })
                .unwrap();
                // The phase's start as the binary reports it on stderr (the database may still
                // show it started by the process killed before).
                let stderr = child.stderr.take().expect("stderr is piped");
                let mut lines = tokio::io::BufReader::new(stderr).lines();
                loop {
                    let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
                        .await
                        .expect("the sync logs within 2 minutes")
                        .expect("stderr is readable")
                        .expect("the sync reaches the plays phase");
                    if line.starts_with("plays: started") || line.starts_with("plays: resuming") {
                        break;
                    }
                }
                let lock = hold_write_lock(&db);
                let asked = Instant::now();
                while plays_answered(&sim) == 0 {
                    assert!(
                        asked.elapsed() < Duration::from_secs(3),
                        "plays never answered"
                    );
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                // The answer is in the binary's hands; its commit waits for the lock.
                let frozen = read_seen(&lock).unwrap();
                assert_eq!(plays_answered(&sim), 1);
                assert_ne!(frozen.status("plays"), "success", "{frozen:#?}");
                kill_now(&mut child).await;
                drop(lock);
                Some(format!("{} [answer not committed]", look(&db).landing()))
            }
            Aim::AroundFinish => {
                let reached = wait_until_finished(&mut child, &db).await;
                match reached {
                    Some(_) => {
                        kill_now(&mut child).await;
                        Some(look(&db).landing())
                    }
                    None => {
                        landings.push("(the process exited before the kill)".into());
                        None
                    }
                }
            }
        };
        if let Some(l) = landed {
            kills += 1;
            landings.push(l);
        }
    }
    eprintln!("kills landed in:\n  {}", landings.join("\n  "));
    for phase in [
        "tracks",
        "playlists",
        "albums_saved",
        "albums",
        "artists",
        "plays",
    ] {
        assert!(
            landings
                .iter()
                .any(|l| l.starts_with(&format!("{phase} ("))),
            "no kill landed in {phase}: {landings:#?}"
        );
    }
    assert!(
        landings
            .iter()
            .any(|l| l.contains("[answer not committed]")),
        "{landings:#?}"
    );
    if look(&env.db).run_status.as_deref() != Some("success") {
        let out = env.run(&sim, &["sync"]).await;
        assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
        assert!(out.stderr.contains("Resuming"), "{}", out.stderr);
    }
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    crate::lists_common::assert_lists(&env.open(), &t, true);
    let used = sim.stats().total;
    // The minimum for the whole library, plus the one listening-history request.
    let min = crate::lists_common::whole_minimum_requests(&t, false) + 1;
    eprintln!("{kills} kills: {used} requests for a minimum of {min}");
    assert!(
        used <= min + kills,
        "{used} requests for a minimum of {min} with {kills} kills"
    );
    // One run, resumed each time.
    let runs: i64 = env
        .open()
        .query_row("SELECT COUNT(*) FROM sync_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);
}

/// Poll as fast as reading allows until the last phase is committed; `None` when the process
/// exited first.
async fn wait_until_finished(child: &mut tokio::process::Child, db: &Path) -> Option<Seen> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut conn: Option<Connection> = None;
    loop {
        if conn.is_none() {
            conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).ok();
        }
        if let Some(seen) = conn.as_ref().and_then(|c| read_seen(c).ok())
            && seen.phases.iter().all(|(_, p)| p.status == "success")
            && !seen.phases.is_empty()
        {
            return Some(seen);
        }
        if child.try_wait().expect("try_wait").is_some() {
            return None;
        }
        assert!(Instant::now() < deadline, "the run never finished");
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_now_exits_130_and_the_run_resumes() {
    let mut opts = sim_options(600, SimMode::Dev);
    opts.latency_ms = 20;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let mut child = env
        .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    // Interrupt in the middle of the album enrichment.
    wait_for(&mut child, &env.db, "albums under way", |s| {
        s.phase("albums")
            .is_some_and(|p| p.status == "in_progress" && p.done > 0)
    })
    .await
    .expect("the sync reaches the albums");
    signal(pid, "INT");
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("stops promptly")
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(
        look(&env.db).status("albums"),
        "paused",
        "stopped inside the albums"
    );
    let status: String = env
        .open()
        .query_row("SELECT status FROM sync_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "paused");
    let out = env.run(&sim, &["sync", "--only", LIBRARY_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    assert_mirror(&env.open(), &t, false);
    let used = sim.stats().total;
    assert!(used <= minimum_requests(&t, false) + 1, "{used} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plays_poll_in_between_keeps_the_interrupted_sync_resumable() {
    let mut opts = sim_options(400, SimMode::Dev);
    opts.latency_ms = 20;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let token = sim.issue_token();
    let mut child = env
        .command(&sim, &token, &["sync", "--only", LIBRARY_PHASES])
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    // Terminate while the playlists are being read.
    wait_for(&mut child, &env.db, "playlists under way", |s| {
        s.status("playlists") == "in_progress"
    })
    .await
    .expect("the sync reaches the playlists");
    signal(pid, "TERM");
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_ne!(
        look(&env.db).status("playlists"),
        "success",
        "stopped inside the playlists"
    );

    let out = env.run(&sim, &["sync", "--only", "plays"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("Starting plays sync"), "{}", out.stderr);

    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("Resuming full sync #1"),
        "{}",
        out.stderr
    );
    let t = truth(&sim).await;
    let saved: i64 = env
        .open()
        .query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(saved as usize, t.saved_tracks.len());
}
