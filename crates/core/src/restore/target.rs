//! The library as the mirror knew it at a date (the target), or now: a pure function of one
//! database, read in one read transaction. Household restores (`--from A --to B`) read the
//! target from one database and apply it to another account.
//!
//! - Saved lists and follows: an item was saved at `T` when one of its saves reaches over `T`:
//!   the stored row (its latest save, until its `removed_at`) or a removal the change journal
//!   kept (the save it ended, until the sync that saw it gone). A save later undone and saved
//!   again (a restore) does not hide the earlier one.
//! - Playlists: in the list at `T` by the journal's arrivals and departures; details and items
//!   from the last version recorded at or before `T` (flags from the version, else the row).
//! - Covers: the last custom cover archived at or before `T`.

use std::collections::HashMap;

use super::RestoreError;
use super::model::{Item, Kind, LibraryState, PlaylistState, Saved};
use crate::domain::{ChangeEntity, USER_ID_KEY};
use crate::store::Sql;
use crate::store::restore::{PlaylistEvent, PlaylistRow, SavedSpan};

/// The journal entity of a saved list.
pub fn entity_of(kind: Kind) -> ChangeEntity {
    match kind {
        Kind::Liked => ChangeEntity::SavedTrack,
        Kind::Albums => ChangeEntity::SavedAlbum,
        Kind::Shows => ChangeEntity::SavedShow,
        Kind::Episodes => ChangeEntity::SavedEpisode,
        Kind::Audiobooks => ChangeEntity::SavedAudiobook,
        Kind::Artists => ChangeEntity::FollowedArtist,
        Kind::Playlists => ChangeEntity::Playlist,
    }
}

/// The earliest date a restore can go back to: the end of the first complete mirror.
pub fn earliest(sql: Sql<'_>) -> Result<String, RestoreError> {
    sql.first_complete_mirror()?.ok_or(RestoreError::NoMirror)
}

/// The library of `kinds` at `at` (`None`: the mirror now). A date before the mirror's
/// history begins is refused with the earliest one.
pub fn library_at(
    sql: Sql<'_>,
    at: Option<&str>,
    kinds: &[Kind],
) -> Result<LibraryState, RestoreError> {
    let first = earliest(sql)?;
    if let Some(t) = at
        && t < first.as_str()
    {
        return Err(RestoreError::TooEarly {
            asked: t.to_string(),
            earliest: first,
        });
    }
    state_at(sql, at, kinds)
}

/// [`library_at`] without asking for a complete mirror: the account as the lists a restore
/// just read hold it (an account restored into from another may never have been mirrored
/// whole).
pub fn state_at(
    sql: Sql<'_>,
    at: Option<&str>,
    kinds: &[Kind],
) -> Result<LibraryState, RestoreError> {
    let mut lib = LibraryState {
        as_of: at.map(str::to_string),
        kinds: kinds.to_vec(),
        ..LibraryState::default()
    };
    for &kind in kinds {
        if let Some(list) = lib.saved_mut(kind) {
            *list = saved_at(sql.saved_spans(entity_of(kind))?, at);
        }
    }
    if kinds.contains(&Kind::Playlists) {
        let me = sql.account(USER_ID_KEY)?;
        let p = playlists_at(sql, at, me.as_deref())?;
        lib.playlists = p.lists;
        lib.gone = p.gone;
        lib.skipped = p.skipped;
    }
    Ok(lib)
}

/// The items saved at `at` (now: the live rows), oldest first.
pub fn saved_at(spans: Vec<SavedSpan>, at: Option<&str>) -> Vec<Saved> {
    let mut best: HashMap<String, Option<String>> = HashMap::new();
    for s in spans {
        let covers = match at {
            None => s.until.is_none(),
            Some(t) => {
                s.added_at.as_deref().is_none_or(|a| a <= t)
                    && s.until.as_deref().is_none_or(|u| u > t)
            }
        };
        if !covers {
            continue;
        }
        let e = best.entry(s.id).or_insert(None);
        if s.added_at > *e {
            *e = s.added_at;
        }
    }
    let mut out: Vec<Saved> = best
        .into_iter()
        .map(|(id, added_at)| Saved { id, added_at })
        .collect();
    out.sort_by(|a, b| (&a.added_at, &a.id).cmp(&(&b.added_at, &b.id)));
    out
}

/// Whether a playlist was in the list at `at`, by the journal's events (oldest first) and
/// its row.
fn present_at(row: &PlaylistRow, events: &[&PlaylistEvent], at: Option<&str>) -> bool {
    let Some(t) = at else {
        return row.removed_at.is_none();
    };
    if let Some(last) = events.iter().rev().find(|e| e.at.as_str() <= t) {
        return last.added;
    }
    match events.iter().find(|e| e.at.as_str() > t) {
        Some(next) => !next.added,
        None => row.removed_at.as_deref().is_none_or(|r| r > t),
    }
}

