use super::*;
use rusqlite::Connection;

fn read<T: FromSql>(c: &Connection, text: &str) -> rusqlite::Result<T> {
    c.query_row("SELECT ?1", [text], |r| r.get(0))
}

#[test]
fn stored_values_round_trip_and_keep_their_text() {
    let c = Connection::open_in_memory().unwrap();
    for p in Phase::ALL {
        let back: Phase = c.query_row("SELECT ?1", [p], |r| r.get(0)).unwrap();
        assert_eq!(back, p);
    }
    assert_eq!(
        read::<PhaseStatus>(&c, "in_progress").unwrap(),
        PhaseStatus::InProgress
    );
    assert_eq!(
        read::<RunStatus>(&c, "rate_limited").unwrap(),
        RunStatus::RateLimited
    );
    assert_eq!(read::<RunKind>(&c, "plays").unwrap(), RunKind::Plays);
    assert_eq!(
        read::<LimitReason>(&c, "quota").unwrap(),
        LimitReason::Quota
    );
    assert_eq!(read::<Cursor>(&c, "reconcile").unwrap(), Cursor::Reconcile);
    assert_eq!(
        read::<ChangeKind>(&c, "playlist_items_changed").unwrap(),
        ChangeKind::PlaylistItemsChanged
    );
    assert_eq!(
        read::<Capability>(&c, "extended_quota").unwrap(),
        Capability::ExtendedQuota
    );
    assert_eq!(
        read::<CapabilityValue>(&c, "unavailable").unwrap(),
        CapabilityValue::Unavailable
    );
    assert_eq!(
        read::<ItemsStatus>(&c, "not_found").unwrap(),
        ItemsStatus::NotFound
    );
    assert_eq!(
        read::<EnrichError>(&c, "unreadable").unwrap(),
        EnrichError::Unreadable
    );
}

#[test]
fn unknown_values_read_back_are_errors_not_defaults() {
    let c = Connection::open_in_memory().unwrap();
    fn is_conversion_error<T: fmt::Debug>(r: rusqlite::Result<T>) -> bool {
        matches!(r, Err(rusqlite::Error::FromSqlConversionFailure(..)))
    }
    assert!(is_conversion_error(read::<Phase>(&c, "podcasts")));
    assert!(is_conversion_error(read::<RunKind>(&c, "weekly")));
    assert!(is_conversion_error(read::<RunStatus>(&c, "done")));
    assert!(is_conversion_error(read::<PhaseStatus>(&c, "SUCCESS")));
    assert!(is_conversion_error(read::<LimitReason>(&c, "")));
    assert!(is_conversion_error(read::<Cursor>(&c, "items ")));
    assert!(is_conversion_error(read::<ChangeKind>(&c, "moved")));
    assert!(is_conversion_error(read::<CapabilityValue>(&c, "yes")));
    assert!(is_conversion_error(read::<ItemsStatus>(&c, "fetch")));
    // A number where text is expected is an error too.
    let r: rusqlite::Result<Phase> = c.query_row("SELECT 3", [], |r| r.get(0));
    assert!(
        matches!(r, Err(rusqlite::Error::InvalidColumnType(..))),
        "{r:?}"
    );
    // Run ids start at 1: a stored 0 is refused.
    let r: rusqlite::Result<RunId> = c.query_row("SELECT 0", [], |r| r.get(0));
    assert!(r.is_err());
    assert_eq!(RunId::new(0), None);
    assert_eq!(RunId::new(7).map(RunId::get), Some(7));
}

#[test]
fn error_message_names_the_value() {
    let e = "weekly".parse::<RunKind>().unwrap_err();
    assert_eq!(e.to_string(), "unknown run kind \"weekly\"");
}
