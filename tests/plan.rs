//! `spotsync plan` and `spotsync sync --dry-run` against the simulator over HTTP, with the real
//! binary: the plan's figures are what the sync then sends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "sync/album_lists.rs"]
mod album_lists;
#[path = "sync/common.rs"]
mod common;

use serde_json::Value;
use spotsync::cli::SimMode;
use spotsync::simulator::Stats;

use common::*;

/// Every list phase (a full mirror without enrichment).
const LIST_PHASES: &str =
    "tracks,playlists,albums_saved,artists_followed,shows,episodes,audiobooks,top,plays";

fn plan_json(out: &Output) -> Value {
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("the plan is one JSON object ({e}): {}", out.stdout))
}

fn phase<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["phase"] == name)
        .unwrap_or_else(|| panic!("phase {name} in {plan:#}"))
}

fn requests(plan: &Value, name: &str) -> u64 {
    phase(plan, name)["requests"].as_u64().unwrap()
}

/// What the sync sent for each phase, by route template.
fn sent(stats: &Stats, name: &str) -> u64 {
    let e = |k: &str| stats.endpoint(k);
    match name {
        "tracks" => e("GET /v1/me/tracks"),
        "playlists" => {
            e("GET /v1/me") + e("GET /v1/me/playlists") + e("GET /v1/playlists/{id}/items")
        }
        "albums_saved" => e("GET /v1/me/albums"),
        "artists_followed" => e("GET /v1/me/following"),
        "shows" => e("GET /v1/me/shows"),
        "episodes" => e("GET /v1/me/episodes"),
        "audiobooks" => e("GET /v1/me/audiobooks"),
        "top" => e("GET /v1/me/top/artists") + e("GET /v1/me/top/tracks"),
        "plays" => e("GET /v1/me/player/recently-played"),
        // Details, then the rest of the albums longer than a page.
        "albums" => {
            e("GET /v1/albums/{id}") + e("GET /v1/albums") + e("GET /v1/albums/{id}/tracks")
        }
        "artists" => e("GET /v1/artists/{id}") + e("GET /v1/artists"),
        other => panic!("unknown phase {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_of_a_10000_track_library_is_what_the_sync_sends() {
    let sim = start_sim(sim_options(10_000, SimMode::Dev)).await;
    let env = Env::new(100_000);

    // A fresh database knows no totals: the plan probes, through the gate, and says so.
    let out = env.run(&sim, &["plan", "--json"]).await;
    let plan = plan_json(&out);
    let probe_stats = sim.stats();
    assert!(out.stderr.contains("asking Spotify"), "{}", out.stderr);
    assert_eq!(plan["probe"]["requests"].as_u64(), Some(probe_stats.total));
    // It said beforehand what it would cost; nothing is unknown any more.
    assert!(
        out.stderr
            .contains(&format!("(about {} requests;", probe_stats.total)),
        "{}",
        out.stderr
    );
    assert_eq!(plan["probe_cost"], 0);
    assert!(probe_stats.total <= 20, "{probe_stats:#?}");
    assert_eq!(plan["run"]["kind"], "full");
    assert_eq!(plan["unknown"], serde_json::json!([]));
    // Nothing of the library was stored.
    let c = env.open();
    let stored: i64 = c
        .query_row(
            "SELECT (SELECT COUNT(*) FROM tracks) + (SELECT COUNT(*) FROM playlists)
                  + (SELECT COUNT(*) FROM sync_history)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
    drop(c);
    // Enrichment on a fresh database can only be estimated, and says so.
    for name in ["albums", "artists"] {
        let p = phase(&plan, name);
        assert_eq!(p["exact"], false, "{p:#}");
        assert_eq!(p["basis"], "sample");
        assert!(p["note"].as_str().unwrap().contains("estimated"), "{p:#}");
    }
    // The human plan: a line per phase, the quota, an ETA (a second plan probes no more).
    sim.reset_stats();
    let human = env.run(&sim, &["plan"]).await;
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    assert_eq!(
        sim.stats().total,
        0,
        "the probe is kept: {:#?}",
        sim.stats()
    );
    assert!(
        human
            .stdout
            .contains(&format!("tracks: {} requests", requests(&plan, "tracks"))),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("daily quota: not known yet"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("albums: ~"), "{}", human.stdout);
    let total = human
        .stdout
        .lines()
        .find(|l| l.starts_with("total: "))
        .unwrap_or_else(|| panic!("a total line: {}", human.stdout));
    assert!(
        total.contains(" ≈ ") && total.contains("/day") && total.contains("assuming ~1,100/day"),
        "{total}"
    );

    // The simulator here has no quota; say so, or bulk work keeps to the assumed 1,100 a day
    // (the plan's figures do not depend on the daily figure).
    env.set_config("[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 1000000\n");

    // The list phases: a full sync sends exactly what the plan said, phase by phase.
    let out = env.run(&sim, &["sync", "--only", LIST_PHASES]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    let mut planned = 0;
    for name in LIST_PHASES.split(',') {
        let p = phase(&plan, name);
        assert_eq!(p["exact"], true, "{p:#}");
        assert_eq!(
            requests(&plan, name),
            sent(&stats, name),
            "{name}: planned {p:#} vs sent {stats:#?}"
        );
        planned += requests(&plan, name);
    }
    assert_eq!(stats.total, planned, "{stats:#?}");
    assert_eq!(stats.count("429"), 0);

    // Once the lists are mirrored, enrichment is exact: what the enrichment phases send.
    sim.reset_stats();
    let plan = plan_json(&env.run(&sim, &["plan", "--json"]).await);
    assert_eq!(sim.stats().total, 0, "no probe once the totals are known");
    assert_eq!(plan["run"]["kind"], "incremental");
    // The albums' details and the rest of the long albums' track lists are exact; the artists
    // are a floor until those track lists name their featured artists.
    let albums = phase(&plan, "albums");
    assert_eq!(
        (&albums["exact"], &albums["basis"]),
        (&Value::Bool(true), &"database".into())
    );
    assert!(requests(&plan, "albums") > 0, "{albums:#}");
    let artists = phase(&plan, "artists");
    assert_eq!(
        (&artists["exact"], &artists["basis"]),
        (&Value::Bool(false), &"sample".into())
    );
    assert!(
        artists["note"]
            .as_str()
            .unwrap()
            .contains("track lists of the albums"),
        "{artists:#}"
    );
    let out = env.run(&sim, &["sync", "--only", "albums"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    assert_eq!(
        requests(&plan, "albums"),
        sent(&stats, "albums"),
        "{stats:#?}"
    );
    assert_eq!(stats.total, requests(&plan, "albums"));
    let floor = requests(&plan, "artists");
    // Once the albums are fetched, the artists are exact.
    sim.reset_stats();
    let plan = plan_json(&env.run(&sim, &["plan", "--json", "--no-probe"]).await);
    let artists = phase(&plan, "artists");
    assert_eq!(
        (&artists["exact"], &artists["basis"]),
        (&Value::Bool(true), &"database".into())
    );
    assert!(requests(&plan, "artists") >= floor);
    let out = env.run(&sim, &["sync", "--only", "artists"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    assert_eq!(
        requests(&plan, "artists"),
        sent(&stats, "artists"),
        "{stats:#?}"
    );
    assert_eq!(stats.total, requests(&plan, "artists"));
    // Nothing is left to enrich.
    let plan = plan_json(&env.run(&sim, &["plan", "--json", "--no-probe"]).await);
    assert_eq!(requests(&plan, "albums") + requests(&plan, "artists"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_dry_run_sends_nothing_and_exits_0() {
    let sim = start_sim(sim_options(300, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // A fresh database: the plan from what it knows (nothing), not even a file is created.
    let out = env.run(&sim, &["sync", "--dry-run"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(sim.stats().total, 0, "{:#?}", sim.stats());
    assert!(!env.db.exists(), "a dry run creates no database");
    assert!(
        out.stdout.contains("Plan of the next sync: new full run"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("tracks: at least 1 request"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("`spotsync plan` asks Spotify"),
        "{}",
        out.stderr
    );
    let plan = plan_json(&env.run(&sim, &["sync", "--dry-run", "--json"]).await);
    assert!(!plan["unknown"].as_array().unwrap().is_empty());
    assert_eq!(sim.stats().total, 0);
    // `plan --no-probe` does not ask either, and says what a probe would cost.
    let out = env.run(&sim, &["plan", "--no-probe"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(
        out.stderr
            .contains("without --no-probe asks Spotify (about "),
        "{}",
        out.stderr
    );
    assert_eq!(sim.stats().total, 0);

    // After a sync, the dry run of the next one: incremental, still nothing sent.
    let out = env.run(&sim, &["sync", "--only", "tracks,playlists"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    sim.reset_stats();
    let plan = plan_json(
        &env.run(
            &sim,
            &["sync", "--dry-run", "--json", "--only", "tracks,playlists"],
        )
        .await,
    );
    assert_eq!(sim.stats().total, 0);
    assert_eq!(plan["run"]["kind"], "incremental");
    assert_eq!(requests(&plan, "tracks"), 1);
    // ... and the incremental sync sends what it said: one page of each list.
    let out = env.run(&sim, &["sync", "--only", "tracks,playlists"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    assert_eq!(
        stats.total,
        plan["total"]["requests"].as_u64().unwrap(),
        "{stats:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_of_a_resumed_run_is_what_it_sends() {
    let sim = start_sim(sim_options(2_000, SimMode::Dev)).await;
    let env = Env::new(100_000);
    // A day's budget the first run cannot finish within: it stops (resumable) mid-way.
    env.set_config("[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 60\n");
    let out = env
        .run(
            &sim,
            &[
                "sync",
                "--only",
                "tracks,playlists,albums_saved",
                "--max-wait",
                "1s",
            ],
        )
        .await;
    assert_eq!(out.code, Some(75), "stderr: {}", out.stderr);
    let first = sim.stats().total;
    assert!(first <= 60, "{first}");
    sim.reset_stats();
    env.set_config("[sync]\nrequests_per_window = 100000\n");
    let plan = plan_json(&env.run(&sim, &["plan", "--json"]).await);
    let probe = sim.stats().total;
    assert_eq!(plan["run"]["resumed"], true, "{plan:#}");
    assert_eq!(plan["total"]["exact"], true, "{plan:#}");
    sim.reset_stats();
    let out = env.run(&sim, &["sync"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let stats = sim.stats();
    for name in ["tracks", "playlists", "albums_saved"] {
        assert_eq!(
            requests(&plan, name),
            sent(&stats, name),
            "{name}: {plan:#} {stats:#?}"
        );
    }
    assert_eq!(stats.total, plan["total"]["requests"].as_u64().unwrap());
    // The probe asked only for the totals the database lacked (a list not started yet), not
    // for those of the lists the stopped run had read.
    assert!(
        (1..=2).contains(&probe),
        "{probe} requests for the unknown totals: {plan:#}"
    );
    let done: u64 = ["tracks", "playlists", "albums_saved"]
        .iter()
        .map(|n| requests(&plan, n))
        .sum();
    assert!(done < 45, "only the rest of the walk is left: {plan:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_status_json_carry_the_documented_fields() {
    let sim = start_sim(sim_options(300, SimMode::Dev)).await;
    let env = Env::new(100_000);
    env.set_config(
        "[sync]\nrequests_per_window = 100000\nmax_calls_per_day = 1800\n\
         [daemon]\nevery = \"30m\"\nplays_every = \"10m\"\n",
    );
    let plan = plan_json(&env.run(&sim, &["plan", "--json"]).await);
    for k in [
        "generated_at",
        "run",
        "phases",
        "total",
        "quota",
        "probe",
        "unknown",
        "probe_cost",
    ] {
        assert!(plan.get(k).is_some(), "{k}: {plan:#}");
    }
    for k in ["kind", "resumed", "run_id"] {
        assert!(plan["run"].get(k).is_some(), "run.{k}");
    }
    for p in plan["phases"].as_array().unwrap() {
        for k in [
            "phase", "class", "requests", "items", "exact", "basis", "note", "bulk", "eta_secs",
        ] {
            assert!(p.get(k).is_some(), "phases[].{k}: {p:#}");
        }
    }
    for k in ["requests", "bulk_requests", "exact", "eta_secs"] {
        assert!(
            plan["total"][k].is_number() || plan["total"][k].is_boolean(),
            "total.{k}"
        );
    }
    let q = &plan["quota"];
    assert_eq!(q["daily"], 1800);
    assert_eq!(q["source"], "configured");
    // 144 polls + 48 incremental syncs × 10 requests, capped at a third of the day; the polls
    // keep their proportion of it (600 × 144 / 624).
    assert_eq!(q["reserve"], 600);
    assert_eq!(q["history_reserve"], 138);
    assert_eq!(q["bulk_per_day"], 1200);
    let used = q["used_24h"].as_u64().unwrap();
    assert_eq!(used, sim.stats().total, "the probe's requests are counted");
    assert_eq!(q["room_now"].as_u64(), Some(1200 - used));
    assert_eq!(q["eta_assumed"], false);
    for k in [
        "observations",
        "polls_per_day",
        "syncs_per_day",
        "incremental_cost",
        "eta_daily",
        "eta_bulk_per_day",
    ] {
        assert!(q[k].is_number(), "quota.{k}: {q:#}");
    }
    assert_eq!(phase(&plan, "tracks")["class"], "mirror");
    assert_eq!(phase(&plan, "plays")["class"], "history");
    assert_eq!(phase(&plan, "plays")["bulk"], false);

    // `status` carries the plan in brief, and says it in words.
    let out = env.run(&sim, &["status", "--json"]).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let s = &v["plan"];
    assert_eq!(s["requests"], plan["total"]["requests"], "{v:#}");
    assert_eq!(s["eta_secs"], plan["total"]["eta_secs"]);
    assert_eq!(s["daily"], 1800);
    assert_eq!(s["source"], "configured");
    assert_eq!(s["reserve"], 600);
    assert_eq!(s["used_24h"].as_u64(), Some(used));
    let out = env.run(&sim, &["status"]).await;
    assert!(
        out.stdout.contains("Next sync (new full run): "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "Daily quota: 1,800 (max_calls_per_day in the config) · reserve 600 for plays polls"
        ),
        "{}",
        out.stdout
    );
}
