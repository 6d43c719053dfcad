use std::collections::HashMap;

use super::*;
use crate::restore::model::Item;

fn saved(ids: &[&str]) -> Vec<Saved> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| Saved {
            id: id.to_string(),
            added_at: Some(format!("2026-01-{:02}T00:00:00Z", i + 1)),
        })
        .collect()
}

fn track(id: &str) -> Item {
    Item {
        kind: "track".into(),
        uri: Some(format!("spotify:track:{id}")),
        name: None,
        track_id: Some(id.into()),
    }
}

fn playlist(id: &str, items: &[&str]) -> PlaylistState {
    PlaylistState {
        id: id.into(),
        name: Some(format!("P {id}")),
        description: None,
        public: Some(false),
        collaborative: Some(false),
        owner_id: Some("me".into()),
        owned: true,
        items: Some(items.iter().map(|t| track(t)).collect()),
        snapshot_id: None,
        cover: None,
    }
}

fn state(liked: &[&str], playlists: Vec<PlaylistState>) -> LibraryState {
    LibraryState {
        kinds: Kind::ALL.to_vec(),
        liked: saved(liked),
        playlists,
        ..LibraryState::default()
    }
}

#[test]
fn saved_lists_go_back_oldest_first_in_batches_of_40_and_extras_stay() {
    let ids: Vec<String> = (0..85).map(|i| format!("t{i:03}")).collect();
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    let target = state(&all, vec![]);
    let now = state(&["t000", "x1", "x2"], vec![]);
    let none: HashMap<(String, String), String> = HashMap::new();
    let d = diff(&target, &now, &none, &Selection::default(), "2026-01-31");
    let liked = &d.lists[0];
    assert_eq!(liked.add.len(), 84);
    assert_eq!(liked.add[0].id, "t001", "oldest first");
    assert_eq!((liked.requests, liked.extra), (3, 2));
    assert!(liked.remove.is_empty(), "never removed by default");
    let exact = Selection {
        exact_order: true,
        remove_extra: true,
        ..Selection::default()
    };
    let d = diff(&target, &now, &none, &exact, "2026-01-31");
    assert_eq!(d.lists[0].requests, 84 + 1);
    assert_eq!(d.lists[0].remove, vec!["x1", "x2"]);
}

#[test]
fn playlists_roll_back_recreate_copy_and_a_created_one_is_found_again() {
    let target = state(&[], vec![playlist("a", &["1", "2"]), playlist("b", &["3"])]);
    let mut b_now = playlist("b", &["3"]);
    b_now.name = Some("renamed".into());
    let mut now = state(&[], vec![b_now]);
    let none: HashMap<(String, String), String> = HashMap::new();
    let sel = Selection::default();
    let d = diff(&target, &now, &none, &sel, "2026-01-31");
    let by: HashMap<&str, &PlaylistDiff> = d
        .playlists
        .iter()
        .map(|p| (p.target.id.as_str(), p))
        .collect();
    assert_eq!(by["a"].action, Action::Recreate);
    assert_eq!((by["b"].action, by["b"].details), (Action::RollBack, true));
    assert_eq!(by["b"].items, None, "items equal: not written");

    // A playlist an earlier apply created for "a" (found by its marker): rolled back, not
    // created again.
    let mut created = playlist("new", &["1", "2"]);
    created.name = Some("P a".into());
    created.description = Some(marker("a", ""));
    now.playlists.push(created);
    let d = diff(&target, &now, &none, &sel, "2026-01-31");
    let a = d.playlists.iter().find(|p| p.target.id == "a").unwrap();
    assert_eq!(a.action, Action::RollBack);
    assert_eq!(a.current.as_ref().unwrap().id, "new");
    assert!(a.details, "its marker goes");

    // As copies: a new "NAME (restored DATE)" for what differs.
    let copies = Selection {
        as_copy: true,
        ..Selection::default()
    };
    let now = state(&[], vec![playlist("a", &["2", "1"])]);
    let d = diff(&target, &now, &none, &copies, "2026-01-31");
    let a = d.playlists.iter().find(|p| p.target.id == "a").unwrap();
    assert_eq!(a.action, Action::Copy);
    assert_eq!(a.name.as_deref(), Some("P a (restored 2026-01-31)"));
    assert_eq!(a.requests, 3, "create, items, details");
}
