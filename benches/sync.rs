//! Sync engine figures for a 10,000-track library, against `spotsync simulate` over HTTP:
//!
//! 1. requests used ÷ the minimum, for a full Development Mode mirror (no window, no latency);
//! 2. local ingest rate with zero latency (saved tracks stored per second in the tracks phase),
//!    and the engine's time per page of saved tracks and per album enriched ÷ the same GETs sent
//!    bare from the same process (what the engine adds per request: the gate, the parse, the
//!    batch's commit and whatever else it asks of the database);
//! 3. achieved request rate ÷ the simulator's window limit, with the engine's own pace set
//!    above that limit so it has to learn it (and the number of 429s it took);
//! 4. the whole library (saved albums, follows, shows, episodes, audiobooks, top lists too):
//!    requests with harvest ÷ requests the per-id way (one GET per album and artist);
//! 5. peak memory (VmHWM) of this process, which runs the engine (the simulator is a child).
//!
//! Run: `cargo bench --bench sync` (release). Prints one line per figure. `cargo bench --bench
//! sync -- mirror` runs only the sections whose name holds a word given (`mirror`,
//! `incremental`, `whole`, `pacing`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use spotsync::config::SyncConfig;
use spotsync::simulator::{LibraryTruth, Stats};
use spotsync::spotify::Credentials;
use spotsync::sync::{self, EngineOptions, Phase, StartMode, SyncCommand, SyncEvent};

const TRACKS: usize = 10_000;

struct Sim {
    child: Child,
    base: String,
}

