//! End to end: `spotsync demo` in tmux, synced, then the Library (`2`): `/` and part of a track
//! name the simulator generated narrows the list to it, `Enter` shows the playlists it is in;
//! `e` exports the liked songs into `./spotsync-export` and says where; `3` draws the statistics.

use std::collections::HashSet;
use std::time::Duration;

use crate::e2e::{sim_json, sim_url};
use crate::tmux::{Tmux, tmux_available};

/// A liked track in a playlist the demo can read, with a part of its name that no other liked
/// track's name contains; and that playlist's name.
fn pick_track(truth: &serde_json::Value) -> Option<(String, String, String)> {
    let tracks: std::collections::HashMap<&str, &serde_json::Value> = truth["tracks"]
        .as_array()?
        .iter()
        .filter_map(|t| Some((t["id"].as_str()?, t)))
        .collect();
    let saved: Vec<&str> = truth["saved_tracks"]
        .as_array()?
        .iter()
        .filter_map(|s| s["track_id"].as_str())
        .collect();
    let saved_set: HashSet<&str> = saved.iter().copied().collect();
    let names: Vec<String> = saved
        .iter()
        .filter_map(|id| tracks.get(id)?["name"].as_str())
        .map(str::to_lowercase)
        .collect();
    for pl in truth["playlists"].as_array()? {
        if !(pl["followed"].as_bool()? && pl["items_readable_in_dev"].as_bool()?) {
            continue;
        }
        for item in pl["items"].as_array()? {
            let Some(id) = item["id"].as_str().filter(|_| item["type"] == "track") else {
                continue;
            };
            if !saved_set.contains(id) {
                continue;
            }
            let name = tracks.get(id)?["name"].as_str()?.to_string();
            if !name.is_ascii() || name.chars().count() < 6 {
                continue;
            }
            // Part of the name: all but its last character.
            let part: String = name.chars().take(name.chars().count() - 1).collect();
            let lower = part.to_lowercase();
            if names.iter().filter(|n| n.contains(&lower)).count() == 1 {
                return Some((name, part, pl["name"].as_str()?.to_string()));
            }
        }
    }
    None
}

#[test]
fn demo_library_filter_detail_and_stats() {
    let _serial = crate::serial();
    if !tmux_available() {
        eprintln!(
            "\n!!! SKIPPED: tmux is not installed; the Library end-to-end test did not run.\n"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("spotsync-browse-e2e-{}", std::process::id()),
    };
    tmux.start_small_demo(home.path(), 100, 30);
    let screen = tmux.wait_for("the demo screen", Duration::from_secs(30), |s| {
        s.contains("DEMO") && s.contains("press s") || s.contains("SPOTSYNC_EXIT")
    });
    let url = sim_url(&screen).unwrap_or_else(|| panic!("no simulator URL:\n{screen}"));
    let truth = sim_json(&url, "GET", "/__sim/library", "");
    let (name, part, playlist) =
        pick_track(&truth).unwrap_or_else(|| panic!("no liked track in a readable playlist"));

    tmux.keys(&["s"]);
    tmux.wait_for("the sync to finish", Duration::from_secs(120), |s| {
        s.contains("Sync finished")
    });

    // 2: the Library, on Liked songs.
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("the liked songs", Duration::from_secs(20), |s| {
        s.contains("[2 Library]") && s.contains(" rows · by recently added")
    });
    assert!(!screen.contains("No liked songs"), "{screen}");

    // /, then part of the name: the list narrows, the track first.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &part]);
    let screen = tmux.wait_for("the list to narrow", Duration::from_secs(20), |s| {
        s.contains(&format!("/ {part}")) && s.contains(" of ")
    });
    let first_row = screen
        .lines()
        .skip_while(|l| !l.starts_with("Title"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        first_row.starts_with(&name),
        "the track is not first after filtering by {part:?}:\n{screen}"
    );

    // Enter keeps the filter; Enter again opens the detail: its playlists are listed.
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the detail pane", Duration::from_secs(20), |s| {
        s.contains("playlist position(s)")
    });
    assert!(
        screen.contains(&playlist),
        "the detail of {name:?} does not list {playlist:?}:\n{screen}"
    );
    assert!(screen.contains("ISRC"), "{screen}");

    // Esc closes the detail, Esc clears the filter; e exports the liked songs, off the screen's
    // thread, into ./spotsync-export, and the message line says where.
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["e"]);
    let screen = tmux.wait_for("the export", Duration::from_secs(20), |s| {
        s.contains("Wrote ") || s.contains("failed")
    });
    let file = home.path().join("spotsync-export").join("Liked Songs.csv");
    assert!(
        screen.contains("Liked Songs.csv (the liked songs, "),
        "{screen}"
    );
    let csv = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}\n{screen}"));
    assert!(csv.starts_with("\"Track URI\",\"Track Name\","), "{csv}");
    let saved = truth["saved_tracks"].as_array().map_or(0, Vec::len);
    assert!(
        saved > 0 && screen.contains(&format!("(the liked songs, {saved} items)")),
        "{saved} liked:\n{screen}"
    );

    // 3: the statistics are drawn.
    tmux.keys(&["3"]);
    let screen = tmux.wait_for("the stats screen", Duration::from_secs(20), |s| {
        s.contains("Plays per day") && s.contains("History coverage")
    });
    assert!(screen.contains("[3 Stats]"), "{screen}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the app to exit", Duration::from_secs(30), |s| {
        s.contains("SPOTSYNC_EXIT")
    });
    assert!(screen.contains("SPOTSYNC_EXIT=0"), "{screen}");
}
