//! Import time against a naive Python loader on the same files: generated extended streaming
//! histories of 250,000 and 500,000 rows (shaped like the real exports, 16,000 rows per file),
//! each imported into a fresh database by `benches/import_naive.py` (`json.load` per file +
//! `executemany` of 13 columns into one table with one unique key) and by spotsync's importer,
//! alternately, several rounds. Prints both times, the ratio (aim: ≤ 0.5), the CPU time and the
//! peak memory of this process (which runs the importer), and a re-import.
//!
//! Run: `cargo bench --bench import`. `IMPORT_BENCH_ROWS=100000,300000` picks the sizes,
//! `IMPORT_BENCH_ROUNDS=5` the rounds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may fail loudly

#[path = "../tests/import/gen.rs"]
mod generate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use spotsync_core::import::{self, ImportOptions};
use spotsync_core::store::Store;

const NAIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/import_naive.py");

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

/// CPU seconds (user + system) that `stat` (a `/proc/…/stat` file) counts.
fn cpu_secs_of(stat: &str) -> f64 {
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    // After the command name (in parentheses): state, ppid, …; utime and stime are the 12th and
    // 13th of those.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(11) + field(12);
    ticks as f64 / 100.0
}

/// CPU seconds of the children this process has waited for.
fn children_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (field(13) + field(14)) as f64 / 100.0
}

/// CPU seconds of this process so far (all threads, those ended too), and of this thread.
fn cpu_secs() -> (f64, f64) {
    (
        cpu_secs_of("/proc/self/stat"),
        cpu_secs_of("/proc/thread-self/stat"),
    )
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// The naive loader on `files` into a fresh `db`: seconds, CPU seconds, rows stored.
fn naive(db: &Path, files: &[PathBuf]) -> (f64, f64, u64) {
    remove_db(db);
    let cpu = children_cpu_secs();
    let t = Instant::now();
    let out = Command::new("python3")
        .arg(NAIVE)
        .arg(db)
        .args(files)
        .output()
        .expect("run python3 (the baseline needs it)");
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (secs, children_cpu_secs() - cpu, rows)
}

/// What one import of spotsync took.
struct Run {
    secs: f64,
    /// CPU seconds of the writer (this thread: SQLite) and of the reader thread (parsing).
    writer_cpu: f64,
    reader_cpu: f64,
    added: u64,
}

/// spotsync's importer on `dir` into a fresh `db`.
fn spotsync(db: &Path, dir: &Path) -> Run {
    remove_db(db);
    // Timed as the naive loader is: from creating the database to closing it.
    let cpu = cpu_secs();
    let t = Instant::now();
    let mut store = Store::open(db).expect("open db");
    let summary = import::import(
        &mut store,
        &[dir.to_path_buf()],
        &ImportOptions::default(),
        &mut |_| {},
    )
    .expect("import");
    // Closing checkpoints what the write-ahead log still holds: part of the import's time.
    drop(store);
    let secs = t.elapsed().as_secs_f64();
    let (all, this) = cpu_secs();
    Run {
        secs,
        writer_cpu: this - cpu.1,
        reader_cpu: (all - cpu.0) - (this - cpu.1),
        added: summary.added,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(dir: &Path, rows: u64, rounds: usize) {
    let export = dir.join(format!("export-{rows}"));
    let t = Instant::now();
    let files = generate::write_history(&export, rows);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "\n{rows} rows in {} files ({:.0} MB of JSON), generated in {:.1} s",
        files.len(),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let db = dir.join("bench.db");
    let (mut py, mut rs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let load_before = load();
        let (p, p_cpu, stored) = naive(&db, &files);
        assert_eq!(stored, rows, "the naive loader stored every row");
        let run = spotsync(&db, &export);
        assert_eq!(run.added, rows, "spotsync stored every row");
        let r = run.secs;
        println!(
            "  round {round}: naive Python {p:6.2} s (CPU {p_cpu:.2} s)   spotsync {r:6.2} s \
             ({:.0} rows/s; CPU: writer {:.2} s, reader {:.2} s)   ratio {:.2}   (load \
             {load_before})",
            rows as f64 / r,
            run.writer_cpu,
            run.reader_cpu,
            r / p
        );
        py.push(p);
        rs.push(r);
        ratios.push(r / p);
    }
    let (p, r, ratio) = (median(&mut py), median(&mut rs), median(&mut ratios));
    println!(
        "{rows} rows, median of {rounds}: naive Python {p:.2} s, spotsync {r:.2} s \
         ({:.0} rows/s, {:.0} MB/s of JSON): ratio {ratio:.2} (aim ≤ 0.50; best round {:.2})",
        rows as f64 / r,
        bytes as f64 / 1e6 / r,
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
    );

    let mut store = Store::open(&db).expect("open db");
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
        "re-import of the same export: 0 added in {:.2} s = {:.0} rows/s; database {:.0} MB",
        t.elapsed().as_secs_f64(),
        rows as f64 / t.elapsed().as_secs_f64(),
        std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
    drop(store);
    remove_db(&db);
    let _ = std::fs::remove_dir_all(&export);
}

fn main() {
    let sizes: Vec<u64> = std::env::var("IMPORT_BENCH_ROWS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![250_000, 500_000]);
    let rounds: usize = std::env::var("IMPORT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let hwm = vm_hwm_kb();
    for rows in sizes {
        bench(dir.path(), rows, rounds);
    }
    println!(
        "\npeak memory (VmHWM) of this process: {:.1} MB (before the first import: {:.1} MB)",
        vm_hwm_kb() as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}
