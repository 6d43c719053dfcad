//! End to end: `spotsync demo` in tmux imports the simulated account's data export before the
//! app opens, so the Stats screen shows years of plays before any sync: the coverage spans
//! them, tab shows a year in review, and the Library's Plays tab lists the imported plays.

use std::time::Duration;

use crate::tmux::{Tmux, tmux_available};

/// The figure after `label` on the coverage line that starts with it (`extended 1,024 days`).
fn figure(screen: &str, label: &str) -> Option<u64> {
    let line = screen.lines().find_map(|l| {
        l.find(&format!(" {label} "))
            .map(|i| l[i + label.len() + 1..].trim_start().to_string())
    })?;
    line.split_whitespace()
        .next()?
        .replace(',', "")
        .parse()
        .ok()
}

/// The year of the coverage line `label` (`first    2023-11-02`: padded, unlike "last 90 days").
fn year(screen: &str, label: &str) -> Option<i32> {
    let line = screen.lines().find_map(|l| {
        l.find(&format!(" {label}  "))
            .map(|i| l[i + label.len() + 1..].trim_start().to_string())
    })?;
    line.get(..4)?.parse().ok()
}

#[test]
fn the_demo_opens_with_years_of_imported_plays() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!("\n!!! SKIPPED: tmux is not installed; the demo history test did not run.\n");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("spotsync-demo-history-{}", std::process::id()),
    };
    tmux.start_small_demo(home.path(), 120, 50);
    tmux.wait_for("the demo screen", Duration::from_secs(60), |s| {
        s.contains("DEMO") && s.contains("press s") || s.contains("SPOTSYNC_EXIT")
    });

    // 3: the statistics of the imported history, before any sync.
    tmux.keys(&["3"]);
    let screen = tmux.wait_for("the stats screen", Duration::from_secs(30), |s| {
        s.contains("History coverage") && s.contains(" extended ")
    });
    let days = figure(&screen, "extended").unwrap_or_else(|| panic!("{screen}"));
    assert!(days > 2 * 365, "years of days with plays: {days}\n{screen}");
    let (first, last) = (year(&screen, "first"), year(&screen, "last"));
    assert!(
        matches!((first, last), (Some(f), Some(l)) if l - f >= 2),
        "{first:?} … {last:?}\n{screen}"
    );
    assert!(!screen.contains("no plays in this period"), "{screen}");

    // tab: the latest year in review, then ← the year before it.
    tmux.keys(&["Tab"]);
    let screen = tmux.wait_for("the year in review", Duration::from_secs(30), |s| {
        s.contains(" in review") && s.contains("minutes listened")
    });
    assert!(screen.contains("longest streak"), "{screen}");
    tmux.keys(&["Left"]);
    let earlier = tmux.wait_for("the year before", Duration::from_secs(30), |s| {
        s.contains(&format!("{} in review", last.unwrap_or_default() - 1))
    });
    assert!(earlier.contains("busiest day"), "{earlier}");
    assert!(!earlier.contains("no plays in this period"), "{earlier}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("SPOTSYNC_EXIT")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}
