//! Enrichment against the simulator over HTTP: what matters most is enriched first (stopped
//! partway, exactly the most valuable ones are done), and `[sync] enrich` chooses what is
//! enriched at all (through the real binary).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use rusqlite::Connection;
use spotsync::cli::SimMode;
use spotsync::simulator::model::{ItemType, LibraryTruth};
use spotsync::simulator::{RunningSim, Stats};
use spotsync::spotify::Credentials;
use spotsync::sync::{
    self, EngineOptions, Phase, RunStatus, StartMode, SyncCommand, SyncConfig, SyncEvent,
};

use crate::common::*;

/// The simulator's counts over HTTP, as any client would read them.
async fn stats(sim: &RunningSim) -> Stats {
    reqwest::get(format!("{}__sim/stats", sim.base_url()))
        .await
        .expect("GET /__sim/stats")
        .json()
        .await
        .expect("stats parse")
}

/// Enrichment requests sent: (albums, artists), single and batch endpoints together.
/// Requests for albums' and artists' details (an album's track pages apart).
fn enrich_requests(s: &Stats) -> (u64, u64) {
    let sum = |prefix: &str| {
        s.per_endpoint
            .iter()
            .filter(|(k, _)| *k == prefix || k.starts_with(&format!("{prefix}/")))
            .filter(|(k, _)| !k.ends_with("/tracks"))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    (sum("GET /v1/albums"), sum("GET /v1/artists"))
}

fn ids(c: &Connection, sql: &str) -> Vec<String> {
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Table {
    Albums,
    Artists,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Albums => "albums",
            Table::Artists => "artists",
        }
    }
}

/// Each album's or artist's value, from the simulator's truth: 10 per saved track, 3 per entry
/// in a readable playlist of the user's list, 1 per play among the `plays` newest.
fn values(t: &LibraryTruth, plays: usize, table: Table) -> HashMap<String, i64> {
    let tracks: HashMap<&str, &spotsync::simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut weighted: Vec<(&str, i64)> = Vec::new();
    weighted.extend(t.saved_tracks.iter().map(|s| (s.track_id.as_str(), 10)));
    for p in t
        .playlists
        .iter()
        .filter(|p| p.followed && readable(p, false))
    {
        for it in &p.items {
            if it.kind == ItemType::Track
                && let Some(id) = &it.id
            {
                weighted.push((id.as_str(), 3));
            }
        }
    }
    weighted.extend(t.plays.iter().take(plays).map(|p| (p.track_id.as_str(), 1)));
    let mut v: HashMap<String, i64> = HashMap::new();
    for (track, w) in weighted {
        let tr = tracks[track];
        match table {
            Table::Albums => *v.entry(tr.album_id.clone()).or_default() += w,
            Table::Artists => {
                for a in &tr.artist_ids {
                    *v.entry(a.clone()).or_default() += w;
                }
            }
        }
    }
    v
}

/// Cancel `phase` after `batches` committed batches (more may land before the cancel does);
/// the requests it sent.
pub async fn enrich_then_cancel(env: &Env, sim: &RunningSim, phase: Phase, batches: usize) {
    let mut handle = sync::spawn(EngineOptions {
        db: env.db.clone(),
        api_url: sim.api_url(),
        accounts_url: sim.accounts_url(),
        credentials: Credentials::AccessToken(sim.issue_token()),
        config: SyncConfig {
            requests_per_window: 100_000,
            ..Default::default()
        },
    })
    .await
    .expect("engine spawns");
    handle
        .commands
        .send(SyncCommand::Start {
            mode: StartMode::Auto,
            only: vec![phase],
        })
        .await
        .expect("send start");
    let mut committed = 0;
    let run = loop {
        let ev = tokio::time::timeout(Duration::from_secs(120), handle.events.recv())
            .await
            .expect("engine makes progress")
            .expect("engine sends RunFinished before stopping");
        match ev {
            SyncEvent::BatchCommitted { phase: p, .. } if p == phase => {
                committed += 1;
                if committed == batches {
                    handle.commands.send(SyncCommand::Cancel).await.unwrap();
                }
            }
            SyncEvent::RunFinished { run } => break run,
            _ => {}
        }
    };
    assert_eq!(run.status, RunStatus::Cancelled, "stopped partway");
    handle.commands.send(SyncCommand::Shutdown).await.ok();
    handle.task.await.expect("engine task ends cleanly");
}

