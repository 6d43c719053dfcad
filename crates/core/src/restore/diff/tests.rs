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

#[test]
fn from_another_account_its_own_playlists_are_created_and_others_followed() {
    // The other account's own "a" (which this account follows) and "b", and "s", someone
    // else's it follows.
    let mut s = playlist("s", &["9"]);
    s.owned = false;
    s.owner_id = Some("spotify".into());
    let target = state(
        &["t1"],
        vec![playlist("a", &["1", "2"]), playlist("b", &[]), s],
    );
    let mut followed = playlist("a", &["1", "2"]);
    followed.owned = false;
    let now = state(&[], vec![followed, playlist("mine", &["5"])]);
    let from = Selection {
        from: Some("a".into()),
        ..Selection::default()
    };
    let none: HashMap<(String, String), String> = HashMap::new();
    let d = diff(&target, &now, &none, &from, "2026-01-31");
    let action = |id: &str| {
        d.playlists
            .iter()
            .find(|p| p.target.id == id)
            .map(|p| p.action)
    };
    assert_eq!(
        action("a"),
        Some(Action::Create),
        "created even though followed"
    );
    assert_eq!(action("b"), Some(Action::Create));
    assert_eq!(action("s"), Some(Action::Follow));
    let a = d.playlists.iter().find(|p| p.target.id == "a").unwrap();
    assert_eq!(a.name.as_deref(), Some("P a"), "its own name");
    assert_eq!(a.requests, 3, "create, items, details");
    assert_eq!(d.extra_playlists, vec!["P a", "P mine"], "kept");
    assert_eq!(d.lists[0].add.len(), 1);

    // Once created (recorded, its marker gone), the copy is what is compared: nothing left.
    let mut made = playlist("new", &["1", "2"]);
    made.name = Some("P a".into());
    let mut made_b = playlist("new_b", &[]);
    made_b.name = Some("P b".into());
    let mut s_now = playlist("s", &["9"]);
    s_now.owned = false;
    let now = state(&["t1"], vec![made, made_b, s_now]);
    let created: HashMap<(String, String), String> = [
        (("a".to_string(), String::new()), "new".to_string()),
        (("b".to_string(), String::new()), "new_b".to_string()),
    ]
    .into();
    let d = diff(&target, &now, &created, &from, "2026-01-31");
    assert!(d.is_empty(), "{d:?}");
}
