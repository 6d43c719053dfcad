//! CSV, compatible with Exportify: its header names and order, every field quoted, `\n` line
//! ends, artist names joined with ", " (a comma inside a name escaped as `\,`), `Added By` as a
//! `spotify:user:` URI. Values the mirror does not know are empty, never 0.

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use super::ExportError;
use super::model::{Album, Artist, Credit, Entry, ItemKind, TrackList};

/// Exportify's header for a playlist (base track data, then the item's `Added By`/`Added At`),
/// as in its source (watsonbox/exportify, `TracksBaseData.dataLabels` + `TracksCsvFile`).
pub const EXPORTIFY_HEADER: [&str; 19] = [
    "Track URI",
    "Track Name",
    "Artist URI(s)",
    "Artist Name(s)",
    "Album URI",
    "Album Name",
    "Album Artist URI(s)",
    "Album Artist Name(s)",
    "Album Release Date",
    "Album Image URL",
    "Disc Number",
    "Track Number",
    "Track Duration (ms)",
    "Track Preview URL",
    "Explicit",
    "Popularity",
    "ISRC",
    "Added By",
    "Added At",
];

/// Columns of the listening history, one row per play (a plain list of plays, not a playlist).
pub const PLAYS_HEADER: [&str; 12] = [
    "Played At",
    "Track Name",
    "Artist Name(s)",
    "Album Name",
    "Track URI",
    "ISRC",
    "Track Duration (ms)",
    "Played (ms)",
    "Context Type",
    "Context URI",
    "MusicBrainz Recording ID",
    "MusicBrainz Artist ID(s)",
];

pub const ALBUMS_HEADER: [&str; 12] = [
    "Album URI",
    "Album Name",
    "Album Artist URI(s)",
    "Album Artist Name(s)",
    "Album Type",
    "Album Release Date",
    "Total Tracks",
    "Label",
    "UPC",
    "Genres",
    "Popularity",
    "Album Image URL",
];

pub const ARTISTS_HEADER: [&str; 6] = [
    "Artist URI",
    "Artist Name",
    "Genres",
    "Followers",
    "Popularity",
    "Artist Image URL",
];

