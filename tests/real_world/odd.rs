//! The odd entries the recordings carry, one by one, as the mirror must hold them (the values
//! below were read from the recordings themselves; `SOURCES.md` names each).

use spotsync::cli::SimMode;
use spotsync::store::browse::{Answer, Query, Tab, run};

use crate::replay::{Synced, full_sync, ids, rows, strings};

fn row(s: &Synced, sql: &str) -> Vec<Option<String>> {
    let mut all = rows(&s.env.open(), sql);
    assert_eq!(all.len(), 1, "{sql}: {all:?}");
    all.remove(0)
}

fn text(v: &[&str]) -> Vec<Option<String>> {
    v.iter()
        .map(|s| (!s.is_empty()).then(|| s.to_string()))
        .collect()
}

/// exportify's odd pages of the account's own playlist, and the entries recorded without a
/// playlist, in the one playlist a Development Mode app may read.
fn own_playlist(s: &Synced) {
    let c = s.env.open();
    let items = |from: i64, to: i64| {
        rows(
            &c,
            &format!(
                "SELECT position, item_type, COALESCE(track_id, episode_id), added_at, added_by
                 FROM playlist_items WHERE playlist_id = '4XOGDpHMrVoH33uJEwHWU5'
                   AND position BETWEEN {from} AND {to} ORDER BY position"
            ),
        )
    };
    let one = "7ATyvp3TmYBmGW7YuC8DJ3";
    assert_eq!(
        items(0, 8),
        vec![
            // The same track twice, at two positions with two dates.
            text(&["0", "track", one, "2020-11-03T15:19:04Z", "watsonbox"]),
            text(&[
                "1",
                "track",
                "0FNanBLvmFEDyD75Whjj52",
                "2020-11-03T15:19:04Z",
                "watsonbox"
            ]),
            text(&["2", "track", one, "2020-11-20T15:19:04Z", "watsonbox"]),
            // `track: null`, added by `""`: an unavailable item, by nobody known (NULL, not '').
            text(&["3", "unavailable", "", "2020-11-08T22:12:50Z", ""]),
            // Two local files: no id, kept by their URI and name.
            text(&[
                "4",
                "local",
                "",
                "2021-02-24T06:12:40Z",
                "u8ins5esg43wtxk4h66o5d1nb"
            ]),
            text(&[
                "5",
                "local",
                "",
                "2021-02-24T06:12:40Z",
                "u8ins5esg43wtxk4h66o5d1nb"
            ]),
            // A podcast episode sent as a track-shaped object (`type: "episode"`, its show as
            // an album): an episode, not a track.
            text(&[
                "6",
                "episode",
                "4IBGQd8aV4j6WGqGOjdJmE",
                "2024-12-14T13:23:53Z",
                "31rhaare4k4nkr5bngqyiiz4bq6a",
            ]),
            // An entry of 2013 from the old `/users/{id}/playlists/{id}/tracks` path.
            text(&[
                "7",
                "track",
                "0ktyIiKtDZS71pIykdHZ08",
                "2013-08-21T15:10:32Z",
                "wizzler"
            ]),
            // Spotify's own local-file example: `is_local` only on the entry.
            text(&["8", "local", "", "2015-01-25T07:51:45Z", "exampleuser"]),
        ]
    );
    assert_eq!(
        strings(
            &c,
            "SELECT uri FROM playlist_items WHERE item_type = 'local' ORDER BY position"
        ),
        vec![
            "spotify:local:The+Waymores:Heart+of+Stone:Heart+of+Stone:128",
            "spotify:local:Charlie+Marie:Heard+It+Through+The+Red+Wine:Heard+It+Through+The+Red+Wine:227",
            "spotify:local:David+Wise:Donkey+Kong+Country%3A+Tropical+Freeze:Snomads+Island:127",
        ]
    );
    // Neither a local file nor the episode became a catalog track.
    assert!(
        ids(
            &c,
            "SELECT id FROM tracks WHERE id = '4IBGQd8aV4j6WGqGOjdJmE'"
        )
        .is_empty()
    );
    assert!(ids(&c, "SELECT id FROM tracks WHERE uri LIKE 'spotify:local:%'").is_empty());
}

