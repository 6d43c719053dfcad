use proptest::prelude::*;

use super::*;

/// 2026-06-01T00:00:00Z.
const NOW: i64 = 1_780_272_000_000;

fn ext(json: &str) -> ExtendedRow<'_> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn extended_row_with_every_field() {
    let r = ext(
        r#"{"ts":"2023-01-01T12:34:56Z","username":"u","platform":"Android OS",
        "ms_played":183000,"conn_country":"DE","ip_addr":"203.0.113.9",
        "user_agent":"ua","master_metadata_track_name":"Song",
        "master_metadata_album_artist_name":"Artist","master_metadata_album_album_name":"Album",
        "spotify_track_uri":"spotify:track:4uLU6hMCjMI75M1A2tKUQC","episode_name":null,
        "episode_show_name":null,"spotify_episode_uri":null,"reason_start":"trackdone",
        "reason_end":"endplay","shuffle":true,"skipped":null,"offline":false,
        "offline_timestamp":1672576313,"incognito_mode":false}"#,
    )
    .into_record(NOW)
    .unwrap();
    assert_eq!(r.ended, 1_672_576_496_000);
    assert_eq!(r.id.as_deref(), Some("4uLU6hMCjMI75M1A2tKUQC"));
    assert_eq!(r.item_type, Some(ItemType::Track));
    assert_eq!(r.offline_at, Some(1_672_576_313_000));
    assert_eq!(r.skipped, None);
    assert_eq!(r.shuffle, Some(true));
    assert_eq!(fmt_ms(r.ended), "2023-01-01T12:34:56.000Z");
    assert_eq!(r.ended_text, "2023-01-01T12:34:56.000Z");
}

