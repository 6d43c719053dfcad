//! The export merged with plays polled from the simulator over HTTP by the real binary: no play
//! doubled, none lost, gaps the export covers closed.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;
use spotsync::cli::SimOptions;
use spotsync::simulator::{self, RunningSim, SimConfig};

use crate::common::*;

async fn post(sim: &RunningSim, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// `spotsync sync --only plays` against `sim`, through the binary.
async fn poll(env: &Env, sim: &RunningSim, token: &str) {
    let out = env
        .cmd(&[
            "--api-url",
            &sim.api_url(),
            "--accounts-url",
            &sim.accounts_url(),
            "sync",
            "--only",
            "plays",
        ])
        .env("SPOTSYNC_ACCESS_TOKEN", token)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn api_times(env: &Env) -> BTreeSet<String> {
    let c = env.open();
    let mut st = c
        .prepare("SELECT api_played_at FROM plays WHERE api_played_at IS NOT NULL")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn import_zip(env: &Env, zip: &Path) -> serde_json::Value {
    let (code, summary, stderr) = env.import(&[zip]);
    assert_eq!(code, 0, "{stderr}");
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_merges_with_polled_plays_and_closes_the_gap() {
    let sim = simulator::start(
        SimConfig::new(SimOptions {
            tracks: 200,
            seed: 11,
            ..SimOptions::default()
        }),
        0,
    )
    .await
    .unwrap();
    let token = sim.issue_token();
    let env = Env::new();

    // The API shows the newest 50 plays; then 70 more arrive, of which a poll sees only 50:
    // a gap is recorded.
    poll(&env, &sim, &token).await;
    assert_eq!(env.by_source(), (50, 0, 0));
    post(&sim, "__sim/plays", json!({"count": 70})).await;
    poll(&env, &sim, &token).await;
    assert_eq!(env.by_source(), (100, 0, 0));
    assert_eq!(
        env.count("SELECT COUNT(*) FROM play_gaps WHERE closed_at IS NULL"),
        1
    );
    let polled = api_times(&env);
    assert_eq!(polled.len(), 100);
    let with_context = env.count("SELECT COUNT(*) FROM plays WHERE context_type IS NOT NULL");
    assert!(with_context > 50);

    // The account's data export holds every simulated play and older ones.
    let zip = env.path("my_spotify_data.zip");
    let export = sim.write_export_zip(&zip).unwrap();
    assert_eq!(export.api_plays, 150);
    let summary = import_zip(&env, &zip);

    // Every extended row is one play; each polled play merged with its row (none doubled, none
    // lost, each still with the API's exact played_at); account data merged with them too.
    let total = env.count("SELECT COUNT(*) FROM plays");
    assert_eq!(total, export.extended_rows as i64, "{summary:#}");
    assert_eq!(env.by_source(), (0, export.extended_rows as i64, 0));
    assert_eq!(api_times(&env), polled);
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE api_played_at IS NOT NULL
               AND extended_key IS NOT NULL AND played_at = api_played_at
               AND ended_at > api_played_at"
        ),
        100
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE context_type IS NOT NULL AND extended_key IS NOT NULL"
        ),
        with_context
    );
    assert_eq!(
        summary["merged"],
        100 + export.account_rows as i64,
        "{summary:#}"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE account_key IS NOT NULL"),
        export.account_rows as i64
    );
    // No two rows for one API play, one extended row or one account row.
    assert_eq!(
        env.count("SELECT COUNT(DISTINCT extended_key) FROM plays"),
        total
    );
    // The gap is closed, and status says so.
    assert_eq!(summary["gaps_closed"], 1);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM play_gaps WHERE closed_at IS NULL"),
        0
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM play_gaps WHERE closed_by = 'extended streaming history'"),
        1
    );
    let status = env.run(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("0 gap(s) open"), "{text}");
    assert!(!text.contains("may be missing"), "{text}");

    // Importing again, and polling again, add nothing.
    let again = import_zip(&env, &zip);
    assert_eq!(
        (again["added"].as_i64(), again["merged"].as_i64()),
        (Some(0), Some(0))
    );
    poll(&env, &sim, &token).await;
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), total);

    // New plays after the export: the poll adds them, and a later export merges with them.
    post(&sim, "__sim/plays", json!({"count": 5})).await;
    poll(&env, &sim, &token).await;
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), total + 5);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE source = 'api'"),
        5
    );
    let zip2 = env.path("my_spotify_data_2.zip");
    let export2 = sim.write_export_zip(&zip2).unwrap();
    let summary2 = import_zip(&env, &zip2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE source = 'api'"),
        0,
        "{summary2:#}"
    );
    assert_eq!(api_times(&env).len(), 105);
    // The second export is the first plus the five; its older plays are its own draw.
    let c = env.count("SELECT COUNT(*) FROM plays");
    assert!(
        c >= export2.extended_rows as i64,
        "{c} < {}",
        export2.extended_rows
    );
    sim.shutdown().await;
}

#[test]
fn simulate_writes_an_export_the_import_takes() {
    let env = Env::new();
    let zip = env.path("sim_export.zip");
    let mut child = std::process::Command::new(BIN)
        .args(["simulate", "--port", "0", "--tracks", "150", "--export-zip"])
        .arg(&zip)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("listening on "), "{line}");
    // The file is complete once the first line is out.
    let (code, summary, stderr) = env.import(&[&zip]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(code, 0, "{stderr}");
    let plays = env.count("SELECT COUNT(*) FROM plays");
    assert!(plays > 400, "{plays}");
    assert_eq!(summary["added"], plays);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE source = 'account'"),
        0
    );
    assert!(env.count("SELECT COUNT(*) FROM episodes") >= 1);
    assert!(!contains(
        &env.db_bytes(),
        spotsync::simulator::export_zip::PLANTED_IP
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_after_the_import_merges_into_the_imported_plays() {
    let sim = simulator::start(
        SimConfig::new(SimOptions {
            tracks: 120,
            seed: 3,
            ..SimOptions::default()
        }),
        0,
    )
    .await
    .unwrap();
    let env = Env::new();
    let zip = env.path("export.zip");
    let export = sim.write_export_zip(&zip).unwrap();
    import_zip(&env, &zip);
    let total = env.count("SELECT COUNT(*) FROM plays");
    assert_eq!(total, export.extended_rows as i64);
    assert_eq!(api_times(&env).len(), 0);

    // The first poll reads the newest 50 plays: each is already there, from the export.
    poll(&env, &sim, &sim.issue_token()).await;
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), total);
    assert_eq!(api_times(&env).len(), 50);
    assert_eq!(env.by_source(), (0, total, 0));
    let truth = sim.truth();
    let newest: Vec<String> = truth
        .plays
        .iter()
        .take(50)
        .map(|p| p.played_at.clone())
        .collect();
    assert_eq!(api_times(&env), newest.into_iter().collect::<BTreeSet<_>>());
    // The poll counted none of them as new, and recorded no gap.
    assert_eq!(env.count("SELECT COUNT(*) FROM play_gaps"), 0);
    assert_eq!(
        env.count("SELECT items_added FROM sync_history ORDER BY id DESC LIMIT 1"),
        0
    );
    sim.shutdown().await;
}
