//! What the commands say when there is little to say: a fresh database, a limit of zero.

use crate::common::*;

#[test]
fn a_fresh_plan_says_its_total_is_a_floor_as_its_phases_do() {
    let home = Home::new();
    let run = home.run(&["plan", "--no-probe"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // Every list's total is unknown: each phase says "at least", and so does the total.
    assert!(run.stdout.contains("tracks: at least 1 request"), "{run:?}");
    let total = run
        .stdout
        .lines()
        .find(|l| l.starts_with("total: "))
        .unwrap_or_else(|| panic!("no total line: {run:?}"));
    assert!(total.starts_with("total: at least "), "{total}");

    let run = home.run(&["sync", "--dry-run"]);
    assert!(run.stdout.contains("total: at least "), "{run:?}");
    let run = home.run(&["status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("Next sync (new full run): at least "),
        "{run:?}"
    );
}

#[test]
fn a_limit_of_zero_is_a_usage_error_not_no_sync_yet() {
    let home = Home::new();
    for args in [
        &["history", "--limit", "0"][..],
        &["changes", "--limit", "0"],
    ] {
        let run = home.run(args);
        assert_no_panic(&run);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains("--limit"), "{args:?}: {run:?}");
        assert!(!run.stdout.contains("No sync yet"), "{args:?}: {run:?}");
    }
    let run = home.run(&["history", "--limit", "1"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}
