//! The tolerant models against odd and arbitrary JSON (property tests) and well-formed items
//! (round trips).

use super::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn odd_playlist_entries_are_typed_not_fatal() {
    let page: Page = serde_json::from_value(json!({
        "items": [
            {"added_at": null, "added_by": null, "is_local": false, "item": null},
            {"added_at": "2020-01-01T00:00:00Z", "is_local": true,
             "item": {"id": null, "uri": "spotify:local:a:b:c:120", "name": "c", "type": "track"}},
            {"added_at": "2020-01-01T00:00:00Z", "track": {"id": "e1", "type": "episode",
             "uri": "spotify:episode:e1", "name": "ep"}},
            null,
            42
        ],
        "total": 5
    }))
    .unwrap();
    let items: Vec<Option<PlaylistEntry>> = page.parse_items();
    assert_eq!(items.len(), 5);
    assert!(items[0].as_ref().unwrap().playable().is_none());
    assert!(
        items[1]
            .as_ref()
            .unwrap()
            .playable()
            .unwrap()
            .is_local_file()
    );
    assert!(items[2].as_ref().unwrap().playable().unwrap().is_episode());
    assert!(items[3].is_none());
    assert!(items[4].is_none());
}

/// What the recordings of the real API carry (`real-world/api/`): an adder named `""`
/// (exportify, ofarukaydin), album types in upper case (zmb3, 2017), a relinked track
/// (ccleung, `market=ES`).
#[test]
fn recorded_quirks_read_as_what_they_mean() {
    let e: PlaylistEntry = serde_json::from_value(json!({
        "added_at": "2020-11-08T22:12:50Z",
        "added_by": {"id": "", "type": "user", "uri": "spotify:user:"},
        "is_local": false, "track": null
    }))
    .unwrap();
    assert_eq!(
        e.added_by.unwrap().id,
        None,
        "an unknown adder, not one named \"\""
    );
    let a: Album = serde_json::from_value(json!({"id": "a", "album_type": "SINGLE"})).unwrap();
    assert_eq!(a.album_type.as_deref(), Some("single"));
    let t: Playable = serde_json::from_value(json!({
        "id": "6VblKxa3SBincDG9bBsaNj", "uri": "spotify:track:6VblKxa3SBincDG9bBsaNj",
        "linked_from": {"id": "6fmTgT8i42Pcs9lFwpthpF",
                        "uri": "spotify:track:6fmTgT8i42Pcs9lFwpthpF", "type": "track"},
        "is_playable": true, "type": "track"
    }))
    .unwrap();
    assert_eq!(t.library_id(), Some("6fmTgT8i42Pcs9lFwpthpF"));
    assert_eq!(
        t.library_uri(),
        Some("spotify:track:6fmTgT8i42Pcs9lFwpthpF")
    );
    // Not relinked: its own id.
    let t: Playable =
        serde_json::from_value(json!({"id": "x1", "uri": "spotify:track:x1"})).unwrap();
    assert_eq!(
        (t.library_id(), t.library_uri()),
        (Some("x1"), Some("spotify:track:x1"))
    );
}

#[test]
fn playlist_without_items_key() {
    let p: Playlist = serde_json::from_value(json!({"id": "p", "name": "x"})).unwrap();
    assert_eq!(p.total_items(), None);
    let p: Playlist =
        serde_json::from_value(json!({"id": "p", "tracks": {"href": "h", "total": 3}})).unwrap();
    assert_eq!(p.total_items(), Some(3));
}

