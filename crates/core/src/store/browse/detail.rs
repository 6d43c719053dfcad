//! The detail of one entity: a track (album, artists, ISRC, liked and un-liked, its playlists
//! with positions, its plays), a playlist (its items in order), an album or an artist (their
//! tracks in the library); shows, episodes and audiobooks are in `audio`.

use rusqlite::{Connection, OptionalExtension, params};

use super::{DETAIL_ITEMS, Detail, DetailItem, TRACK_ARTISTS, Tab};

/// The detail of the entity `id` of a row of `tab`.
pub fn detail(conn: &Connection, tab: Tab, id: &str) -> rusqlite::Result<Detail> {
    let mut d = match tab {
        Tab::Liked | Tab::Plays => track(conn, id)?,
        Tab::Changes => {
            // A change names a saved track or a playlist by its id.
            let is_playlist: bool = conn
                .query_row("SELECT 1 FROM playlists WHERE id = ?1", [id], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if is_playlist {
                playlist(conn, id)?
            } else {
                track(conn, id)?
            }
        }
        Tab::Playlists => playlist(conn, id)?,
        Tab::Albums => album(conn, id)?,
        Tab::Artists => artist(conn, id)?,
        Tab::Shows => super::audio::show(conn, id)?,
        Tab::Episodes => super::audio::episode(conn, id)?,
        Tab::Audiobooks => super::audio::audiobook(conn, id)?,
    };
    d.tab = Some(tab);
    d.id = id.to_string();
    Ok(d)
}

pub(super) fn field(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_string(), value.into())
}

