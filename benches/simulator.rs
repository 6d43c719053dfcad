//! Simulator figures: time and peak memory to generate a 100,000-track library, saved-track
//! pages served per second over keep-alive HTTP (two concurrent connections), and the time to
//! start a household of three users against one user of as many tracks.
//!
//! `cargo bench --bench simulator` (targets: < 2 s, < 300 MB, ≥ 5,000 pages/s on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use spotsync::cli::SimOptions;
use spotsync::simulator::generate::{GenParams, generate};
use spotsync::simulator::{SimConfig, start};

/// A field of /proc/self/status in MiB (Linux).
fn status_mib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time used by this process so far (user + system), from /proc/self/stat.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    // 1. Generation (first, so that the process's peak memory is the generator's).
    let before = status_mib("VmRSS:").unwrap_or(0.0);
    let t = Instant::now();
    let lib = generate(GenParams {
        seed: 42,
        tracks: 100_000,
        playlists: 20,
    });
    let gen_time = t.elapsed();
    let peak = status_mib("VmHWM:").unwrap_or(f64::NAN);
    println!(
        "generate 100,000 saved tracks: {:.3} s, peak RSS {:.1} MiB (RSS before {:.1} MiB); \
         {} tracks, {} albums, {} artists in the catalogue",
        gen_time.as_secs_f64(),
        peak,
        before,
        lib.tracks.len(),
        lib.albums.len(),
        lib.artists.len()
    );
    // Rendering alone (no HTTP): the server's share of a page.
    let ctx = spotsync::simulator::render::Ctx {
        lib: &lib,
        base: "http://127.0.0.1:8899/v1/",
        cdn: "http://127.0.0.1:8899/",
        extended: false,
        own: true,
    };
    let t = Instant::now();
    let cpu0 = cpu_secs();
    let mut n = 0u64;
    let mut size = 0usize;
    while t.elapsed() < Duration::from_secs(2) {
        let offset = (n as usize * 50) % 99_950;
        size += spotsync::simulator::fast::saved_page(&ctx, offset, 50).len();
        n += 1;
    }
    let cpu = cpu_secs() - cpu0;
    println!(
        "render saved-track pages (limit=50, no HTTP, one thread): {:.0} pages/s wall, \
         {:.0} pages per CPU-second ({:.1} KiB per page)",
        n as f64 / t.elapsed().as_secs_f64(),
        n as f64 / cpu,
        size as f64 / n as f64 / 1024.0
    );
    drop(lib);

    // 2. Saved-track pages over HTTP.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sim = start(
            SimConfig::new(SimOptions {
                tracks: 10_000,
                ..SimOptions::default()
            }),
            0,
        )
        .await
        .expect("simulator");
        let token = sim.issue_token();
        let pages = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicU64::new(0));
        let run = Duration::from_secs(4);
        let start_at = Instant::now();
        let cpu0 = cpu_secs();
        let mut tasks = Vec::new();
        for worker in 0..2u64 {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let url = sim.api_url();
            let token = token.clone();
            let pages = pages.clone();
            let bytes = bytes.clone();
            tasks.push(tokio::spawn(async move {
                let mut offset = worker * 50;
                while start_at.elapsed() < run {
                    let r = client
                        .get(format!("{url}me/tracks?limit=50&offset={offset}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("request");
                    assert!(r.status().is_success());
                    let body = r.bytes().await.expect("body");
                    bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                    pages.fetch_add(1, Ordering::Relaxed);
                    offset = (offset + 100) % 9_950;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let secs = start_at.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu0;
        let n = pages.load(Ordering::Relaxed);
        println!(
            "saved-track pages over HTTP (limit=50, 2 keep-alive connections): {:.0} pages/s \
             ({n} pages in {secs:.2} s, {:.1} KiB per page); client and server together used \
             {cpu:.2} CPU-s: {:.0} pages per CPU-second",
            n as f64 / secs,
            bytes.load(Ordering::Relaxed) as f64 / n.max(1) as f64 / 1024.0,
            n as f64 / cpu
        );
        sim.shutdown().await;

        // 3. A household: three users of 5,000, 20,000 and 500 saved tracks, started together,
        //    against one user of 25,500 (the same number of tracks to generate).
        let t = Instant::now();
        let one = start(
            SimConfig::new(SimOptions {
                tracks: 25_500,
                ..SimOptions::default()
            }),
            0,
        )
        .await
        .expect("simulator");
        let single = t.elapsed();
        one.shutdown().await;
        let t = Instant::now();
        let three = start(
            SimConfig::new(SimOptions {
                users: 3,
                user_tracks: vec![5_000, 20_000, 500],
                ..SimOptions::default()
            }),
            0,
        )
        .await
        .expect("simulator");
        let household = t.elapsed();
        println!(
            "start a household of 3 users (5,000 / 20,000 / 500 saved tracks): {:.3} s; one user \
             of 25,500: {:.3} s (ratio {:.2})",
            household.as_secs_f64(),
            single.as_secs_f64(),
            household.as_secs_f64() / single.as_secs_f64()
        );
        three.shutdown().await;
    });
}
