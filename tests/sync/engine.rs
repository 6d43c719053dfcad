//! The engine as front ends drive it: PKCE token refresh, pause / resume / cancel, events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use spotsync::cli::SimMode;
use spotsync::simulator::RunningSim;
use spotsync::spotify::Credentials;
use spotsync::sync::{
    self, EngineHandle, EngineOptions, ErrorKind, Phase, RunStatus, StartMode, SyncCommand,
    SyncEvent,
};

use crate::common::*;

fn pkce_credentials(sim: &RunningSim, seen: Arc<Mutex<Vec<rspotify::Token>>>) -> Credentials {
    let t = sim.issue_token_full();
    let token = rspotify::Token {
        access_token: t.access_token,
        expires_in: chrono::Duration::seconds(t.expires_in as i64),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(t.expires_in as i64)),
        refresh_token: t.refresh_token,
        scopes: Default::default(),
    };
    Credentials::Pkce {
        client_id: "test-client".into(),
        token,
        token_file: std::path::PathBuf::from("/nonexistent/token.json"),
        on_refresh: Arc::new(move |t: &rspotify::Token| {
            seen.lock().unwrap().push(t.clone());
        }),
    }
}

async fn spawn(env: &Env, sim: &RunningSim, credentials: Credentials) -> EngineHandle {
    sync::spawn(EngineOptions {
        db: env.db.clone(),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials,
        config: spotsync::config::SyncConfig {
            requests_per_window: 100_000,
            ..Default::default()
        },
    })
    .await
    .expect("engine spawns")
}

async fn next_event(h: &mut EngineHandle) -> SyncEvent {
    tokio::time::timeout(Duration::from_secs(120), h.events.recv())
        .await
        .expect("an event in time")
        .expect("engine alive")
}

async fn until_finished(h: &mut EngineHandle) -> (spotsync::sync::RunRecord, Vec<SyncEvent>) {
    let mut seen = Vec::new();
    loop {
        let ev = next_event(h).await;
        seen.push(ev.clone());
        if let SyncEvent::RunFinished { run } = ev {
            return (run, seen);
        }
    }
}