/// The items of a stored version (JSON rows) as restore reads them.
fn version_items(json: &str, id: &str) -> Result<Vec<Item>, RestoreError> {
    type Row8 = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row8> = serde_json::from_str(json)
        .map_err(|e| RestoreError::Damaged(format!("playlist {id}: stored version: {e}")))?;
    Ok(rows
        .into_iter()
        .map(|(_, kind, track_id, _, uri, name, _, _)| Item {
            kind,
            uri,
            name,
            track_id,
        })
        .collect())
}

/// The playlists of a state.
struct Playlists {
    lists: Vec<PlaylistState>,
    gone: Vec<PlaylistState>,
    skipped: Vec<(String, String)>,
}

/// The playlists at `at`, those gone from the list (now only), and the ones whose history
/// does not reach back that far.
fn playlists_at(
    sql: Sql<'_>,
    at: Option<&str>,
    me: Option<&str>,
) -> Result<Playlists, RestoreError> {
    let events = sql.playlist_events()?;
    let mut items: HashMap<String, Vec<Item>> = HashMap::new();
    if at.is_none() {
        for r in sql.restore_item_rows()? {
            items.entry(r.playlist_id).or_default().push(Item {
                kind: r.item_type,
                uri: r.uri,
                name: r.name,
                track_id: r.track_id,
            });
        }
    }
    let mut lists = Vec::new();
    let mut gone_lists = Vec::new();
    let mut skipped = Vec::new();
    for row in sql.restore_playlist_rows()? {
        let own: Vec<&PlaylistEvent> = events.iter().filter(|e| e.id == row.id).collect();
        let present = present_at(&row, &own, at);
        // Now: the playlists gone from the list are kept apart, as last mirrored.
        let gone = at.is_none() && row.removed_at.is_some();
        if !present && !gone {
            continue;
        }
        let readable = row.items_status == "synced";
        let mut p = PlaylistState {
            owned: me.is_some() && row.owner_id.as_deref() == me,
            items: readable.then(|| items.remove(&row.id).unwrap_or_default()),
            cover: sql.cover_at(&row.id, at)?,
            id: row.id,
            name: row.name,
            description: row.description,
            public: row.public,
            collaborative: row.collaborative,
            owner_id: row.owner_id,
            snapshot_id: row.snapshot_id,
        };
        if let Some(t) = at {
            match sql.restore_version_at(&p.id, t)? {
                Some(v) => {
                    p.items = Some(version_items(&v.items, &p.id)?);
                    p.name = v.name.or(p.name);
                    p.description = v.description;
                    p.snapshot_id = v.snapshot_id;
                    p.public = v.public.or(p.public);
                    p.collaborative = v.collaborative.or(p.collaborative);
                }
                None if readable => {
                    let why = "no stored version of its items reaches back to that date";
                    skipped.push((p.id.clone(), why.to_string()));
                    continue;
                }
                None => p.items = None,
            }
        }
        if present {
            lists.push(p);
        } else {
            gone_lists.push(p);
        }
    }
    Ok(Playlists {
        lists,
        gone: gone_lists,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, added: &str, until: Option<&str>) -> SavedSpan {
        SavedSpan {
            id: id.into(),
            added_at: Some(added.into()),
            until: until.map(str::to_string),
        }
    }

    #[test]
    fn a_save_undone_and_redone_keeps_its_earlier_span() {
        // Saved in 2020, un-saved (seen by a sync on 03-01), saved again on 05-01.
        let spans = vec![
            span("t", "2026-05-01T00:00:00Z", None),
            span("t", "2020-01-01T00:00:00Z", Some("2026-03-01T00:00:00Z")),
            span("u", "2026-02-01T00:00:00Z", None),
        ];
        let at = |t: &str| -> Vec<(String, String)> {
            saved_at(spans.clone(), Some(t))
                .into_iter()
                .map(|s| (s.id, s.added_at.unwrap()))
                .collect()
        };
        assert_eq!(
            at("2026-01-15T00:00:00Z"),
            vec![("t".into(), "2020-01-01T00:00:00Z".into())]
        );
        assert_eq!(
            at("2026-02-15T00:00:00Z"),
            vec![
                ("t".into(), "2020-01-01T00:00:00Z".into()),
                ("u".into(), "2026-02-01T00:00:00Z".into())
            ],
            "oldest first"
        );
        assert_eq!(at("2026-04-01T00:00:00Z").len(), 1, "t was not saved then");
        let now = saved_at(spans.clone(), None);
        assert_eq!(now.len(), 2);
        assert_eq!(now[1].added_at.as_deref(), Some("2026-05-01T00:00:00Z"));
    }
}