fn track(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    let sql = format!(
        "SELECT COALESCE(t.name, t.id), {TRACK_ARTISTS}, COALESCE(al.name, ''), al.release_date,
                t.isrc, t.duration_ms, s.added_at, s.removed_at
         FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
         LEFT JOIN saved_tracks s ON s.track_id = t.id WHERE t.id = ?1"
    );
    type TrackFields = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let found: Option<TrackFields> = conn
        .query_row(&sql, [id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .optional()?;
    let Some((name, artists, album, released, isrc, duration, added, removed)) = found else {
        return Ok(Detail {
            title: id.to_string(),
            fields: vec![field("Track", "not in the mirror")],
            ..Detail::default()
        });
    };
    let mut fields = vec![
        field("Artists", artists),
        field(
            "Album",
            match &released {
                Some(r) => format!("{album} ({r})"),
                None => album,
            },
        ),
        field("ISRC", isrc.unwrap_or_else(|| "not stored".into())),
    ];
    if let Some(ms) = duration {
        let s = ms.max(0) / 1000;
        fields.push(field("Length", format!("{}:{:02}", s / 60, s % 60)));
    }
    fields.push(field(
        "Liked",
        match (&added, &removed) {
            (Some(a), Some(r)) => format!("{a}, un-liked {r}"),
            (Some(a), None) => a.clone(),
            (None, _) => "no".to_string(),
        },
    ));
    let (count, first, last): (i64, Option<String>, Option<String>) = conn.query_row(
        "SELECT count(*), min(played_at), max(played_at) FROM plays WHERE track_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    fields.push(field(
        "Plays",
        match (first, last) {
            (Some(f), Some(l)) if count > 0 => format!("{count}, first {f}, last {l}"),
            _ => "none recorded".to_string(),
        },
    ));
    let mut st = conn.prepare(
        "SELECT pi.position, COALESCE(pl.name, pl.id), pl.removed_at FROM playlist_items pi
         JOIN playlists pl ON pl.id = pi.playlist_id WHERE pi.track_id = ?1
         ORDER BY pl.name COLLATE NOCASE, pl.id, pi.position LIMIT ?2",
    )?;
    let items = st
        .query_map(params![id, DETAIL_ITEMS], |r| {
            let removed: Option<String> = r.get(2)?;
            Ok(DetailItem {
                // Positions are stored from 0; people count from 1.
                position: Some(r.get::<_, i64>(0)? + 1),
                kind: "playlist".into(),
                name: r.get(1)?,
                sub: removed
                    .map(|r| format!("playlist removed {r}"))
                    .unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Detail {
        title: name,
        fields,
        items_title: format!("In {} playlist position(s)", items.len()),
        items,
        ..Detail::default()
    })
}

fn playlist(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    type PlaylistFields = (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let found: Option<PlaylistFields> = conn
        .query_row(
            "SELECT COALESCE(name, id), COALESCE(owner_name, owner_id, ''), description,
                    items_status, items_synced_at, removed_at
             FROM playlists WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((name, owner, description, status, synced, removed)) = found else {
        return Ok(Detail {
            title: id.to_string(),
            fields: vec![field("Playlist", "not in the mirror")],
            ..Detail::default()
        });
    };
    let mut fields = vec![field("Owner", owner)];
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        fields.push(field("About", d));
    }
    fields.push(field(
        "Items",
        match status.as_str() {
            "synced" => format!("mirrored {}", synced.unwrap_or_default()),
            "forbidden" => "not readable with this account (Spotify refuses them)".into(),
            "not_found" => "gone from Spotify".into(),
            _ => "not mirrored yet".into(),
        },
    ));
    if let Some(r) = removed {
        fields.push(field("Removed", r));
    }
    let sql = format!(
        "SELECT pi.position, pi.item_type, COALESCE(t.name, pi.name, pi.uri, ''),
                CASE WHEN pi.track_id IS NOT NULL THEN {TRACK_ARTISTS} ELSE '' END
         FROM playlist_items pi LEFT JOIN tracks t ON t.id = pi.track_id
         WHERE pi.playlist_id = ?1 ORDER BY pi.position LIMIT ?2"
    );
    let mut st = conn.prepare(&sql)?;
    let items = st
        .query_map(params![id, DETAIL_ITEMS], |r| {
            Ok(DetailItem {
                position: Some(r.get::<_, i64>(0)? + 1),
                kind: r.get(1)?,
                name: r.get(2)?,
                sub: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM playlist_items WHERE playlist_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(Detail {
        title: name,
        fields,
        items_title: format!("{total} item(s), in order"),
        items,
        ..Detail::default()
    })
}

/// Tracks of the library matching `cond` (on `t`), with whether each is liked.
fn tracks_where(conn: &Connection, cond: &str, id: &str) -> rusqlite::Result<Vec<DetailItem>> {
    let sql = format!(
        "SELECT COALESCE(t.name, t.id), {TRACK_ARTISTS},
                CASE WHEN s.track_id IS NOT NULL AND s.removed_at IS NULL THEN 'liked'
                     ELSE 'track' END, t.disc_number, t.track_number
         FROM tracks t LEFT JOIN saved_tracks s ON s.track_id = t.id
         WHERE {cond} ORDER BY t.disc_number, t.track_number, t.name LIMIT ?2"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params![id, DETAIL_ITEMS], |r| {
        Ok(DetailItem {
            position: r.get(4)?,
            kind: r.get(2)?,
            name: r.get(0)?,
            sub: r.get(1)?,
        })
    })?;
    rows.collect()
}

fn album(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    type AlbumFields = (String, Option<String>, Option<String>, Option<String>);
    let found: Option<AlbumFields> = conn
        .query_row(
            "SELECT COALESCE(al.name, al.id), al.release_date, al.label,
                    (SELECT group_concat(ar.name, ', ' ORDER BY aa.position)
                     FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
                     WHERE aa.album_id = al.id)
             FROM albums al WHERE al.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((name, released, label, artists)) = found else {
        return Ok(Detail {
            title: id.to_string(),
            fields: vec![field("Album", "not in the mirror")],
            ..Detail::default()
        });
    };
    let mut fields = vec![field("Artists", artists.unwrap_or_default())];
    if let Some(r) = released {
        fields.push(field("Released", r));
    }
    if let Some(l) = label {
        fields.push(field("Label", l));
    }
    let items = tracks_where(conn, "t.album_id = ?1", id)?;
    Ok(Detail {
        title: name,
        fields,
        items_title: format!("{} track(s) in the library", items.len()),
        items,
        ..Detail::default()
    })
}

fn artist(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    let found: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT COALESCE(name, id), genres FROM artists WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((name, genres)) = found else {
        return Ok(Detail {
            title: id.to_string(),
            fields: vec![field("Artist", "not in the mirror")],
            ..Detail::default()
        });
    };
    let mut fields = Vec::new();
    if let Some(g) = genres.filter(|g| !g.is_empty() && g != "[]") {
        fields.push(field("Genres", g));
    }
    let items = tracks_where(
        conn,
        "t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?1)",
        id,
    )?;
    fields.push(field("Tracks", items.len().to_string()));
    Ok(Detail {
        title: name,
        fields,
        items_title: "Tracks in the library".into(),
        items,
        ..Detail::default()
    })
}