async fn post(sim: &RunningSim, path: &str) {
    reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .send()
        .await
        .expect("control request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_token_is_refreshed_once_on_401_and_persisted() {
    let sim = start_sim(sim_options(200, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let creds = pkce_credentials(&sim, seen.clone());
    let old_refresh = match &creds {
        Credentials::Pkce { token, .. } => token.refresh_token.clone(),
        _ => None,
    };
    // The stored access token was revoked: the first request answers 401.
    post(&sim, "__sim/tokens/expire").await;
    let mut h = spawn(&env, &sim, creds).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: library_phases(),
        })
        .await
        .unwrap();
    let (run, events) = until_finished(&mut h).await;
    assert_eq!(run.status, RunStatus::Success, "{events:#?}");
    let refreshed = seen.lock().unwrap().clone();
    assert_eq!(refreshed.len(), 1, "one refresh, handed to on_refresh");
    assert!(refreshed[0].refresh_token.is_some());
    assert_ne!(
        refreshed[0].refresh_token, old_refresh,
        "rotated refresh token"
    );
    let stats = sim.stats();
    assert_eq!(stats.count("401"), 1);
    assert_mirror(&env.open(), &truth(&sim).await, false);
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_stops_with_an_auth_error_and_no_retry() {
    let sim = start_sim(sim_options(100, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let creds = pkce_credentials(&sim, seen.clone());
    post(&sim, "__sim/tokens/expire").await;
    post(&sim, "__sim/refresh-tokens/expire").await;
    let mut h = spawn(&env, &sim, creds).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: vec![],
        })
        .await
        .unwrap();
    let (run, events) = until_finished(&mut h).await;
    assert_eq!(run.status, RunStatus::Failed);
    let auth = events.iter().find_map(|e| match e {
        SyncEvent::Error {
            kind: ErrorKind::Auth,
            message,
        } => Some(message.clone()),
        _ => None,
    });
    let message = auth.expect("an auth error event");
    assert!(message.contains("spotsync auth"), "{message}");
    assert!(seen.lock().unwrap().is_empty());
    let stats = sim.stats();
    assert_eq!(stats.total, 1, "no retry after invalid_grant: {stats:#?}");
    assert_eq!(stats.accounts_requests, 1, "{stats:#?}");
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel_at_batch_boundaries() {
    let mut opts = sim_options(600, SimMode::Dev);
    opts.latency_ms = 10;
    let sim = start_sim(opts).await;
    let env = Env::new(100_000);
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: library_phases(),
        })
        .await
        .unwrap();
    // Pause after the first committed batch.
    loop {
        if let SyncEvent::BatchCommitted { .. } = next_event(&mut h).await {
            break;
        }
    }
    h.commands.send(SyncCommand::Pause).await.unwrap();
    loop {
        match next_event(&mut h).await {
            SyncEvent::Paused => break,
            SyncEvent::BatchCommitted { .. } | SyncEvent::ApiUsage { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let at_pause = sim.stats().total;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sim.stats().total, at_pause, "no request while paused");
    let status = sync::load_status(&env.db, 5).unwrap();
    assert_eq!(status.current_run.unwrap().status, RunStatus::Paused);

    h.commands.send(SyncCommand::Resume).await.unwrap();
    let mut resumed = false;
    let mut batches_after = 0;
    while batches_after < 3 {
        match next_event(&mut h).await {
            SyncEvent::Resumed => resumed = true,
            SyncEvent::BatchCommitted { .. } => batches_after += 1,
            _ => {}
        }
    }
    assert!(resumed);

    // Cancel: stops now, keeps what was committed, closes the run.
    h.commands.send(SyncCommand::Cancel).await.unwrap();
    let (run, _) = until_finished(&mut h).await;
    assert_eq!(run.status, RunStatus::Cancelled);
    let saved: i64 = env
        .open()
        .query_row("SELECT COUNT(*) FROM saved_tracks", [], |r| r.get(0))
        .unwrap();
    assert!(saved >= 100, "committed batches kept: {saved}");
    let status = sync::load_status(&env.db, 5).unwrap();
    assert!(
        status
            .phases
            .iter()
            .all(|p| p.status.as_str() == "success" || p.status.as_str() == "cancelled"),
        "{status:#?}"
    );
    // The next start is a fresh run (a cancelled run is not resumed).
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Auto,
            only: vec![Phase::Tracks],
        })
        .await
        .unwrap();
    let (run2, events) = until_finished(&mut h).await;
    assert_eq!(run2.status, RunStatus::Success);
    assert!(run2.id > run.id);
    assert!(matches!(
        events.first(),
        Some(SyncEvent::RunStarted { resumed: false, .. })
    ));
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}

/// Wait (up to `within`) for an event matching `want`, skipping progress, phase and usage events;
/// any other event fails the test.
async fn expect_within(
    h: &mut EngineHandle,
    within: Duration,
    what: &str,
    want: impl Fn(&SyncEvent) -> bool,
) -> SyncEvent {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let ev = tokio::time::timeout_at(deadline, h.events.recv())
            .await
            .unwrap_or_else(|_| panic!("{what} within {within:?}"))
            .expect("engine alive");
        if want(&ev) {
            return ev;
        }
        match ev {
            SyncEvent::BatchCommitted { .. }
            | SyncEvent::ApiUsage { .. }
            | SyncEvent::PhaseStarted { .. }
            | SyncEvent::PhaseFinished { .. } => {}
            other => panic!("waiting for {what}: unexpected {other:?}"),
        }
    }
}

