//! Exports made to hurt, through the real binary: a value of tens of megabytes, a zip of tens of
//! thousands of entries, a folder that links to itself, plays stamped in year 0 or 9999, and
//! Ctrl-C / SIGTERM at any point of an import.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use crate::common::*;

/// Wait for `child` at most `limit` (reading its output meanwhile); kill it and fail when it
/// takes longer.
fn wait_within(mut child: Child, limit: Duration, what: &str) -> Output {
    fn drain(
        pipe: Option<impl std::io::Read + Send + 'static>,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The largest resident set seen while `child` runs (sampled every 5 ms), and its output.
fn run_watching_memory(child: Child, limit: Duration) -> (Output, u64) {
    let status = format!("/proc/{}/status", child.id());
    let watcher = std::thread::spawn(move || {
        let mut peak_kb = 0u64;
        while let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        peak_kb
    });
    let out = wait_within(child, limit, "import");
    (out, watcher.join().unwrap())
}

fn zip_writer(path: &Path) -> zip::ZipWriter<std::fs::File> {
    zip::ZipWriter::new(std::fs::File::create(path).unwrap())
}

fn deflated() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true)
}

const GOOD_ROW: &str = r#"{"ts":"2021-05-01T10:00:00Z","ms_played":1000,
    "spotify_track_uri":"spotify:track:1111111111111111111111"}"#;

#[test]
fn a_value_of_64_mib_is_refused_while_parsing_and_named() {
    let env = Env::new();
    let zip = env.path("my_spotify_data.zip");
    let mut w = zip_writer(&zip);
    w.start_file("MyData/Streaming_History_Audio_2021_0.json", deflated())
        .unwrap();
    w.write_all(format!("[{GOOD_ROW},\n").as_bytes()).unwrap();
    w.write_all(br#"{"ts":"2021-05-01T10:05:00Z","master_metadata_track_name":""#)
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        w.write_all(&chunk).unwrap();
    }
    w.write_all(b"\"}]").unwrap();
    w.finish().unwrap();
    assert!(
        std::fs::metadata(&zip).unwrap().len() < 1 << 20,
        "a small zip"
    );

    let child = env
        .cmd(&["import", "--json", zip.to_str().unwrap()])
        .spawn()
        .unwrap();
    let (out, peak_kb) = run_watching_memory(child, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("Streaming_History_Audio_2021_0.json"))
        .unwrap_or_else(|| panic!("the file is named: {stderr}"));
    assert!(
        line.contains("row 2") && line.contains("line 3") && line.contains("KiB"),
        "names the row, where it is and the limit: {line}"
    );
    // The row before it is kept; the huge one is not stored, nor held in memory.
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), 1);
    assert!(
        std::fs::metadata(&env.db).unwrap().len() < 4 << 20,
        "the database stays small"
    );
    assert!(
        peak_kb < 150 * 1024,
        "peak memory {} MB while reading a 64 MiB value",
        peak_kb / 1024
    );
}

#[test]
fn a_long_value_refuses_its_row_only_counted_and_named() {
    let env = Env::new();
    let dir = env.path("export");
    std::fs::create_dir_all(&dir).unwrap();
    let long = "x".repeat(40_000);
    let rows = format!(
        r#"[{GOOD_ROW},
{{"ts":"2021-05-01T10:05:00Z","ms_played":1,"master_metadata_track_name":"{long}"}},
{{"ts":"2021-05-01T10:09:00Z","ms_played":2,"spotify_track_uri":"spotify:track:2222222222222222222222"}}]"#
    );
    std::fs::write(dir.join("Streaming_History_Audio_2021_0.json"), rows).unwrap();
    let (code, summary, stderr) = env.import(&[&dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["added"], 2, "{summary:#}");
    assert_eq!(summary["refused"], 1, "{summary:#}");
    let why = summary["files"][0]["refusals"][0].as_str().unwrap();
    assert!(why.contains("row 2") && why.contains("KiB"), "{why}");
    assert_eq!(
        env.count("SELECT MAX(LENGTH(COALESCE(track_name, ''))) FROM plays"),
        0
    );
}

/// A zip of `n` export-named entries, each an empty array.
fn many_entries(path: &Path, n: usize) {
    let mut w = zip_writer(path);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..n {
        w.start_file(format!("MyData/Streaming_History_Audio_{i}.json"), opts)
            .unwrap();
        w.write_all(b"[]").unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn a_zip_of_30000_entries_is_read_in_linear_time() {
    let env = Env::new();
    let zip = env.path("many.zip");
    many_entries(&zip, 30_000);
    // Read in quadratic time (each entry reopening the archive) this takes minutes; in linear
    // time, seconds even in a debug build.
    let child = env
        .cmd(&["import", "--json", zip.to_str().unwrap()])
        .spawn()
        .unwrap();
    let out = wait_within(child, Duration::from_secs(90), "30,000 entries");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), 30_000);
}