impl Sim {
    fn start(extra: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spotsync"))
            .args(["simulate", "--port", "0", "--tracks", &TRACKS.to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn spotsync simulate");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on URL")
            .to_string();
        Sim {
            child,
            base: format!("{url}/"),
        }
    }

    async fn post(&self, path: &str) -> serde_json::Value {
        self.post_json(path, serde_json::json!({})).await
    }

    async fn post_json(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST")
            .json()
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    async fn token(&self) -> String {
        self.post("__sim/token").await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    async fn stats(&self) -> Stats {
        reqwest::get(format!("{}__sim/stats", self.base))
            .await
            .expect("GET stats")
            .json()
            .await
            .expect("stats parse")
    }

    async fn truth(&self) -> LibraryTruth {
        reqwest::get(format!("{}__sim/library", self.base))
            .await
            .expect("GET library")
            .json()
            .await
            .expect("library parse")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Timeline {
    phase_time: Vec<(Phase, Duration)>,
    /// Batches committed per phase.
    batches: Vec<(Phase, u64)>,
    elapsed: Duration,
}

impl Timeline {
    fn batches(&self, phase: Phase) -> u64 {
        self.batches
            .iter()
            .find(|(p, _)| *p == phase)
            .map_or(0, |(_, n)| *n)
    }
}

/// What the engine costs per request beyond the request itself: its time per page of saved
/// tracks (a 50-row batch each) and per album enriched (one GET and a one-row batch each, in
/// Development Mode), each ÷ the same GETs sent bare from this process (parsed and dropped;
/// the best of three: the machine is shared, the floor is the figure).
async fn per_request_figures(sim: &Sim, db: &std::path::Path, tl: &Timeline) {
    let phase_ms = |phase: Phase| {
        let d = tl.phase_time.iter().find(|(p, _)| *p == phase)?.1;
        Some(d.as_secs_f64() * 1e3 / tl.batches(phase).max(1) as f64)
    };
    let best = |runs: Vec<(u64, Duration)>| {
        let (n, d) = runs
            .into_iter()
            .min_by_key(|r| r.1)
            .unwrap_or((0, Duration::ZERO));
        (n, d.as_secs_f64() * 1e3 / n.max(1) as f64)
    };
    if let Some(engine_ms) = phase_ms(Phase::Tracks) {
        let mut runs = Vec::new();
        for _ in 0..3 {
            runs.push(bare_pages(sim).await);
        }
        let (pages, bare_ms) = best(runs);
        println!(
            "per page of saved tracks, zero latency: engine {engine_ms:.2} ms ({} pages \
             committed), bare HTTP GET {bare_ms:.2} ms ({pages} pages): engine / bare = {:.2}",
            tl.batches(Phase::Tracks),
            engine_ms / bare_ms
        );
    }
    if let Some(engine_ms) = phase_ms(Phase::Albums) {
        let n = tl.batches(Phase::Albums) as usize;
        let c = rusqlite::Connection::open(db).expect("open the mirror");
        let mut st = c.prepare("SELECT id FROM albums ORDER BY id").unwrap();
        let ids: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .take(n)
            .collect::<Result<_, _>>()
            .unwrap();
        let mut runs = Vec::new();
        for _ in 0..3 {
            runs.push(bare_albums(sim, &ids).await);
        }
        let (gets, bare_ms) = best(runs);
        println!(
            "per album enriched, zero latency: engine {engine_ms:.2} ms ({n} requests, each \
             committed), bare HTTP GET {bare_ms:.2} ms ({gets} GETs): engine / bare = {:.2}",
            engine_ms / bare_ms
        );
    }
}

/// `GET /albums/{id}` for each of `ids`, parsed and dropped. Requests sent and their time.
async fn bare_albums(sim: &Sim, ids: &[String]) -> (u64, Duration) {
    let token = sim.token().await;
    let client = reqwest::Client::new();
    let t0 = Instant::now();
    for id in ids {
        let _: serde_json::Value = client
            .get(format!("{}v1/albums/{id}", sim.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET /albums/{id}")
            .json()
            .await
            .expect("album parse");
    }
    (ids.len() as u64, t0.elapsed())
}

/// Every page of saved tracks over HTTP, parsed and dropped: the baseline of the engine's time
/// per page. Pages read and the time they took.
async fn bare_pages(sim: &Sim) -> (u64, Duration) {
    let token = sim.token().await;
    let client = reqwest::Client::new();
    let t0 = Instant::now();
    let (mut offset, mut pages) = (0usize, 0u64);
    loop {
        let page: serde_json::Value = client
            .get(format!("{}v1/me/tracks?offset={offset}&limit=50", sim.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET /me/tracks")
            .json()
            .await
            .expect("page parse");
        pages += 1;
        let n = page["items"].as_array().map_or(0, Vec::len);
        offset += n;
        if n == 0 || page["next"].is_null() {
            return (pages, t0.elapsed());
        }
    }
}

async fn sync_once(sim: &Sim, db: &std::path::Path, only: Vec<Phase>, pace: u32) -> Timeline {
    sync_mode(sim, db, StartMode::Full, only, pace).await
}

async fn sync_mode(
    sim: &Sim,
    db: &std::path::Path,
    mode: StartMode,
    only: Vec<Phase>,
    pace: u32,
) -> Timeline {
    let mut handle = sync::spawn(EngineOptions {
        db: db.to_owned(),
        api_url: format!("{}v1/", sim.base),
        accounts_url: sim.base.clone(),
        credentials: Credentials::AccessToken(sim.token().await),
        config: SyncConfig {
            requests_per_window: pace,
            // The simulator here has no quota: no daily limit of ours either.
            max_calls_per_day: 1_000_000,
            ..SyncConfig::default()
        },
    })
    .await
    .expect("engine");
    handle
        .commands
        .send(SyncCommand::Start { mode, only })
        .await
        .expect("start");
    let t0 = Instant::now();
    let mut started: Option<(Phase, Instant)> = None;
    let mut phase_time = Vec::new();
    let mut batches: Vec<(Phase, u64)> = Vec::new();
    while let Some(ev) = handle.events.recv().await {
        match ev {
            SyncEvent::BatchCommitted { phase, .. } => match batches.last_mut() {
                Some((p, n)) if *p == phase => *n += 1,
                _ => batches.push((phase, 1)),
            },
            SyncEvent::PhaseStarted { phase, .. } => started = Some((phase, Instant::now())),
            SyncEvent::PhaseFinished { phase, .. } => {
                if let Some((p, t)) = started.take()
                    && p == phase
                {
                    phase_time.push((phase, t.elapsed()));
                }
            }
            SyncEvent::RunFinished { run } => {
                assert_eq!(run.status.as_str(), "success", "{run:?}");
                break;
            }
            _ => {}
        }
    }
    let elapsed = t0.elapsed();
    let _ = handle.commands.send(SyncCommand::Shutdown).await;
    let _ = handle.task.await;
    Timeline {
        phase_time,
        batches,
        elapsed,
    }
}

fn minimum(t: &LibraryTruth) -> u64 {
    use std::collections::{BTreeSet, HashMap};
    let pages = |n: usize| n.div_ceil(50) as u64;
    let followed: Vec<_> = t.playlists.iter().filter(|p| p.followed).collect();
    let mut n = 1 + pages(t.saved_tracks.len()) + pages(followed.len());
    let mut ids: BTreeSet<&str> = t.saved_tracks.iter().map(|s| s.track_id.as_str()).collect();
    for p in followed.iter().filter(|p| p.items_readable_in_dev) {
        n += pages(p.items.len());
        ids.extend(
            p.items
                .iter()
                .filter(|i| i.kind == spotsync::simulator::model::ItemType::Track)
                .filter_map(|i| i.id.as_deref()),
        );
    }
    let tracks: HashMap<&str, _> = t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let albums_by: HashMap<&str, _> = t.albums.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut albums = BTreeSet::new();
    let mut artists = BTreeSet::new();
    for id in ids {
        let tr = tracks[id];
        albums.insert(tr.album_id.as_str());
        artists.extend(tr.artist_ids.iter().map(String::as_str));
    }
    for a in &albums {
        artists.extend(albums_by[a].artist_ids.iter().map(String::as_str));
    }
    n + albums.len() as u64 + artists.len() as u64
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |section: &str| words.is_empty() || words.iter().any(|w| section.contains(w));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let library = vec![
            Phase::Tracks,
            Phase::Playlists,
            Phase::Albums,
            Phase::Artists,
        ];

        // 1 + 2: a full mirror with no window and no latency.
        let sim = Sim::start(&[]);
        let db = dir.path().join("full.db");
        let tl = sync_once(&sim, &db, library.clone(), 1_000_000).await;
        let stats = sim.stats().await;
        let truth = sim.truth().await;
        let min = minimum(&truth);
        println!(
            "full mirror, {TRACKS} saved tracks (Development Mode): {} requests, minimum {min}: \
             requests used / minimum = {:.3}; {} × 403, {} × 429; {:.1} s",
            stats.total,
            stats.total as f64 / min as f64,
            stats.count("403"),
            stats.count("429"),
            tl.elapsed.as_secs_f64()
        );
        if let Some((_, d)) = tl.phase_time.iter().find(|(p, _)| *p == Phase::Tracks) {
            println!(
                "local ingest, zero latency: {:.0} saved tracks/s ({} tracks in {:.2} s, over HTTP \
                 with rows + checkpoint committed per 50-track page)",
                truth.saved_tracks.len() as f64 / d.as_secs_f64(),
                truth.saved_tracks.len(),
                d.as_secs_f64()
            );
        }
        per_request_figures(&sim, &db, &tl).await;

        // Incremental syncs of the same 10,000-track library with 0, 10 and 1,000 changes.
        let changes_made: &[usize] = if wants("incremental") {
            &[0, 10, 1000]
        } else {
            &[]
        };
        for &changes in changes_made {
            let t = sim.truth().await;
            match changes {
                0 => {}
                10 => {
                    let unsave: Vec<&str> = t.saved_tracks[200..203]
                        .iter()
                        .map(|s| s.track_id.as_str())
                        .collect();
                    sim.post_json("__sim/tracks/save", serde_json::json!({"count": 4}))
                        .await;
                    sim.post_json("__sim/tracks/unsave", serde_json::json!({"ids": unsave}))
                        .await;
                    let owned: Vec<&str> = t
                        .playlists
                        .iter()
                        .filter(|p| p.followed && p.owned)
                        .map(|p| p.id.as_str())
                        .take(3)
                        .collect();
                    for id in &owned[..2] {
                        sim.post_json(
                            &format!("__sim/playlists/{id}"),
                            serde_json::json!({"add_tracks": 1}),
                        )
                        .await;
                    }
                    sim.post_json(
                        &format!("__sim/playlists/{}", owned[2]),
                        serde_json::json!({"name": "renamed"}),
                    )
                    .await;
                }
                _ => {
                    let unsave: Vec<&str> = t.saved_tracks[1000..1300]
                        .iter()
                        .map(|s| s.track_id.as_str())
                        .collect();
                    sim.post_json("__sim/tracks/save", serde_json::json!({"count": 700}))
                        .await;
                    sim.post_json("__sim/tracks/unsave", serde_json::json!({"ids": unsave}))
                        .await;
                }
            }
            sim.post("__sim/stats/reset").await;
            let tl = sync_mode(
                &sim,
                &db,
                StartMode::Incremental,
                library.clone(),
                1_000_000,
            )
            .await;
            let stats = sim.stats().await;
            println!(
                "incremental sync, {TRACKS}-track library, {changes} changes: {} requests, {:.2} s",
                stats.total,
                tl.elapsed.as_secs_f64()
            );
        }

        if wants("whole") {
            whole_library(&sim, &dir.path().join("whole.db"), &truth).await;
        }
        drop(sim);

        if wants("pacing") {
            pacing(&dir.path().join("paced.db")).await;
        }

        if let Some(mib) = peak_rss_mib() {
            println!("peak memory (VmHWM) of the engine process: {mib:.1} MiB");
        }
    });
}

/// 4: the whole library on a fresh database. Harvest stores the full albums of `/me/albums` and
/// the full artists of `/me/following` and `/me/top/artists` as enriched; the per-id way would
/// GET every album and artist of the mirror once.
async fn whole_library(sim: &Sim, db: &std::path::Path, truth: &LibraryTruth) {
    let whole = vec![
        Phase::Tracks,
        Phase::Playlists,
        Phase::AlbumsSaved,
        Phase::ArtistsFollowed,
        Phase::Shows,
        Phase::Episodes,
        Phase::Audiobooks,
        Phase::Top,
        Phase::Albums,
        Phase::Artists,
    ];
    sim.post("__sim/stats/reset").await;
    let tl = sync_once(sim, db, whole, 1_000_000).await;
    let stats = sim.stats().await;
    let gets = stats.endpoint("GET /v1/albums/{id}") + stats.endpoint("GET /v1/artists/{id}");
    let c = rusqlite::Connection::open(db).expect("open the mirror");
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64;
    let catalogue = count("SELECT COUNT(*) FROM albums") + count("SELECT COUNT(*) FROM artists");
    let per_id = stats.total - gets + catalogue;
    println!(
        "whole library, {TRACKS} saved tracks, {} saved albums, {} follows (Development \
             Mode): {} requests with harvest ({gets} album/artist GETs for {catalogue} albums and \
             artists), {per_id} the per-id way: with harvest / per-id = {:.3}; {:.1} s",
        truth.saved_albums.len(),
        truth.followed_artists.len(),
        stats.total,
        stats.total as f64 / per_id as f64,
        tl.elapsed.as_secs_f64()
    );
}

/// 3: pace against a window the engine does not know.
async fn pacing(db: &std::path::Path) {
    let window: u32 = 300;
    let sim = Sim::start(&["--window", &window.to_string()]);
    let tl = sync_once(&sim, db, vec![Phase::Tracks, Phase::Albums], window + 200).await;
    let stats = sim.stats().await;
    // A rolling window lets `window` requests through in every 30 s: the most a client can
    // send in T seconds is window × ceil(T / 30). The figure is the share of that achieved.
    let windows = (tl.elapsed.as_secs_f64() / 30.0).ceil().max(1.0);
    let per_window = stats.total as f64 / windows;
    println!(
        "pacing, simulator window {window}/30 s, engine pace configured at {}/30 s: {} requests \
             in {:.1} s ({windows} windows), {} × 429 (window), {} sent while told to wait; \
             achieved requests per 30 s window / window limit = {:.3}",
        window + 200,
        stats.total,
        tl.elapsed.as_secs_f64(),
        stats.rate_limited,
        stats.while_blocked,
        per_window / window as f64
    );
}