/// A pause, a cancel or a shutdown during a long quota hold acts at once; the hold stays: after
/// resume (or a restart) the engine goes back to waiting and sends nothing before the reset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_cancel_and_shutdown_during_a_quota_hold_act_at_once() {
    let sim = start_sim(sim_options(600, SimMode::Dev)).await;
    let env = Env::new(100_000);
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: library_phases(),
        })
        .await
        .unwrap();
    loop {
        if let SyncEvent::BatchCommitted { .. } = next_event(&mut h).await {
            break;
        }
    }
    // The daily quota runs out: the next request answers 429 with an hour to wait.
    sim.exhaust_quota(3600);
    let until = loop {
        if let SyncEvent::RateLimited { until, reason, .. } = next_event(&mut h).await {
            assert_eq!(reason, spotsync::sync::LimitReason::Quota);
            break until;
        }
    };
    assert!(until - chrono::Utc::now() > chrono::Duration::minutes(55));
    let sent = sim.stats().total;

    // Pause: acknowledged within a second, not at the end of the hour.
    h.commands.send(SyncCommand::Pause).await.unwrap();
    expect_within(&mut h, Duration::from_secs(1), "Paused", |e| {
        matches!(e, SyncEvent::Paused)
    })
    .await;
    let status = sync::load_status(&env.db, 5).unwrap();
    assert_eq!(status.current_run.unwrap().status, RunStatus::Paused);
    assert!(status.blocked_until.is_some(), "the hold stays persisted");

    // Resume: back to waiting for the same hold, nothing sent.
    h.commands.send(SyncCommand::Resume).await.unwrap();
    expect_within(&mut h, Duration::from_secs(1), "Resumed", |e| {
        matches!(e, SyncEvent::Resumed)
    })
    .await;
    let again = expect_within(&mut h, Duration::from_secs(1), "RateLimited", |e| {
        matches!(e, SyncEvent::RateLimited { .. })
    })
    .await;
    assert!(matches!(again, SyncEvent::RateLimited { until: u, .. } if u == until));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.stats().total, sent, "no request during the hold");

    // Shutdown while paused in the hold: the engine stops now and the run stays resumable.
    h.commands.send(SyncCommand::Pause).await.unwrap();
    expect_within(&mut h, Duration::from_secs(1), "Paused", |e| {
        matches!(e, SyncEvent::Paused)
    })
    .await;
    h.commands.send(SyncCommand::Shutdown).await.unwrap();
    tokio::time::timeout(Duration::from_secs(2), h.task)
        .await
        .expect("shutdown within 2 s")
        .unwrap();
    assert_eq!(sim.stats().total, sent);

    // A new engine resumes the run, keeps waiting for the persisted hold; cancel acts at once.
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Auto,
            only: library_phases(),
        })
        .await
        .unwrap();
    let started = next_event(&mut h).await;
    assert!(
        matches!(started, SyncEvent::RunStarted { resumed: true, .. }),
        "{started:?}"
    );
    expect_within(&mut h, Duration::from_secs(2), "RateLimited", |e| {
        // Persisted to the second.
        matches!(e, SyncEvent::RateLimited { until: u, .. }
            if (*u - until).num_seconds().abs() <= 1)
    })
    .await;
    h.commands.send(SyncCommand::Cancel).await.unwrap();
    let finished = expect_within(&mut h, Duration::from_secs(1), "RunFinished", |e| {
        matches!(e, SyncEvent::RunFinished { .. })
    })
    .await;
    assert!(
        matches!(&finished, SyncEvent::RunFinished { run } if run.status == RunStatus::Cancelled),
        "{finished:?}"
    );
    assert_eq!(sim.stats().total, sent, "no request before the reset time");
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}

/// The 24-hour count follows every committed batch and every hold, and counts 429 answers like
/// any request: it agrees with the run's `api_calls` and with what the server received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_usage_follows_every_batch_and_counts_refused_requests() {
    let sim = start_sim(sim_options(300, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // The daily quota is out for a second: the first request is refused (429, Retry-After: 1).
    sim.exhaust_quota(1);
    let (run, events) =
        engine_sync(&env.db, &sim, StartMode::Full, vec![Phase::Tracks], 100_000).await;
    assert_eq!(run.status, RunStatus::Success, "{events:#?}");
    let stats = sim.stats();
    assert_eq!(stats.count("429"), 1, "{stats:#?}");
    assert_eq!(run.api_calls, stats.total, "429s count in the run");

    let mut batches = 0;
    let mut holds = 0;
    for (i, ev) in events.iter().enumerate() {
        let want = match ev {
            SyncEvent::BatchCommitted { api_calls, .. } => {
                batches += 1;
                Some(*api_calls)
            }
            SyncEvent::RateLimitCleared => {
                holds += 1;
                None
            }
            _ => continue,
        };
        let usage = events[i + 1..].iter().find_map(|e| match e {
            SyncEvent::ApiUsage { calls_24h, .. } => Some(*calls_24h),
            _ => None,
        });
        let usage = usage.unwrap_or_else(|| panic!("ApiUsage after event {i}: {ev:?}"));
        if let Some(calls) = want {
            assert_eq!(usage, calls, "after batch {batches}");
        }
        assert!(
            matches!(events[i + 1], SyncEvent::ApiUsage { .. }),
            "usage right after {ev:?}, got {:?}",
            events[i + 1]
        );
    }
    assert_eq!((batches, holds), (6, 1));
    let last = events.iter().rev().find_map(|e| match e {
        SyncEvent::ApiUsage { calls_24h, .. } => Some(*calls_24h),
        _ => None,
    });
    assert_eq!(last, Some(stats.total));
}

/// Spotify goes away mid-run: the request in flight is retried a bounded number of times, then
/// the run ends (no other phase knocks on the closed door), `failed` with a clear message and
/// its checkpoint kept; once Spotify is back, the next start resumes it to the same mirror.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_ends_the_run_resumable_after_one_round_of_retries() {
    let mut opts = sim_options(1500, SimMode::Dev);
    opts.latency_ms = 5;
    let sim = start_sim(opts.clone()).await;
    let port = url::Url::parse(&sim.base_url())
        .unwrap()
        .port()
        .expect("the simulator's port");
    let env = Env::new(100_000);
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: library_phases(),
        })
        .await
        .unwrap();
    let mut batches = 0;
    while batches < 3 {
        if let SyncEvent::BatchCommitted { .. } = next_event(&mut h).await {
            batches += 1;
        }
    }
    sim.shutdown().await;
    let (run, events) = until_finished(&mut h).await;
    assert_eq!(run.status, RunStatus::Failed, "{events:#?}");
    let error = run.error.clone().unwrap_or_default();
    assert!(error.contains("could not be reached"), "{error}");
    let retries = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::Retrying { .. }))
        .count();
    assert_eq!(retries, 5, "one request's retries, not one round per phase");
    let started: Vec<Phase> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::PhaseStarted { phase, .. } => Some(*phase),
            _ => None,
        })
        .collect();
    assert!(started.is_empty(), "no later phase was tried: {started:?}");
    let finished: Vec<(Phase, String)> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::PhaseFinished { phase, status, .. } => {
                Some((*phase, status.as_str().to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(finished, vec![(Phase::Tracks, "failed".to_string())]);
    assert!(
        events.iter().any(|e| matches!(
            e,
            SyncEvent::Error { kind: ErrorKind::Other, message } if message == &error
        )),
        "{events:#?}"
    );
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
    // The run and its checkpoint are kept.
    let status = sync::load_status(&env.db, 5).unwrap();
    let current = status.current_run.clone().unwrap();
    assert_eq!((current.id, current.status), (run.id, RunStatus::Failed));
    let tracks = status
        .phases
        .iter()
        .find(|p| p.phase == Phase::Tracks)
        .unwrap();
    assert!(tracks.done >= 100, "{tracks:?}");

    // Spotify is back (the same library at the same address): the next start resumes the run.
    let sim = spotsync::simulator::start(spotsync::simulator::SimConfig { options: opts }, port)
        .await
        .expect("the simulator starts again on its port");
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Auto,
            only: vec![],
        })
        .await
        .unwrap();
    let (resumed, events) = until_finished(&mut h).await;
    assert!(matches!(
        events.first(),
        Some(SyncEvent::RunStarted { resumed: true, run_id, .. }) if *run_id == run.id
    ));
    assert_eq!(resumed.status, RunStatus::Success, "{events:#?}");
    assert_mirror(&env.open(), &truth(&sim).await, false);
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}