/// Start `import PATH`, wait until it opens the database (its lock file appears: the signal
/// handlers are in place by then), let it work `after`, send `signal`; the exit status, within
/// 20 s.
fn stop_import(env: &Env, path: &Path, signal: &str, after: Duration) -> Output {
    let lock = {
        let mut p = env.db.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    };
    // Left by the imports before (no spotsync holds it now).
    let _ = std::fs::remove_file(&lock);
    let child = env
        .cmd(&["import", "--json", path.to_str().unwrap()])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock.exists() {
        assert!(
            Instant::now() < deadline,
            "the import never opened the database"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(after);
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    wait_within(child, Duration::from_secs(20), signal)
}

#[test]
fn ctrl_c_and_sigterm_stop_an_import_at_any_point_with_130() {
    let env = Env::new();
    // A first import creates the database.
    let seed = env.path("seed");
    std::fs::create_dir_all(&seed).unwrap();
    std::fs::write(
        seed.join("Streaming_History_Audio_0.json"),
        format!("[{GOOD_ROW}]"),
    )
    .unwrap();
    assert_eq!(env.import(&[&seed]).0, 0);

    // While entries that hold no rows are read (nothing to commit, nothing to check between
    // batches), and right at the start.
    let zip = env.path("many.zip");
    many_entries(&zip, 100_000);
    for (signal, after) in [
        ("-INT", Duration::from_millis(300)),
        ("-TERM", Duration::from_millis(300)),
        ("-INT", Duration::ZERO),
    ] {
        let out = stop_import(&env, &zip, signal, after);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(130),
            "{signal} after {after:?}: {stderr}"
        );
        assert!(stderr.contains("interrupted"), "{stderr}");
        // Nothing half-written: the database is whole and holds what was committed.
        let check: String = env
            .open()
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        assert_eq!(env.count("SELECT COUNT(*) FROM plays"), 1);
    }
}

#[test]
fn a_folder_that_links_to_itself_is_read_once() {
    let env = Env::new();
    let dir = env.path("MyData");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Streaming_History_Audio_2021_0.json"),
        format!("[{GOOD_ROW}]"),
    )
    .unwrap();
    for i in 0..5 {
        std::os::unix::fs::symlink(".", dir.join(format!("loop{i}"))).unwrap();
    }
    std::os::unix::fs::symlink(&dir, env.path("again")).unwrap();
    std::os::unix::fs::symlink(
        dir.join("Streaming_History_Audio_2021_0.json"),
        dir.join("Streaming_History_Audio_2021_1.json"),
    )
    .unwrap();
    let child = env
        .cmd(&[
            "import",
            "--json",
            dir.to_str().unwrap(),
            env.path("again").to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let out = wait_within(child, Duration::from_secs(60), "a folder of loops");
    assert_eq!(out.status.code(), Some(0));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = summary["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "one file, read once: {summary:#}");
    assert_eq!(summary["rows"], 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), 1);
}

#[test]
fn plays_stamped_in_implausible_years_are_refused_counted_and_named() {
    let env = Env::new();
    let dir = env.path("MyData");
    std::fs::create_dir_all(&dir).unwrap();
    let t = |ts: &str, n: u32| {
        format!(
            r#"{{"ts":"{ts}","ms_played":1000,"spotify_track_uri":"spotify:track:{n}111111111111111111111"}}"#
        )
    };
    std::fs::write(
        dir.join("Streaming_History_Audio_2021_0.json"),
        format!(
            "[{},\n{},\n{},\n{}]",
            t("0000-01-01T00:00:00Z", 1),
            t("2021-05-01T10:00:00Z", 2),
            t("9999-12-31T23:59:59Z", 3),
            t("1970-01-01T00:00:00Z", 4)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("StreamingHistory_music_0.json"),
        r#"[{"endTime":"0001-01-01 00:00","artistName":"A","trackName":"B","msPlayed":1},
            {"endTime":"2021-05-02 10:00","artistName":"A","trackName":"B","msPlayed":1}]"#,
    )
    .unwrap();
    let (code, summary, stderr) = env.import(&[&dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["added"], 2, "{summary:#}");
    assert_eq!(summary["refused"], 4, "{summary:#}");
    let audio = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "extended audio")
        .unwrap();
    let named = audio["refusals"].to_string();
    for what in [
        "row 1",
        "0000-01-01",
        "row 3",
        "9999-12-31",
        "row 4",
        "1970-01-01",
    ] {
        assert!(named.contains(what), "{what} in {named}");
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), 2);
    let out = env.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 plays from 2021-05-01 to 2021-05-02"),
        "{text}"
    );
    // The people-readable summary says it too.
    let out = env.run(&["import", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 refused"), "{text}");
}
