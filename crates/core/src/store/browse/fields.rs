//! What the browser's reads share: the SQL that names a track's or an album's artists or a
//! JSON array of names, the columns a detail pane lists its items from,
//! and how a detail's fields read (a length, when something was saved, an entity the mirror does
//! not hold). A leaf: it names no other reader.

use rusqlite::Row as SqlRow;

use super::super::row::FromRow;
use super::{Detail, DetailItem};

/// The artists of the track `t`, in credit order (`''` without any).
pub(super) const TRACK_ARTISTS: &str =
    "COALESCE((SELECT group_concat(ar.name, ', ' ORDER BY ta.position)
     FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id), '')";

/// The artists of the album `al`, in credit order (`''` without any).
pub(super) const ALBUM_ARTISTS: &str =
    "COALESCE((SELECT group_concat(ar.name, ', ' ORDER BY aa.position)
     FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = al.id), '')";

/// `col` holds a JSON array of names (`["A","B"]`): the names comma-separated. A value that is
/// not such an array (an older or foreign database) is shown as stored.
pub(super) fn names(col: &str) -> String {
    format!(
        "COALESCE(CASE WHEN json_valid({col}) AND json_type({col}) = 'array'
                       THEN (SELECT group_concat(value, ', ') FROM json_each({col}))
                       ELSE {col} END, '')"
    )
}

/// A detail pane's item, from the columns `position`, `kind`, `name` and `sub`.
impl FromRow for DetailItem {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(DetailItem {
            position: r.get("position")?,
            kind: r.get("kind")?,
            name: r.get("name")?,
            sub: r.get("sub")?,
        })
    }
}

/// The year of a stored release date (`1998-04-20`, `1998`).
pub(super) fn year(date: Option<String>) -> Option<i32> {
    date.and_then(|d| d.get(..4).and_then(|y| y.parse().ok()))
}

/// A length in milliseconds as `m:ss` or `h:mm:ss`.
pub fn length(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// One `(label, value)` line of a detail.
pub(super) fn field(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_string(), value.into())
}

/// The detail of an entity the mirror does not hold (`kind`: `Track`, `Show`, …).
pub(super) fn missing(kind: &str, id: &str) -> Detail {
    Detail {
        title: id.to_string(),
        fields: vec![field(kind, "not in the mirror")],
        ..Detail::default()
    }
}

/// When it was saved and when it left the library (`undone`: `un-saved`, `un-liked`):
/// `2026-01-02T…, un-saved 2026-03-04T…`; `no` when it never was.
pub(super) fn saved(undone: &str, added: Option<String>, removed: Option<String>) -> String {
    match (added, removed) {
        (Some(a), Some(r)) => format!("{a}, {undone} {r}"),
        (None, Some(r)) => format!("{undone} {r}"),
        (Some(a), None) => a,
        (None, None) => "no".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_minutes_or_hours() {
        assert_eq!(length(-5), "0:00");
        assert_eq!(length(61_999), "1:01");
        assert_eq!(length(3_600_000), "1:00:00");
        assert_eq!(length(3_725_000), "1:02:05");
    }

    #[test]
    fn saved_says_when_and_when_undone() {
        let t = |s: &str| Some(s.to_string());
        assert_eq!(saved("un-liked", t("a"), t("b")), "a, un-liked b");
        assert_eq!(saved("un-saved", None, t("b")), "un-saved b");
        assert_eq!(saved("un-saved", t("a"), None), "a");
        assert_eq!(saved("un-saved", None, None), "no");
    }

    #[test]
    fn years_come_from_the_first_four_characters() {
        assert_eq!(year(Some("1998-04-20".into())), Some(1998));
        assert_eq!(year(Some("1998".into())), Some(1998));
        assert_eq!(year(Some("98".into())), None);
        assert_eq!(year(Some("x998-01-01".into())), None);
        assert_eq!(year(None), None);
    }
}