/// Enrichment stopped partway (cancelled after a few batches): what it enriched is exactly the
/// top of the value order (ties by id), however many landed.
async fn partial_enrichment_is_the_most_valuable(table: Table) {
    let sim = start_sim(sim_options(2000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // The library and the listening history first, so plays count too.
    let out = env
        .run(&sim, &["sync", "--only", "tracks,playlists,plays"])
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let t = truth(&sim).await;
    let c = env.open();
    let plays: i64 = c
        .query_row("SELECT COUNT(*) FROM plays", [], |r| r.get(0))
        .unwrap();
    assert_eq!(plays as usize, t.plays.len().min(50), "the newest plays");
    let name = table.name();
    let candidates: BTreeSet<String> = ids(
        &c,
        &format!("SELECT id FROM {name} WHERE enriched_at IS NULL"),
    )
    .into_iter()
    .collect();
    drop(c);
    let value = values(&t, plays as usize, table);
    let mut expected: Vec<(i64, String)> = candidates
        .iter()
        .map(|id| (-value.get(id).copied().unwrap_or(0), id.clone()))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    let before = stats(&sim).await;
    let phase = match table {
        Table::Albums => Phase::Albums,
        Table::Artists => Phase::Artists,
    };
    enrich_then_cancel(&env, &sim, phase, 10).await;
    let after = stats(&sim).await;
    let sent = |s: &Stats| {
        let (albums, artists) = enrich_requests(s);
        if table == Table::Albums {
            albums
        } else {
            artists
        }
    };
    let c = env.open();
    let done: BTreeSet<String> = ids(
        &c,
        &format!("SELECT id FROM {name} WHERE enriched_at IS NOT NULL"),
    )
    .into_iter()
    .filter(|id| candidates.contains(id))
    .collect();
    let n = done.len();
    assert!(
        n >= 10 && n < candidates.len(),
        "partway: {n} of {} {name}",
        candidates.len()
    );
    let asked = sent(&after) - sent(&before);
    assert!(
        asked == n as u64 || asked == n as u64 + 1,
        "one request per {name} (and at most one cut off by the cancel): {asked} for {n}"
    );
    let top: BTreeSet<String> = expected[..n].iter().cloned().collect();
    assert_eq!(done, top, "the {n} most valuable {name}");
    // The library makes the order matter: by id alone, others would have come first.
    let by_id: BTreeSet<String> = candidates.iter().take(n).cloned().collect();
    assert_ne!(top, by_id, "the fixture tells value order from id order");
    assert!(
        value[&expected[0]] > value.get(&expected[n]).copied().unwrap_or(0),
        "the most valuable is worth more than the first one left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_album_enrichment_is_the_most_valuable_albums() {
    partial_enrichment_is_the_most_valuable(Table::Albums).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_artist_enrichment_is_the_most_valuable_artists() {
    partial_enrichment_is_the_most_valuable(Table::Artists).await;
}

/// `enrich = []` sends no enrichment request; `["artists"]` enriches artists only; naming a
/// phase left out with `--only` still runs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enrich_key_chooses_what_is_enriched() {
    let sim = start_sim(sim_options(200, SimMode::Dev)).await;
    let env = Env::new(100_000);
    env.set_config("[sync]\nrequests_per_window = 100000\nenrich = []\n");
    let out = env.run(&sim, &["sync", "--json"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let s = stats(&sim).await;
    assert!(s.total > 10, "the rest of the mirror ran: {s:#?}");
    assert_eq!(enrich_requests(&s), (0, 0), "{:#?}", s.per_endpoint);
    assert!(
        !out.stdout.contains("\"phase\":\"albums\"")
            && !out.stdout.contains("\"phase\":\"artists\""),
        "the enrichment phases are not part of the run: {}",
        out.stdout
    );
    let c = env.open();
    let pending = |table: &str| -> i64 {
        c.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE enriched_at IS NULL"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(pending("albums") > 0 && pending("artists") > 0);

    // Artists only: every artist, no album.
    sim.reset_stats();
    env.set_config("[sync]\nrequests_per_window = 100000\nenrich = [\"artists\"]\n");
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let (albums, artists) = enrich_requests(&stats(&sim).await);
    assert_eq!(albums, 0);
    assert!(artists > 0);
    assert_eq!(pending("artists"), 0, "every artist enriched");
    let albums_left = pending("albums");
    assert!(albums_left > 0);

    // Named explicitly, a phase the config leaves out runs.
    sim.reset_stats();
    let out = env.run(&sim, &["sync", "--only", "albums"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let (albums, artists) = enrich_requests(&stats(&sim).await);
    assert_eq!((albums, artists), (albums_left as u64, 0));
    assert_eq!(pending("albums"), 0);
}
