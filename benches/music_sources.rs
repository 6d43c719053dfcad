//! The export's two outside sources, timed:
//!
//! - `--music-dir` indexing: a generated library of tagged audio files (MP3, FLAC, Ogg, M4A in
//!   turn; 50,000 by default, `SPOTSYNC_BENCH_FILES` to change), indexed by
//!   `MusicIndex::build`, against a baseline that only walks the same folder and reads each
//!   file's first 4 KiB;
//! - MusicBrainz resolution: ISRCs looked up against the simulated MusicBrainz at the real
//!   pace (one request a second; `SPOTSYNC_BENCH_ISRCS`, default 10): requests per second,
//!   which must stay at or under 1.
//!
//! `cargo bench --bench music_sources`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/export/audio.rs"]
mod audio;

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use spotsync_core::export::music_dir::MusicIndex;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn generate(dir: &Path, n: usize) {
    let kinds = [
        audio::Kind::Mp3,
        audio::Kind::Flac,
        audio::Kind::Ogg,
        audio::Kind::M4a,
    ];
    for i in 0..n {
        let kind = kinds[i % 4];
        let path = dir
            .join(format!("Artist {}", i / 500))
            .join(format!("Album {}", i / 12))
            .join(format!("{i:05} Track.{}", kind.ext()));
        let isrc = (i % 3 == 0).then(|| format!("QZBEN26{i:05}"));
        audio::write(
            &path,
            kind,
            120.0 + (i % 200) as f64,
            &format!("Artist {}", i / 500),
            &format!("Track {i}"),
            isrc.as_deref(),
        );
    }
}

fn raw_walk(dir: &Path) -> usize {
    let mut n = 0;
    let mut buf = [0u8; 4096];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += raw_walk(&p);
        } else {
            let mut f = std::fs::File::open(&p).unwrap();
            let _ = f.read(&mut buf).unwrap();
            n += 1;
        }
    }
    n
}

fn music_dir() {
    let n = env_usize("SPOTSYNC_BENCH_FILES", 50_000);
    let tmp = tempfile::tempdir().unwrap();
    let t = Instant::now();
    generate(tmp.path(), n);
    println!(
        "generated {n} tagged files in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let walked = raw_walk(tmp.path());
    let base = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let index = MusicIndex::build(tmp.path()).unwrap();
    let took = t.elapsed().as_secs_f64();
    assert_eq!(index.len(), n);
    assert_eq!(walked, n);
    println!(
        "music-dir index: {n} files in {took:.2} s ({:.0} files/s); baseline walk + 4 KiB read \
         {base:.2} s; ratio {:.1}x",
        n as f64 / took,
        took / base
    );
}

fn musicbrainz() {
    let n = env_usize("SPOTSYNC_BENCH_ISRCS", 10);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sim = spotsync_sim::start(spotsync_sim::SimConfig::default(), 0)
            .await
            .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("mb.db");
        drop(spotsync::store::Store::open(&db).unwrap());
        let c = rusqlite::Connection::open(&db).unwrap();
        for i in 0..n {
            let id = format!("t{i}");
            c.execute(
                "INSERT INTO tracks (id, name, isrc) VALUES (?1, 'x', ?2)",
                [&id, &format!("QZBEN26{i:05}")],
            )
            .unwrap();
            c.execute(
                "INSERT INTO saved_tracks (track_id, added_at) VALUES (?1, '2026-01-01T00:00:00Z')",
                [&id],
            )
            .unwrap();
        }
        drop(c);
        let config =
            spotsync_core::musicbrainz::MbConfig::new(Some(&sim.base_url()), None, None).unwrap();
        let client = spotsync_core::musicbrainz::MbClient::new(config).unwrap();
        let t = Instant::now();
        let s = spotsync_core::musicbrainz::resolve(
            &db,
            &client,
            false,
            None,
            |_| {},
            tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap();
        let secs = t.elapsed().as_secs_f64();
        // N requests start at N-1 intervals: the pace is (N-1) over the time they took.
        let rate = s.progress.requests.saturating_sub(1) as f64 / secs;
        println!(
            "musicbrainz: {} requests in {secs:.2} s = {rate:.3} requests/s (limit 1.000); {} \
             found, {} unknown",
            s.progress.requests, s.progress.found, s.progress.not_found
        );
        assert!(rate <= 1.0, "over MusicBrainz's limit");
        sim.shutdown().await;
    });
}

fn main() {
    musicbrainz();
    music_dir();
}
