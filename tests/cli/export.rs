//! `spotsync export` with bad input: a date past the calendar the database writes, an output
//! path that cannot be written, and the mode of the files it writes.

use std::path::Path;

use crate::common::*;

/// A home with a database synced from a simulated library.
async fn synced_home() -> (spotsync::simulator::RunningSim, Home) {
    let sim = start_sim(40).await;
    let home = Home::with_sim(&sim);
    let token = sim.issue_token();
    let home = tokio::task::spawn_blocking(move || {
        let mut c = home.command(&["sync"]);
        c.env("SPOTSYNC_ACCESS_TOKEN", token);
        let run = finish(c);
        assert_eq!(run.code, Some(0), "{run:?}");
        home
    })
    .await
    .unwrap();
    (sim, home)
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_past_the_year_9999_is_refused_not_an_empty_export() {
    let (sim, home) = synced_home().await;
    tokio::task::spawn_blocking(move || {
        let now = home.run(&["export", "liked", "--format", "csv", "--out", "now"]);
        assert_eq!(now.code, Some(0), "{now:?}");
        let liked = lines(&home.dir.path().join("now/playlists/Liked Songs.csv"));
        assert!(liked > 10, "{liked} lines");

        // The last day the database can name exports everything there is…
        let last = home.run(&[
            "export",
            "liked",
            "--format",
            "csv",
            "--out",
            "last",
            "--as-of",
            "9999-12-31",
        ]);
        assert_eq!(last.code, Some(0), "{last:?}");
        assert_eq!(
            lines(&home.dir.path().join("last/playlists/Liked Songs.csv")),
            liked
        );

        // …and a date past it is a usage error, not an export of nothing.
        for date in [
            "+10000-01-01",
            "+10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-00:01",
            "-0001-06-01",
        ] {
            let as_of = format!("--as-of={date}");
            let run = home.run(&[
                "export", "liked", "--format", "csv", "--out", "past", &as_of,
            ]);
            assert_no_panic(&run);
            assert_eq!(run.code, Some(2), "{date}: {run:?}");
            assert!(
                run.stderr.contains("--as-of") && run.stderr.contains("9999-12-31"),
                "{date}: {run:?}"
            );
            assert!(!home.dir.path().join("past").exists(), "{date}");
        }
        // `changes --since` reads dates the same way.
        let run = home.run(&["changes", "--since", "+10000-01-01"]);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(run.stderr.contains("--since"), "{run:?}");
    })
    .await
    .unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_error_says_its_cause_once() {
    let (sim, home) = synced_home().await;
    tokio::task::spawn_blocking(move || {
        std::fs::write(home.dir.path().join("a-file"), b"not a directory").unwrap();
        let run = home.run(&["export", "--format", "csv", "--out", "a-file"]);
        assert_no_panic(&run);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(run.stderr.contains("a-file"), "{run:?}");
        assert_eq!(
            run.stderr.matches("os error").count(),
            1,
            "the cause is said once: {run:?}"
        );
    })
    .await
    .unwrap();
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_files_follow_the_umask() {
    let (sim, home) = synced_home().await;
    tokio::task::spawn_blocking(move || {
        for (umask, want) in [("022", 0o644), ("002", 0o664), ("077", 0o600)] {
            let out = format!("out-{umask}");
            let args = ["export", "--format", "csv,json,m3u8", "--out", out.as_str()];
            let run = finish(home.command_after(&format!("umask {umask}"), &args));
            assert_eq!(run.code, Some(0), "{run:?}");
            let dir = home.dir.path().join(&out);
            let mut n = 0;
            let mut dirs = vec![dir];
            while let Some(dir) = dirs.pop() {
                for e in std::fs::read_dir(&dir).unwrap() {
                    let path = e.unwrap().path();
                    if path.is_dir() {
                        // Folders get the umask's directory mode (0777 less it).
                        assert_eq!(
                            mode(&path),
                            want | ((want & 0o444) >> 2),
                            "umask {umask}: {}",
                            path.display()
                        );
                        dirs.push(path);
                        continue;
                    }
                    assert_eq!(mode(&path), want, "umask {umask}: {}", path.display());
                    n += 1;
                }
            }
            assert!(n > 3, "{n} files");
        }
    })
    .await
    .unwrap();
    sim.shutdown().await;
}
