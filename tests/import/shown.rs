//! Imported history where people look for it: the Library's Plays and Liked tabs and the Stats
//! screen's figures, read by the browser's queries (`store::browse::run`) on a database the
//! real binary imported an export into, beside a catalog that describes some of its tracks.

use serde_json::json;
use spotsync::store::browse::{self, Answer, Period, Query, Row, Stats, Tab};

use crate::common::*;

/// An extended row of music.
fn song(ts: &str, id: &str, track: &str, artist: &str, album: &str) -> serde_json::Value {
    json!({
        "ts": ts, "ms_played": 200_000, "conn_country": "DE", "platform": "linux",
        "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": album,
        "spotify_track_uri": format!("spotify:track:{id}"),
        "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false,
        "skipped": false, "offline": false, "incognito_mode": false
    })
}

/// An account data row of music (no id).
fn account(end: &str, track: &str, artist: &str) -> serde_json::Value {
    json!({"endTime": end, "artistName": artist, "trackName": track, "msPlayed": 180_000})
}

/// A database with an imported export of 2024: `0000000000000000000001` ("Known Song", which the
/// catalog describes as by "Sigur Rós" on "Ágætis byrjun", and which is liked) played 3 times
/// in the extended history and twice in account data; "Other Song" by "sigur rós" (the
/// export's spelling) 2 times; "Lonely" by "Nobody Else" 1 time; one podcast episode.
fn imported() -> Env {
    let env = Env::new();
    let dir = env.path("export");
    std::fs::create_dir_all(&dir).unwrap();
    let known = "0000000000000000000001";
    let other = "0000000000000000000002";
    let lonely = "0000000000000000000003";
    let extended = json!([
        song("2024-03-01T10:00:00Z", known, "Known Song", "Sigur Ros", "Agaetis"),
        song("2024-03-02T10:00:00Z", known, "Known Song", "Sigur Ros", "Agaetis"),
        song("2024-03-03T10:00:00Z", known, "Known Song", "Sigur Ros", "Agaetis"),
        song("2024-03-03T11:00:00Z", other, "Other Song", "sigur rós", "Takk..."),
        song("2024-03-04T11:00:00Z", other, "Other Song", "sigur  rós", "Takk..."),
        song("2024-03-05T11:00:00Z", lonely, "Lonely", "Nobody Else", "Alone"),
        {
            "ts": "2024-03-06T09:00:00Z", "ms_played": 600_000,
            "episode_name": "An Episode", "episode_show_name": "A Show",
            "spotify_episode_uri": "spotify:episode:0000000000000000000009"
        }
    ]);
    std::fs::write(
        dir.join("Streaming_History_Audio_2024.json"),
        extended.to_string(),
    )
    .unwrap();
    // Account data of other days (not the same plays as the extended rows).
    let acc = json!([
        account("2024-02-10 08:00", "Known Song", "Sigur Rós"),
        account("2024-02-11 08:00", "KNOWN SONG", "sigur Rós"),
    ]);
    std::fs::write(dir.join("StreamingHistory_music_0.json"), acc.to_string()).unwrap();
    let (code, summary, stderr) = env.import(&[&dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed"], 0, "{summary:#}");
    // The catalog a sync would have mirrored: the known track, its artist and album, liked.
    let c = rusqlite::Connection::open(&env.db).unwrap();
    c.execute_batch(&format!(
        "INSERT INTO artists (id, name, genres) VALUES ('a1', 'Sigur Rós', '[]');
         INSERT INTO albums (id, name, release_date) VALUES ('al1', 'Ágætis byrjun', '1999-06-12');
         UPDATE tracks SET album_id = 'al1' WHERE id = '{known}';
         INSERT INTO track_artists (track_id, artist_id, position) VALUES ('{known}', 'a1', 0);
         INSERT INTO saved_tracks (track_id, added_at) VALUES ('{known}', '2024-01-01T00:00:00Z');"
    ))
    .unwrap();
    env
}

fn rows(env: &Env, tab: Tab) -> Vec<Row> {
    match browse::run(&env.db, &Query::Tab(tab)).unwrap() {
        Answer::Rows(_, rows) => rows,
        other => panic!("{other:?}"),
    }
}

fn stats(env: &Env, period: Option<Period>) -> Stats {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let q = Query::Stats {
        today,
        period,
        offset_minutes: 0,
    };
    match browse::run(&env.db, &q).unwrap() {
        Answer::Stats(s) => *s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_plays_tab_shows_the_exports_names_for_a_track_the_catalog_does_not_describe() {
    let env = imported();
    let plays = rows(&env, Tab::Plays);
    let lonely = plays.iter().find(|r| r.name == "Lonely").unwrap();
    assert_eq!(
        (lonely.artist.as_str(), lonely.album.as_str()),
        ("Nobody Else", "Alone")
    );
    // The catalog's names where it describes the track.
    let known = plays.iter().find(|r| r.name == "Known Song").unwrap();
    assert_eq!(
        (known.artist.as_str(), known.album.as_str()),
        ("Sigur Rós", "Ágætis byrjun")
    );
    // Account data names the track and the artist, no album.
    let named = plays.iter().find(|r| r.name == "KNOWN SONG").unwrap();
    assert_eq!(named.artist, "sigur Rós", "{plays:#?}");
    let episode = plays.iter().find(|r| r.name == "An Episode").unwrap();
    assert_eq!(episode.artist, "A Show");
}

#[test]
fn the_liked_tab_counts_imported_plays_by_id_and_by_name() {
    let env = imported();
    let liked = rows(&env, Tab::Liked);
    assert_eq!(liked.len(), 1);
    assert_eq!(
        liked[0].plays, 5,
        "3 extended by id, 2 account by name: {liked:?}"
    );
}

#[test]
fn stats_open_on_the_latest_month_with_plays_and_count_one_artist_per_name() {
    let env = imported();
    let s = stats(&env, None);
    assert_eq!(
        s.period,
        Some(Period::Month {
            year: 2024,
            month: 3
        })
    );
    assert_eq!(s.latest, s.period);
    assert_eq!(
        s.today,
        chrono::NaiveDate::from_ymd_opt(2024, 3, 6),
        "the chart ends at the latest play"
    );
    assert!(s.per_day.iter().sum::<u64>() >= 7, "{:?}", s.per_day);
    // The catalog's artist (3 plays) and the export's two spellings of it (2 plays) are one.
    assert_eq!(
        s.top_artists,
        vec![("Sigur Rós".to_string(), 5), ("Nobody Else".to_string(), 1)]
    );
    assert_eq!(s.top_tracks[0], ("Known Song · Sigur Rós".to_string(), 3));
    assert_eq!(
        s.top_albums[0],
        ("Ágætis byrjun · Sigur Rós".to_string(), 3)
    );
    assert!(
        s.top_albums
            .contains(&("Alone · Nobody Else".to_string(), 1))
    );
    assert!(s.review.is_none());

    // All time: the account plays of February too.
    let all = stats(&env, Some(Period::All));
    assert_eq!(all.top_artists[0], ("Sigur Rós".to_string(), 7));
    assert_eq!(all.top_tracks[0], ("Known Song · Sigur Rós".to_string(), 5));
}

#[test]
fn a_year_in_review_counts_minutes_days_streak_busiest_day_and_new_artists() {
    let env = imported();
    let s = stats(&env, Some(Period::Year(2024)));
    let r = s.review.expect("a year has its review");
    assert_eq!(r.year, 2024);
    assert_eq!(r.plays, 9);
    // 6 songs of 200 s, an episode of 600 s, 2 account plays of 180 s.
    assert_eq!(r.minutes, (6 * 200 + 600 + 2 * 180) / 60);
    assert_eq!(r.minutes_per_month[1], 6);
    assert_eq!(r.minutes_per_month[2], (6 * 200 + 600) / 60);
    assert_eq!(r.days, 8);
    let d = |m, d| chrono::NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    assert_eq!(r.streak, Some((d(3, 1), d(3, 6))));
    // The episode's 10 minutes make the 6th busier than the 3rd (2 songs, 6 minutes).
    assert_eq!(r.busiest_day, Some((d(3, 6), 10, 1)));
    assert_eq!(r.new_artist_count, 2);
    assert_eq!(r.new_artists[0], ("Sigur Rós".to_string(), 7));
    // The next year has no new artist and no plays.
    let next = stats(&env, Some(Period::Year(2025))).review.unwrap();
    assert_eq!(
        (next.plays, next.new_artist_count, next.streak),
        (0, 0, None)
    );
}