/// Spotify answers one request with a 5xx every time: that request's phase fails after its
/// retries, but the run goes on (Spotify answers; the next phase asks other things of it) and
/// ends `failed`, resumable; the next start completes the failed phase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_5xx_fails_its_phase_and_later_phases_still_run() {
    let sim = start_sim(sim_options(120, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // The first request of the run (the first page of saved tracks) fails every attempt.
    sim.inject_faults(
        spotsync::simulator::state::FaultKind::E502,
        spotsync::sync::gate::MAX_ATTEMPTS,
    );
    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    let phases = vec![Phase::Tracks, Phase::Plays];
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Full,
            only: phases.clone(),
        })
        .await
        .unwrap();
    let (run, events) = until_finished(&mut h).await;
    assert_eq!(run.status, RunStatus::Failed, "{events:#?}");
    let error = run.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("tracks: GET /me/tracks failed 6 times: HTTP 502"),
        "{error}"
    );
    let retries = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::Retrying { .. }))
        .count();
    assert_eq!(retries, 5);
    let finished: Vec<(Phase, String)> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::PhaseFinished { phase, status, .. } => {
                Some((*phase, status.as_str().to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        finished,
        vec![
            (Phase::Tracks, "failed".to_string()),
            (Phase::Plays, "success".to_string())
        ],
        "the later phase still ran"
    );
    assert!(
        !events.iter().any(|e| matches!(e, SyncEvent::Error { .. })),
        "no run-ending error: {events:#?}"
    );
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();

    let mut h = spawn(&env, &sim, Credentials::AccessToken(sim.issue_token())).await;
    h.commands
        .send(SyncCommand::Start {
            mode: StartMode::Auto,
            only: vec![],
        })
        .await
        .unwrap();
    let (resumed, events) = until_finished(&mut h).await;
    assert!(
        matches!(
            events.first(),
            Some(SyncEvent::RunStarted { resumed: true, run_id, .. }) if *run_id == run.id
        ),
        "{events:#?}"
    );
    assert_eq!(resumed.status, RunStatus::Success, "{events:#?}");
    let saved: i64 = env
        .open()
        .query_row(
            "SELECT COUNT(*) FROM saved_tracks WHERE removed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(saved, 120);
    h.commands.send(SyncCommand::Shutdown).await.ok();
    h.task.await.unwrap();
}