fn writer() -> ::csv::Writer<Vec<u8>> {
    WriterBuilder::new()
        .quote_style(QuoteStyle::Always)
        .terminator(Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: ::csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ExportError> {
    w.into_inner()
        .map_err(|e| ExportError::Csv(e.error().to_string()))
}

fn csv_err(e: ::csv::Error) -> ExportError {
    ExportError::Csv(e.to_string())
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

fn uris(c: &[Credit]) -> String {
    c.iter()
        .map(|a| a.uri.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Exportify's artist-name list: names joined with ", ", commas in names escaped as `\,`.
pub fn names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| n.replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn credit_names(c: &[Credit]) -> String {
    names(
        &c.iter()
            .map(|a| a.name.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
    )
}

/// Exportify's 17 track columns for one entry (local files, episodes and unavailable items
/// with what is known).
fn track_fields(e: &Entry) -> Vec<String> {
    let t = e.track.as_deref();
    let album = t.and_then(|t| t.album.as_ref());
    vec![
        e.uri.clone().unwrap_or_default(),
        e.title().unwrap_or_default(),
        t.map(|t| uris(&t.artists)).unwrap_or_default(),
        match t {
            Some(t) => credit_names(&t.artists),
            None => names(&e.artist_names()),
        },
        album.map(|a| opt(&a.uri)).unwrap_or_default(),
        e.album_name().unwrap_or_default(),
        album.map(|a| uris(&a.artists)).unwrap_or_default(),
        album.map(|a| credit_names(&a.artists)).unwrap_or_default(),
        album.map(|a| opt(&a.release_date)).unwrap_or_default(),
        album.map(|a| opt(&a.image_url)).unwrap_or_default(),
        t.map(|t| opt(&t.disc_number)).unwrap_or_default(),
        t.map(|t| opt(&t.track_number)).unwrap_or_default(),
        opt(&e.duration_ms()),
        String::new(), // preview URLs are not mirrored
        t.map(|t| opt(&t.explicit)).unwrap_or_default(),
        t.map(|t| opt(&t.popularity)).unwrap_or_default(),
        t.map(|t| opt(&t.isrc)).unwrap_or_default(),
    ]
}

/// Whether Exportify writes a row for the entry: not for an item Spotify sent without a track
/// (watsonbox/exportify, `src/components/data/TracksBaseData.ts`: `items.filter((i) =>
/// i.track)`), which importers would look up as a blank song.
pub fn exportify_keeps(e: &Entry) -> bool {
    e.kind != ItemKind::Unavailable
}

/// A track list (liked songs or a playlist) in Exportify's layout, and how many entries were
/// left out (unavailable items: see [`exportify_keeps`]).
pub fn track_list(list: &TrackList) -> Result<(Vec<u8>, usize), ExportError> {
    let mut w = writer();
    w.write_record(EXPORTIFY_HEADER).map_err(csv_err)?;
    let mut left_out = 0;
    for e in &list.entries {
        if !exportify_keeps(e) {
            left_out += 1;
            continue;
        }
        let mut row = track_fields(e);
        row.push(
            e.added_by
                .as_ref()
                .map(|u| format!("spotify:user:{u}"))
                .unwrap_or_default(),
        );
        row.push(opt(&e.added_at));
        w.write_record(&row).map_err(csv_err)?;
    }
    Ok((finish(w)?, left_out))
}

/// The listening history, newest first: one row per play, with the names the catalog (or, for
/// a track it does not hold, Spotify's data export) gives.
pub fn plays(list: &TrackList) -> Result<Vec<u8>, ExportError> {
    let mut w = writer();
    w.write_record(PLAYS_HEADER).map_err(csv_err)?;
    for e in &list.entries {
        let mb = e.musicbrainz();
        w.write_record([
            opt(&e.added_at),
            e.title().unwrap_or_default(),
            names(&e.artist_names()),
            e.album_name().unwrap_or_default(),
            e.uri.clone().unwrap_or_default(),
            e.isrc().unwrap_or_default().to_string(),
            opt(&e.duration_ms()),
            opt(&e.play.as_ref().and_then(|p| p.ms_played)),
            opt(&e.context_type),
            opt(&e.context_uri),
            mb.map(|m| m.recording_mbid.clone()).unwrap_or_default(),
            mb.map(|m| m.artist_mbids.join(", ")).unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    finish(w)
}

pub fn albums(albums: &[Album]) -> Result<Vec<u8>, ExportError> {
    let mut w = writer();
    w.write_record(ALBUMS_HEADER).map_err(csv_err)?;
    for a in albums {
        w.write_record([
            opt(&a.uri),
            opt(&a.name),
            uris(&a.artists),
            credit_names(&a.artists),
            opt(&a.album_type),
            opt(&a.release_date),
            opt(&a.total_tracks),
            opt(&a.label),
            opt(&a.upc),
            names(&a.genres),
            opt(&a.popularity),
            opt(&a.image_url),
        ])
        .map_err(csv_err)?;
    }
    finish(w)
}

pub fn artists(artists: &[Artist]) -> Result<Vec<u8>, ExportError> {
    let mut w = writer();
    w.write_record(ARTISTS_HEADER).map_err(csv_err)?;
    for a in artists {
        w.write_record([
            opt(&a.uri),
            opt(&a.name),
            names(&a.genres),
            opt(&a.followers),
            opt(&a.popularity),
            opt(&a.image_url),
        ])
        .map_err(csv_err)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::export::model::*;

    pub(crate) fn entry(kind: ItemKind, uri: Option<&str>, track: Option<Track>) -> Entry {
        Entry {
            position: 0,
            kind,
            uri: uri.map(str::to_string),
            name: None,
            added_at: None,
            added_by: None,
            context_type: None,
            context_uri: None,
            local: None,
            play: None,
            track: track.map(Arc::new),
        }
    }

    fn list(entries: Vec<Entry>) -> TrackList {
        TrackList {
            kind: ListKind::Playlist,
            id: None,
            uri: None,
            name: "x".into(),
            description: None,
            owner_id: None,
            owner_name: None,
            public: None,
            collaborative: None,
            snapshot_id: None,
            items_status: None,
            entries,
        }
    }

    fn tricky_track() -> Track {
        Track {
            id: "t1".into(),
            uri: Some("spotify:track:t1".into()),
            name: Some("Comma, \"Quote\"\tTab\nNewline".into()),
            artists: vec![
                Credit {
                    id: "a1".into(),
                    uri: Some("spotify:artist:a1".into()),
                    name: Some("Earth, Wind & Fire".into()),
                },
                Credit {
                    id: "a2".into(),
                    uri: Some("spotify:artist:a2".into()),
                    name: Some("Ünï".into()),
                },
            ],
            album: None,
            duration_ms: Some(215_000),
            explicit: Some(false),
            disc_number: Some(1),
            track_number: Some(3),
            isrc: None,
            popularity: None,
            musicbrainz: None,
        }
    }

    #[test]
    fn rows_quote_everything_and_leave_unknowns_empty() {
        let mut e = entry(
            ItemKind::Track,
            Some("spotify:track:t1"),
            Some(tricky_track()),
        );
        e.added_by = Some("me".into());
        e.added_at = Some("2026-01-01T00:00:00Z".into());
        let out = String::from_utf8(track_list(&list(vec![e])).unwrap().0).unwrap();
        let mut lines = out.splitn(2, '\n');
        let header = lines.next().unwrap();
        assert_eq!(
            header,
            EXPORTIFY_HEADER
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(
            lines.next().unwrap(),
            "\"spotify:track:t1\",\"Comma, \"\"Quote\"\"\tTab\nNewline\",\
             \"spotify:artist:a1, spotify:artist:a2\",\"Earth\\, Wind & Fire, Ünï\",\"\",\"\",\"\",\
             \"\",\"\",\"\",\"1\",\"3\",\"215000\",\"\",\"false\",\"\",\"\",\"spotify:user:me\",\
             \"2026-01-01T00:00:00Z\"\n"
        );
    }

    #[test]
    fn local_and_episode_keep_their_place_and_unavailable_items_are_left_out() {
        let local = entry(
            ItemKind::Local,
            Some("spotify:local:Some+Band:The+Album:Song:61"),
            None,
        );
        let mut episode = entry(ItemKind::Episode, Some("spotify:episode:e1"), None);
        episode.name = Some("Ep 1".into());
        let gone = entry(ItemKind::Unavailable, None, None);
        let (out, left_out) = track_list(&list(vec![local, gone, episode])).unwrap();
        assert_eq!(left_out, 1);
        let mut r = ::csv::Reader::from_reader(out.as_slice());
        let rows: Vec<::csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][1], "Song");
        assert_eq!(&rows[0][3], "Some Band");
        assert_eq!(&rows[0][5], "The Album");
        assert_eq!(&rows[0][12], "61000");
        assert_eq!(&rows[1][0], "spotify:episode:e1");
        assert_eq!(&rows[1][1], "Ep 1");
        assert_eq!(&rows[1][12], "", "unknown duration is empty, not 0");
    }
}
