//! The export as a zip, as a folder and as single files, with every quirk of the real files.

use crate::common::*;

fn check_whole_export(env: &Env, summary: &serde_json::Value) {
    assert_eq!(
        env.by_source(),
        (0, QUIRKY_EXTENDED, QUIRKY_ACCOUNT_ONLY),
        "{summary:#}"
    );
    assert_eq!(summary["added"], QUIRKY_EXTENDED + QUIRKY_ACCOUNT_ONLY);
    // r1 + r6 + the episode from account data, and nothing else, merged.
    assert_eq!(summary["merged"], 3, "{summary:#}");
    // r3 (a repeated row), e2 (r4 again, in the older format), a4 (a repeated account row).
    assert_eq!(summary["known"], 3, "{summary:#}");
    assert_eq!(summary["without_time"], 1);
    assert_eq!(summary["failed"], 0);
    let skipped: Vec<String> = serde_json::from_value(summary["skipped"].clone()).unwrap();
    assert!(
        skipped.iter().any(|s| s.ends_with("Userdata.json"))
            && skipped.iter().any(|s| s.ends_with(".pdf")),
        "{skipped:?}"
    );
    assert_eq!(summary["coverage"]["plays"], 10);
    assert_eq!(summary["coverage"]["seen_by"]["account"], 4);

    // Two plays share a `ts`.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE played_at = '2020-03-01T10:00:00.000Z'"),
        2
    );
    // The account row of r1 carries its key on r1's play, with r1's details.
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE uri = 'spotify:track:1111111111111111111111'
               AND account_key IS NOT NULL AND ms_played = 200000 AND platform = 'Linux'
               AND conn_country = 'SE' AND reason_end = 'trackdone' AND shuffle = 0"
        ),
        1
    );
    // Seconds and milliseconds of offline_timestamp mean the same moment.
    assert_eq!(
        env.count(
            "SELECT COUNT(DISTINCT offline_at) FROM plays
             WHERE uri IN ('spotify:track:4444444444444444444444',
                           'spotify:track:5555555555555555555555')"
        ),
        1
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE offline_at = '2020-03-02T07:31:40.000Z' AND offline = 1"
        ),
        2
    );
    // A row that names nothing is still a play; the local file has its names and no track.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE item_type IS NULL AND ms_played = 12000"),
        1
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays WHERE track_name = 'Home Demo' AND track_id IS NULL
               AND uri IS NULL AND account_key IS NOT NULL"
        ),
        1
    );
    // Tracks, episodes and shows known only from the export get rows with what it names.
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM tracks WHERE id = '1111111111111111111111' AND name = 'First Song'
               AND uri = 'spotify:track:1111111111111111111111' AND album_id IS NULL"
        ),
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM tracks WHERE id = '6666666666666666666666'"),
        1
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM episodes WHERE id = '7777777777777777777777'
               AND name = 'Episode 12: Imports' AND show_name = 'The Data Show'"
        ),
        1
    );
    // The export names a show only by name: it stays on the episode (`show_name` above), and no
    // `shows` row (keyed by Spotify id) is invented for it.
    assert_eq!(env.count("SELECT COUNT(*) FROM shows"), 0);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM plays WHERE incognito = 1 AND item_type = 'episode'"),
        1
    );
    // Every play of the export points at its track when it has one (foreign keys hold).
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM plays p WHERE p.track_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.id = p.track_id)"
        ),
        0
    );
}

#[test]
fn zip_with_every_quirk() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    let (code, summary, stderr) = env.import(&[&q.zip]);
    assert_eq!(code, 0, "{stderr}");
    check_whole_export(&env, &summary);
    assert!(
        summary["files"][0]["file"]
            .as_str()
            .unwrap()
            .contains("my_spotify_data.zip!MyData/"),
        "{summary:#}"
    );
}

#[test]
fn unzipped_folder_gives_the_same() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    let (code, summary, stderr) = env.import(&[&q.folder]);
    assert_eq!(code, 0, "{stderr}");
    check_whole_export(&env, &summary);
}

#[test]
fn single_files_and_then_the_rest() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    let (code, summary, stderr) = env.import(&[&q.audio]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["added"], QUIRKY_AUDIO_ONLY);
    assert_eq!(env.by_source(), (0, QUIRKY_AUDIO_ONLY, 0));
    assert!(summary["skipped"].as_array().unwrap().is_empty());

    // The account data alone next: its row of r1 merges into r1's play, the episode is new.
    let acc = q.folder.join("Spotify Account Data");
    let music = acc.join("StreamingHistory_music_0.json");
    let podcast = acc.join("StreamingHistory_podcast_0.json");
    let (code, summary, _) = env.import(&[&music, &podcast]);
    assert_eq!(code, 0);
    assert_eq!(summary["merged"], 2, "{summary:#}");
    assert_eq!(summary["added"], 2, "{summary:#}");
    assert_eq!(env.by_source(), (0, QUIRKY_AUDIO_ONLY, 2));

    // Then the whole export: the account-only episode merges with its extended row, which
    // takes over (source `extended`), and nothing is doubled.
    let (code, summary, _) = env.import(&[&q.zip]);
    assert_eq!(code, 0);
    assert_eq!(
        env.by_source(),
        (0, QUIRKY_EXTENDED, QUIRKY_ACCOUNT_ONLY),
        "{summary:#}"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM plays"), 10);
}

#[test]
fn reimport_adds_nothing_and_status_shows_coverage() {
    let env = Env::new();
    let q = write_quirky_export(env.dir.path());
    assert_eq!(env.import(&[&q.zip]).0, 0);
    let before = env.count("SELECT COUNT(*) FROM plays");
    let dump = |env: &Env| -> Vec<String> {
        let c = env.open();
        let mut st = c.prepare("SELECT * FROM plays ORDER BY id").unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let rows = dump(&env);
    for paths in [
        vec![q.zip.as_path()],
        vec![q.folder.as_path(), q.zip.as_path()],
    ] {
        let (code, summary, _) = env.import(&paths);
        assert_eq!(code, 0);
        assert_eq!(
            (summary["added"].as_i64(), summary["merged"].as_i64()),
            (Some(0), Some(0))
        );
        assert_eq!(env.count("SELECT COUNT(*) FROM plays"), before);
        assert_eq!(dump(&env), rows, "a re-import changed stored plays");
    }

    let out = env.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Listening history: 10 plays from 2019-06-01 to 2020-05-05 (account 1, extended 9); 0 gap(s) open"),
        "{text}"
    );
    let out = env.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["listening_history"]["plays"], 10);
    assert_eq!(v["listening_history"]["by_source"]["extended"], 9);
    assert_eq!(v["listening_history"]["first"], "2019-06-01T20:00:00.000Z");

    // The people-readable summary says what it did, file by file.
    let out = env.run(&["import", q.zip.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Imported 17 rows: 0 new plays"), "{text}");
    assert!(text.contains("Skipped 2 file(s)"), "{text}");
    assert!(
        out.stderr.is_empty(),
        "quiet when stderr is not a terminal: {:?}",
        out.stderr
    );
}