#[test]
fn quirks() {
    // Absent fields, ms offline timestamp, episode, a row without a URI or time.
    let r = ext(r#"{"ts":"2020-05-01T00:00:00Z","spotify_episode_uri":"spotify:episode:0123456789abcdefghijkl",
        "episode_name":"Ep","episode_show_name":"Show","offline_timestamp":1588291200123}"#)
    .into_record(NOW)
    .unwrap();
    assert_eq!(r.item_type, Some(ItemType::Episode));
    assert_eq!(r.artist_name.as_deref(), Some("Show"));
    assert_eq!(r.offline_at, Some(1_588_291_200_123));
    let n = ext(r#"{"ts":"2020-05-01T00:00:00Z","ms_played":"1200","skipped":1}"#)
        .into_record(NOW)
        .unwrap();
    assert_eq!(
        (n.item_type, n.ms_played, n.skipped),
        (None, Some(1200), Some(true))
    );
    assert_eq!(
        ext(r#"{"ts":null}"#).into_record(NOW),
        Err(Rejected::NoTime)
    );
    assert_eq!(
        ext(r#"{"ts":"yesterday"}"#).into_record(NOW),
        Err(Rejected::NoTime)
    );
    assert!(serde_json::from_str::<ExtendedRow>(r#"{"ms_played":"abc"}"#).is_err());
}

#[test]
fn implausible_times_and_long_values_are_refused_with_why() {
    for (ts, why) in [
        ("0000-01-01T00:00:00Z", Implausible::BeforeSpotify),
        ("1970-01-01T00:00:00Z", Implausible::BeforeSpotify),
        ("2005-12-31T23:59:59Z", Implausible::BeforeSpotify),
        ("9999-12-31T23:59:59Z", Implausible::InTheFuture),
        ("2026-06-02T00:00:01Z", Implausible::InTheFuture),
    ] {
        let json = format!(r#"{{"ts":"{ts}","ms_played":1}}"#);
        assert_eq!(
            ext(&json).into_record(NOW),
            Err(Rejected::Implausible(ts.into(), why)),
            "{ts}"
        );
    }
    let json = r#"{"ts":"2006-01-01T00:00:00Z"}"#;
    assert!(ext(json).into_record(NOW).is_ok());
    let account: AccountRow =
        serde_json::from_str(r#"{"endTime":"0001-01-01 00:00","msPlayed":1}"#).unwrap();
    let e = account.into_record(NOW).unwrap_err();
    assert_eq!(
        e.to_string(),
        "stamped 0001-01-01 00:00, before Spotify existed"
    );
    let long = format!(
        r#"{{"ts":"2020-01-01T00:00:00Z","master_metadata_track_name":"x","master_metadata_album_album_name":"{}"}}"#,
        "a".repeat(MAX_VALUE + 1)
    );
    let e = ext(&long).into_record(NOW).unwrap_err();
    assert_eq!(e, Rejected::TooLong("master_metadata_album_album_name"));
    assert!(e.to_string().contains("longer than 16 KiB"), "{e}");
    let fits = long.replace(&"a".repeat(MAX_VALUE + 1), &"a".repeat(MAX_VALUE));
    assert!(ext(&fits).into_record(NOW).is_ok());
}

#[test]
fn account_rows() {
    let a: AccountRow = serde_json::from_str(
        r#"{"endTime":"2023-01-01 12:34","artistName":"A","trackName":"T","msPlayed":1000}"#,
    )
    .unwrap();
    let r = a.into_record(NOW).unwrap();
    assert_eq!(fmt_ms(r.ended), "2023-01-01T12:34:00.000Z");
    let p: AccountRow = serde_json::from_str(
        r#"{"endTime":"2023-01-01 12:34","podcastName":"P","episodeName":"E","msPlayed":1}"#,
    )
    .unwrap();
    assert_eq!(
        p.into_record(NOW).unwrap().item_type,
        Some(ItemType::Episode)
    );
    let b: AccountRow = serde_json::from_str(
        r#"{"endTime":"2023-01-01 12:34","audiobookName":"Book","chapterName":"Chapter 3",
            "authorName":"Someone","msPlayed":1}"#,
    )
    .unwrap();
    let r = b.into_record(NOW).unwrap();
    assert_eq!(r.item_type, Some(ItemType::Chapter));
    assert_eq!(
        (r.track_name.as_deref(), r.artist_name.as_deref()),
        (Some("Chapter 3"), Some("Book"))
    );
}

/// The keys are the ones earlier versions stored: a re-import of an export an older spotsync
/// imported finds every row.
#[test]
fn keys_are_those_stored_before() {
    let r = ext(r#"{"ts":"2023-01-01T12:34:56Z","ms_played":183000,
            "spotify_track_uri":"spotify:track:4uLU6hMCjMI75M1A2tKUQC"}"#)
    .into_record(NOW)
    .unwrap();
    assert_eq!(
        r.key,
        record_key(
            r.ended,
            &[
                "x",
                "1672576496000",
                "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
                "183000"
            ]
        )
    );
    let a: AccountRow = serde_json::from_str(
        r#"{"endTime":"2023-01-01 12:34","artistName":" The  Band","trackName":"Song","msPlayed":5}"#,
    )
    .unwrap();
    let r = a.into_record(NOW).unwrap();
    assert_eq!(
        r.key,
        record_key(r.ended, &["a", "1672576440000", "the band", "song", "5"])
    );
}

proptest! {
    #[test]
    fn offline_timestamp_units_agree(secs in 1_000_000_000i64..4_000_000_000) {
        prop_assert_eq!(offline_ms(secs), offline_ms(secs * 1000));
    }

    /// Whatever a row holds, reading it never panics.
    #[test]
    fn any_row_is_read_or_refused(ts in ".{0,30}", ms in any::<i64>(), off in any::<i64>(),
                                  uri in ".{0,40}", now in any::<i64>()) {
        let row = ExtendedRow { ts: Some(ts.into()), ms_played: Some(ms), offline_timestamp: Some(off),
                                spotify_track_uri: Some(uri.into()), ..ExtendedRow::default() };
        let _ = row.into_record(now);
        let _ = parse_end_time(&format!("{off}"));
        let _ = fmt_ms(off);
    }

    /// Every stored play lies in the plausible span.
    #[test]
    fn stored_times_are_plausible(secs in -70_000_000_000i64..300_000_000_000) {
        let ts = fmt_ms(secs * 1000);
        let json = format!(r#"{{"ts":"{ts}"}}"#);
        if let Ok(r) = ext(&json).into_record(NOW) {
            prop_assert!(plausible(r.ended, NOW).is_ok());
        }
    }
}