#[test]
fn absurd_fields_lose_the_field_not_the_item() {
    let t: Playable = serde_json::from_value(json!({
        "id": "../../me", "name": 5, "duration_ms": -3, "popularity": 1000,
        "track_number": "7", "disc_number": 1.0, "explicit": "yes",
        "album": "nope", "artists": [{"id": "a1", "name": "A"}, 42, null],
        "external_ids": [], "is_local": null
    }))
    .unwrap();
    assert_eq!(t.id, None);
    assert_eq!(t.name, None);
    assert_eq!(t.duration_ms, None);
    assert_eq!(t.popularity, None);
    assert_eq!(t.track_number, None);
    assert_eq!(t.disc_number, Some(1));
    assert_eq!(t.explicit, None);
    assert!(t.album.is_none());
    assert_eq!(t.artists.len(), 3);
    assert_eq!(t.artists[0].id.as_deref(), Some("a1"));
    assert_eq!(t.artists[1], Artist::default());

    let page: Page = serde_json::from_value(json!({
        "items": [], "total": -1, "offset": "x", "limit": 1e300, "next": 7
    }))
    .unwrap();
    assert_eq!(
        (page.total, page.offset, page.limit, page.next),
        (None, None, None, None)
    );
    let page: Page = serde_json::from_value(json!({"items": [], "total": u64::MAX})).unwrap();
    assert_eq!(page.total, None);
    // A listing without items is unreadable, not an empty last page.
    assert!(serde_json::from_value::<Page>(json!({"total": 5})).is_err());
    assert!(serde_json::from_value::<Page>(json!({"items": null})).is_err());
    assert!(serde_json::from_value::<CursorPage>(json!({})).is_err());
    assert!(serde_json::from_value::<Albums>(json!({"albums": 3})).is_err());

    let s: SavedTrack =
        serde_json::from_value(json!({"added_at": "last tuesday", "track": {"id": "t"}})).unwrap();
    assert_eq!(s.added_at, None);
    assert_eq!(s.track.unwrap().id.as_deref(), Some("t"));
    let p: Play =
        serde_json::from_value(json!({"played_at": "2024-05-01T14:34:56.789+02:00", "context": 3}))
            .unwrap();
    assert_eq!(p.played_at.as_deref(), Some("2024-05-01T12:34:56.789Z"));
    assert!(p.context.is_none());
}