/// ccleung's market-relinked saved tracks (`linked_from`) are kept under the ids the user
/// saved, not the stand-ins; so are the 13 relinked tracks of spotify-dart's "Nine Track
/// Mind", and zmb3's top track that stands in for two releases is two tracks.
fn relinked(s: &Synced) {
    let c = s.env.open();
    let pairs = [
        ("6fmTgT8i42Pcs9lFwpthpF", "6VblKxa3SBincDG9bBsaNj"),
        ("00ImpwH9YWMFit6vJWGnXB", "51bI7iI1JBaxV9zBulCKKq"),
        ("03wDiasOhgq9TMSIPskGr4", "5X5Jo5oZ00JDSUk8MFqV3s"),
        ("1KK0AkECJmxXlJetTYS3xE", "1mKXfxIOA7eQQJ844OFm7L"),
        ("50kpGaPAhYJ3sGmk6vplg0", "3hB5DgAiMAQ4DzYbsMq1IT"),
        ("6lanRgr6wXibZr8KgzXxBl", "6z5Yh7kOKeLjqIsNdokIpU"),
    ];
    let saved = ids(
        &c,
        "SELECT track_id FROM saved_tracks WHERE removed_at IS NULL",
    );
    let tracks = ids(&c, "SELECT id FROM tracks");
    for (original, stand_in) in pairs {
        assert!(saved.contains(original), "{original} saved");
        assert!(
            !tracks.contains(stand_in),
            "{stand_in} is a stand-in, not a track"
        );
        let uri = row(
            s,
            &format!("SELECT uri FROM tracks WHERE id = '{original}'"),
        );
        assert_eq!(uri, text(&[&format!("spotify:track:{original}")]));
    }
    let nine = strings(
        &c,
        "SELECT track_id FROM album_tracks WHERE album_id = '5Nwsra93UQYJ6xxcjcE10x'
         ORDER BY position",
    );
    assert_eq!(nine.len(), 13);
    assert_eq!(
        &nine[..2],
        ["37R0bQOQj5a7DOqh1TGzvB", "3qonjOrhFCfTnaaMruHzxW"]
    );
    let long_term = |rank: u32| {
        row(
            s,
            &format!(
                "SELECT id FROM top_items WHERE kind = 'track' AND time_range = 'long_term'
                   AND rank = {rank}"
            ),
        )
    };
    // zmb3's ranks 2 and 13 (after chekos' 50): one stand-in `3Q3myFA7q4Op95DOpHplaY`.
    assert_eq!(long_term(52), text(&["6CUBgX8bXC5YQCkdgRHqyg"]));
    assert_eq!(long_term(63), text(&["3sTCfUmYXSVWDacTd6uMbQ"]));
}

