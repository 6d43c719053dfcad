//! Import throughput for a generated 500,000-row extended streaming history (32 files shaped
//! like Spotify's), into a fresh database: rows per second, and the peak memory (VmHWM) of this
//! process, which runs the importer. Run: `cargo bench --bench import` (release).
//!
//! Aims: ≥ 200,000 rows/s, < 150 MB.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

#[path = "../tests/import/gen.rs"]
mod generate;

use std::time::Instant;

use spotsync_core::import::{self, ImportOptions};
use spotsync_core::store::Store;

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system, all threads) this process has used so far.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name (in parentheses): state, ppid, …; utime and stime are the 12th and
    // 13th of those.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(11) + field(12);
    ticks as f64 / 100.0
}

fn main() {
    let rows: u64 = std::env::var("IMPORT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    let t = Instant::now();
    let files = generate::write_history(&export, rows);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    eprintln!(
        "generated {rows} rows in {} files ({:.0} MB) in {:.1}s",
        files.len(),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let hwm_before = vm_hwm_kb();

    let db = dir.path().join("bench.db");
    let mut store = Store::open(&db).expect("open db");
    let t = Instant::now();
    let cpu = cpu_secs();
    let summary = import::import(
        &mut store,
        std::slice::from_ref(&export),
        &ImportOptions::default(),
        &mut |_| {},
    )
    .expect("import");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    assert_eq!(summary.added, rows, "{summary:?}");
    println!(
        "import: {rows} rows in {secs:.2} s = {:.0} rows/s ({:.0} MB/s of JSON)",
        rows as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    println!(
        "CPU time of the import (reader and writer threads): {cpu:.2} s = {:.0} rows per CPU-second; load average now {}",
        rows as f64 / cpu.max(0.01),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "peak memory (VmHWM): {:.1} MB (before the import: {:.1} MB)",
        vm_hwm_kb() as f64 / 1024.0,
        hwm_before as f64 / 1024.0
    );

    let t = Instant::now();
    let again = import::import(
        &mut store,
        std::slice::from_ref(&export),
        &ImportOptions::default(),
        &mut |_| {},
    )
    .expect("re-import");
    assert_eq!((again.added, again.known), (0, rows));
    println!(
        "re-import of the same export: 0 added in {:.2} s = {:.0} rows/s",
        t.elapsed().as_secs_f64(),
        rows as f64 / t.elapsed().as_secs_f64()
    );
    println!(
        "database: {:.0} MB",
        std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
}