/// Any JSON value, with object keys biased to the models' field names.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        Just(Value::from("2020-01-01T00:00:00Z")),
        Just(Value::from("4uLU6hMCjMI75M1A2tKUQC")),
    ];
    let key = prop_oneof![
        prop::sample::select(vec![
            "items",
            "total",
            "limit",
            "offset",
            "next",
            "cursors",
            "after",
            "id",
            "name",
            "type",
            "uri",
            "is_local",
            "album",
            "artists",
            "duration_ms",
            "explicit",
            "disc_number",
            "track_number",
            "external_ids",
            "popularity",
            "show",
            "added_at",
            "added_by",
            "item",
            "track",
            "played_at",
            "context",
            "genres",
            "images",
            "followers",
            "owner",
            "tracks",
            "albums",
            "total_tracks",
            "height",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn id() -> impl Strategy<Value = String> {
    "[0-9A-Za-z]{22}"
}

fn time() -> impl Strategy<Value = String> {
    (0i64..4_000_000_000, any::<bool>()).prop_map(|(s, ms)| {
        let t = chrono::DateTime::from_timestamp(s, 0).unwrap_or_default();
        let f = if ms {
            chrono::SecondsFormat::Millis
        } else {
            chrono::SecondsFormat::Secs
        };
        t.to_rfc3339_opts(f, true)
    })
}

fn artist() -> impl Strategy<Value = Artist> {
    (
        opt(id()),
        opt(".{0,20}"),
        opt(prop::collection::vec(".{0,8}", 0..3)),
        opt(0i64..=100),
        opt(0i64..=MAX_FOLLOWERS),
    )
        .prop_map(|(id, name, genres, popularity, followers)| Artist {
            uri: id.as_ref().map(|i| format!("spotify:artist:{i}")),
            id,
            name,
            genres,
            images: None,
            popularity,
            followers: followers.map(|t| Followers { total: Some(t) }),
        })
}

fn album() -> impl Strategy<Value = Album> {
    (
        opt(id()),
        opt(".{0,20}"),
        opt(0i64..=MAX_SMALL),
        prop::collection::vec(artist(), 0..3),
        opt(0i64..=100),
        opt("[0-9]{12}"),
    )
        .prop_map(|(id, name, total_tracks, artists, popularity, upc)| Album {
            id,
            name,
            album_type: Some("album".into()),
            release_date: Some("1999-04-01".into()),
            release_date_precision: Some("day".into()),
            total_tracks,
            artists,
            popularity,
            external_ids: upc.map(|u| ExternalIds {
                upc: Some(u),
                ..ExternalIds::default()
            }),
            ..Album::default()
        })
}

fn playable() -> impl Strategy<Value = Playable> {
    (
        opt(id()),
        opt(".{0,30}"),
        opt(album()),
        prop::collection::vec(artist(), 0..3),
        opt(0i64..=MAX_DURATION_MS),
        opt(any::<bool>()),
        opt(0i64..=MAX_SMALL),
        opt(0i64..=100),
    )
        .prop_map(
            |(id, name, album, artists, duration_ms, explicit, track_number, popularity)| {
                Playable {
                    uri: id.as_ref().map(|i| format!("spotify:track:{i}")),
                    id,
                    name,
                    kind: Some("track".into()),
                    album,
                    artists,
                    duration_ms,
                    explicit,
                    track_number,
                    disc_number: Some(1),
                    popularity,
                    ..Playable::default()
                }
            },
        )
}

fn round_trip<T>(v: &T) -> Result<(), TestCaseError>
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_value(json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        let text = v.to_string();
        // Ok or Err, never a panic, from a value and from text alike.
        macro_rules! each {
            ($($t:ty),*) => {$(
                let _ = serde_json::from_value::<$t>(v.clone());
                let _ = serde_json::from_str::<$t>(&text);
            )*};
        }
        each!(Page, CursorPage, Playable, SavedTrack, Playlist, PlaylistEntry, Me, Albums,
              Artists, Play, Album, Artist);
        if let Ok(page) = serde_json::from_value::<Page>(v.clone()) {
            prop_assert!(page.total.is_none_or(|t| t <= lenient::MAX_PAGING));
            for e in page.parse_items::<PlaylistEntry>().into_iter().flatten() {
                if let Some(p) = e.playable() {
                    prop_assert!(p.duration_ms.is_none_or(|d| (0..=MAX_DURATION_MS).contains(&d)));
                    prop_assert!(p.id.as_deref().is_none_or(lenient::is_id));
                }
                prop_assert!(e.added_at.as_deref().is_none_or(|t| t.ends_with('Z')));
            }
            let _ = page.parse_items::<SavedTrack>();
            let _ = page.parse_items::<Playlist>().iter().flatten().map(Playlist::total_items).count();
        }
    }

    #[test]
    fn well_formed_items_round_trip(
        track in playable(),
        added_at in opt(time()),
        played_at in opt(time()),
        total in opt(0u64..=lenient::MAX_PAGING),
        playlist_id in opt(id()),
    ) {
        round_trip(&track)?;
        round_trip(&SavedTrack { added_at: added_at.clone(), track: Some(track.clone()) })?;
        round_trip(&Play {
            played_at,
            track: Some(track.clone()),
            context: Some(PlayContext { kind: Some("album".into()), uri: None }),
        })?;
        let entry = PlaylistEntry {
            added_at,
            added_by: Some(UserRef { id: Some("someone.1".into()), display_name: None }),
            is_local: Some(false),
            item: Some(serde_json::to_value(&track).unwrap_or_default()),
            track: None,
        };
        round_trip(&entry)?;
        prop_assert_eq!(entry.playable(), Some(track.clone()));
        round_trip(&Playlist {
            id: playlist_id,
            items: Some(ItemsRef { href: None, total }),
            ..Playlist::default()
        })?;
        round_trip(&Page {
            items: vec![serde_json::to_value(&entry).unwrap_or_default(), Value::Null],
            total,
            limit: Some(50),
            offset: total,
            next: None,
        })?;
    }
}