/// jwilsson's `/me/audiobooks` (2026): bare audiobooks, stored with no `added_at` and listed
/// in the order first seen.
fn audiobooks(s: &Synced) {
    let c = s.env.open();
    assert_eq!(
        rows(
            &c,
            "SELECT b.id, s.added_at, s.first_position, b.name, b.authors, b.narrators,
                    b.total_chapters, b.uri
             FROM saved_audiobooks s JOIN audiobooks b ON b.id = s.audiobook_id
             ORDER BY s.first_position"
        ),
        vec![
            text(&[
                "5zv24ErpU3fmPU1SVuCmHC",
                "",
                "0",
                "The Restaurant at the End of the Universe",
                "[\"Douglas Adams\"]",
                "[\"Martin Freeman\"]",
                "36",
                "spotify:show:5zv24ErpU3fmPU1SVuCmHC",
            ]),
            text(&[
                "7491iWykMaMXfKV72lNDf6",
                "",
                "1",
                "Life, the Universe and Everything",
                "[\"Douglas Adams\"]",
                "[\"Martin Freeman\"]",
                "36",
                "spotify:show:7491iWykMaMXfKV72lNDf6",
            ]),
        ]
    );
    let tab = match run(&s.env.db, &Query::Tab(Tab::Audiobooks)).unwrap() {
        Answer::Rows(_, rows) => rows.into_iter().map(|r| r.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(tab, ["5zv24ErpU3fmPU1SVuCmHC", "7491iWykMaMXfKV72lNDf6"]);
}

/// Saved albums carry their track lists; a recording its author cut short (spotify-web-api-java:
/// 2 of 13 tracks; jwilsson: 1 of 12) keeps what was recorded, and the album is not asked for
/// the rest again.
fn album_lists(s: &Synced) {
    let list = |id: &str| {
        row(
            s,
            &format!(
                "SELECT tracks_total, tracks_next, tracks_error,
                        (SELECT COUNT(*) FROM album_tracks WHERE album_id = a.id)
                 FROM albums a WHERE id = '{id}'"
            ),
        )
    };
    assert_eq!(list("4OTAx9un4e6NfoHuVRiOrC"), text(&["20", "", "", "20"]));
    assert_eq!(list("6rIbiUMmZJfqJRnXhVxFvg"), text(&["13", "", "", "13"]));
    assert_eq!(
        list("5m4VYOPoIpkV0XgOiRKkWC"),
        text(&["13", "", "not_found", "2"])
    );
    assert_eq!(
        list("7ggEMmVTUloqdMw18rv0ve"),
        text(&["12", "", "not_found", "1"])
    );
    // Only those two asked for a page past their first.
    assert_eq!(s.sim.stats().endpoint("GET /v1/albums/{id}/tracks"), 2);
    // Upper-case album types of 2017 (`ALBUM`, `SINGLE`) are stored as Spotify spells them
    // now.
    let c = s.env.open();
    let types = ids(
        &c,
        "SELECT DISTINCT album_type FROM albums WHERE album_type IS NOT NULL",
    );
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["album", "compilation", "single"]
    );
}

/// Follows across three cursor pages; shows without `total_episodes`; artists whose
/// `followers.total` is null or 0; episodes recorded oldest first; Spotify's playlist with
/// `public: null`.
fn lists(s: &Synced) {
    let c = s.env.open();
    assert_eq!(s.sim.stats().endpoint("GET /v1/me/following"), 3);
    assert_eq!(
        ids(&c, "SELECT artist_id FROM followed_artists").len(),
        22,
        "20 + 1 + 1 follows"
    );
    assert_eq!(
        row(
            s,
            "SELECT total_episodes FROM shows WHERE id = '3eVlgrnLC9fDRyTZMtTg88'"
        ),
        text(&[""])
    );
    assert_eq!(
        row(
            s,
            "SELECT followers FROM artists WHERE id = '6J6yx1t3nwIDyPXk5xa7O8'"
        ),
        text(&[""]),
        "followers.total: null is unknown"
    );
    assert_eq!(
        row(
            s,
            "SELECT followers FROM artists WHERE id = '5NXHXK6hOCotCF8lvGM1I0'"
        ),
        text(&["0"])
    );
    assert_eq!(
        rows(
            &c,
            "SELECT episode_id, added_at FROM saved_episodes ORDER BY added_at DESC"
        ),
        vec![
            text(&["7rlqqMHZLSsZewJFhlelXd", "2023-09-26T00:10:30Z"]),
            text(&["7H0fhjEd7ImnED3Iab4RI8", "2023-09-26T00:10:20Z"]),
            text(&["0nrJxkuCUzLgYsXfD4s8Um", "2021-02-24T14:13:23Z"]),
        ]
    );
    assert_eq!(
        row(
            s,
            "SELECT public FROM playlists WHERE id = '37i9dQZF1DX8mBRYewE6or'"
        ),
        text(&[""])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_odd_entries_of_the_recordings_are_stored_as_they_should_be() {
    let Some(s) = full_sync(SimMode::Dev).await else {
        return;
    };
    assert_eq!(s.out.code, Some(0), "stderr: {}", s.out.stderr);
    own_playlist(&s);
    relinked(&s);
    audiobooks(&s);
    album_lists(&s);
    lists(&s);
}

/// With Extended Quota, the playlists of others: JMPerez's "Mola" (2012: `added_by: null`, no
/// `is_local`), rspotify's 2026 playlist (`item` and `track` both), ofarukaydin's Spotify
/// playlist (`added_by.id: ""`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_extended_quota_the_playlists_of_others_keep_their_odd_entries() {
    let Some(s) = full_sync(SimMode::Extended).await else {
        return;
    };
    assert_eq!(s.out.code, Some(0), "stderr: {}", s.out.stderr);
    let c = s.env.open();
    let summary = |id: &str| {
        row(
            &s,
            &format!(
                "SELECT COUNT(*), COUNT(added_by), MIN(added_at), MAX(added_at),
                        SUM(item_type = 'track')
                 FROM playlist_items WHERE playlist_id = '{id}'"
            ),
        )
    };
    assert_eq!(
        summary("4vHIKV7j4QcZwgzGQcZg1x"),
        text(&[
            "30",
            "0",
            "2012-04-25T13:57:43Z",
            "2012-06-30T18:36:44Z",
            "30"
        ])
    );
    assert_eq!(
        rows(
            &c,
            "SELECT item_type, track_id, added_by FROM playlist_items
             WHERE playlist_id = '3cEYpjA9oz9GiPac4AsH4n'"
        ),
        vec![text(&["track", "4rzfv0JLZfVhOhbSQ8o5jZ", "jmperezperez"])]
    );
    let kacip = summary("37i9dQZF1EaeJwctBM0wak");
    assert_eq!(
        (kacip[0].as_deref(), kacip[1].as_deref()),
        (Some("30"), Some("0"))
    );
}
