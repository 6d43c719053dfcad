//! `spotsync simulate` as users run it: first stdout line, serving, clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use spotsync::simulator::{LibraryTruth, Stats};

#[tokio::test]
async fn simulate_binary_prints_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotsync"))
        .args(["simulate", "--port", "0", "--tracks", "120", "--seed", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spotsync simulate starts");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .expect("first line");
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );

    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/__sim/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let page: serde_json::Value = http
        .get(format!("{base}/v1/me/tracks?limit=50"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 120);
    let truth: LibraryTruth = http
        .get(format!("{base}/__sim/library"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth.saved_tracks.len(), 120);
    // Same seed, same library as in-process.
    let inproc = spotsync::simulator::start(
        spotsync::simulator::SimConfig::new(spotsync::simulator::SimOptions {
            tracks: 120,
            seed: 5,
            playlists: 20,
            ..Default::default()
        }),
        0,
    )
    .await
    .expect("simulator starts");
    assert_eq!(inproc.truth(), truth);
    inproc.shutdown().await;
    let stats: Stats = http
        .get(format!("{base}/__sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats.total, 1);
    assert_eq!(stats.endpoint("GET /v1/me/tracks"), 1);

    // SIGTERM stops it cleanly with exit code 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("spotsync simulate did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
}
