//! Playlist formats media players read: M3U8 and XSPF. Each entry keeps its place: an
//! unavailable item becomes a comment (M3U8) or a track with only an annotation (XSPF).

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::path::Path;

use super::ExportError;
use super::jspf::{list_creator, list_identifier};
use super::model::{Entry, ItemKind, TrackList};
use super::music_dir::{MusicIndex, relative_path};

/// Whole seconds, rounded (M3U `#EXTINF`); `-1` when unknown, as the format says.
pub fn seconds(ms: Option<i64>) -> i64 {
    match ms {
        Some(ms) if ms >= 0 => (ms + 500) / 1000,
        _ => -1,
    }
}

/// One line: control characters (line breaks included) become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn creator(e: &Entry) -> Option<String> {
    let names = e.artist_names();
    (!names.is_empty()).then(|| names.join(", "))
}

/// The identifiers of an entry: its Spotify URL, then `urn:isrc:…` when the ISRC is known.
fn identifiers(e: &Entry) -> Vec<String> {
    let mut ids: Vec<String> = e.open_url().into_iter().collect();
    if let Some(isrc) = e.track.as_ref().and_then(|t| t.isrc.as_deref()) {
        ids.push(format!("urn:isrc:{isrc}"));
    }
    ids
}

fn annotation(e: &Entry) -> Option<&'static str> {
    match e.kind {
        ItemKind::Local => Some("local file"),
        ItemKind::Unavailable => Some("unavailable on Spotify"),
        ItemKind::Episode => Some("podcast episode"),
        ItemKind::Track => None,
    }
}

/// `#EXTM3U`, `#PLAYLIST:<name>`, then `#EXTINF:<seconds>,<artists> - <title>` and the Spotify
/// URI per entry.
pub fn m3u8(list: &TrackList) -> Vec<u8> {
    let mut out = String::from("#EXTM3U\n");
    out.push_str(&format!("#PLAYLIST:{}\n", one_line(&list.name)));
    for e in &list.entries {
        let Some(uri) = e.uri.as_deref().filter(|u| !u.trim().is_empty()) else {
            out.push_str(&format!("# {}: unavailable item\n", e.position));
            continue;
        };
        let title = e.title().unwrap_or_default();
        let label = match creator(e) {
            Some(c) => format!("{c} - {title}"),
            None => title,
        };
        out.push_str(&format!(
            "#EXTINF:{},{}\n{}\n",
            seconds(e.duration_ms()),
            one_line(&label),
            one_line(uri)
        ));
    }
    out.into_bytes()
}

/// M3U8 onto local audio files: each entry [`MusicIndex::find`] matches becomes
/// `#EXTINF:<seconds>,<artists> - <title>` and the file's path relative to `playlist_dir`
/// (the playlist's own folder, as players resolve it); one it does not stays in its place as a
/// comment, `# not found: <artists> - <title> (<URI>)`. Returns the unmatched entries' labels.
pub fn m3u8_local(
    list: &TrackList,
    index: &MusicIndex,
    playlist_dir: &Path,
) -> (Vec<u8>, Vec<String>) {
    let mut out = String::from("#EXTM3U\n");
    out.push_str(&format!("#PLAYLIST:{}\n", one_line(&list.name)));
    let mut unmatched = Vec::new();
    for e in &list.entries {
        let title = e.title().unwrap_or_default();
        let label = one_line(&match creator(e) {
            Some(c) => format!("{c} - {title}"),
            None => title,
        });
        let found = index.find(e);
        let rel = found.and_then(|f| relative_path(playlist_dir, &f.path));
        match (found, rel) {
            (Some(f), Some(rel)) => {
                let ms = f.duration_ms.and_then(|d| i64::try_from(d).ok());
                out.push_str(&format!(
                    "#EXTINF:{},{label}\n{}\n",
                    seconds(ms.or(e.duration_ms())),
                    one_line(&rel)
                ));
            }
            _ => {
                let what = match e.uri.as_deref() {
                    Some(uri) => format!("{label} ({})", one_line(uri)),
                    None => format!("{label} (unavailable item {})", e.position),
                };
                out.push_str(&format!("# not found: {what}\n"));
                unmatched.push(what);
            }
        }
    }
    (out.into_bytes(), unmatched)
}

/// Escaped text XML 1.0 can hold: `& < >` escaped, `\r` as `&#13;` (a parser would turn a raw
/// one into `\n`), and characters XML forbids (most control characters, U+FFFE, U+FFFF) as
/// U+FFFD.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn text_element<W: std::io::Write>(
    w: &mut Writer<W>,
    name: &str,
    text: &str,
) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::from_escaped(xml_text(text)))?;
    Ok(())
}

fn xspf_track<W: std::io::Write>(w: &mut Writer<W>, e: &Entry) -> std::io::Result<()> {
    if let Some(uri) = &e.uri {
        text_element(w, "location", uri)?;
    }
    for id in identifiers(e) {
        text_element(w, "identifier", &id)?;
    }
    if let Some(title) = e.title() {
        text_element(w, "title", &title)?;
    }
    if let Some(c) = creator(e) {
        text_element(w, "creator", &c)?;
    }
    if let Some(a) = annotation(e) {
        text_element(w, "annotation", a)?;
    }
    if let Some(album) = e.album_name() {
        text_element(w, "album", &album)?;
    }
    if let Some(n) = e
        .track
        .as_ref()
        .and_then(|t| t.track_number)
        .filter(|n| *n >= 0)
    {
        text_element(w, "trackNum", &n.to_string())?;
    }
    if let Some(ms) = e.duration_ms().filter(|d| *d >= 0) {
        text_element(w, "duration", &ms.to_string())?;
    }
    Ok(())
}

/// XSPF version 1 (`http://xspf.org/ns/0/`), elements in the order the specification gives.
pub fn xspf(list: &TrackList, account: Option<&str>) -> Result<Vec<u8>, ExportError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let io = |e: std::io::Error| ExportError::Xml(e.to_string());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    w.create_element("playlist")
        .with_attributes([("version", "1"), ("xmlns", "http://xspf.org/ns/0/")])
        .write_inner_content(|w| {
            text_element(w, "title", &list.name)?;
            if let Some(c) = list_creator(list, account) {
                text_element(w, "creator", &c)?;
            }
            if let Some(d) = list.description.as_ref().filter(|d| !d.is_empty()) {
                text_element(w, "annotation", d)?;
            }
            if let Some(id) = list_identifier(list) {
                text_element(w, "identifier", &id)?;
            }
            let tracks = w.create_element("trackList");
            if list.entries.is_empty() {
                tracks.write_empty()?;
                return Ok(());
            }
            tracks.write_inner_content(|w| {
                for e in &list.entries {
                    w.create_element("track")
                        .write_inner_content(|w| xspf_track(w, e))?;
                }
                Ok(())
            })?;
            Ok(())
        })
        .map_err(io)?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model::*;
    use std::sync::Arc;

    fn list(entries: Vec<Entry>) -> TrackList {
        TrackList {
            kind: ListKind::Playlist,
            id: Some("p1".into()),
            uri: Some("spotify:playlist:p1".into()),
            name: "Mix\n<&>".into(),
            description: Some("a \u{1} b".into()),
            owner_id: Some("me".into()),
            owner_name: None,
            public: None,
            collaborative: None,
            snapshot_id: None,
            items_status: None,
            entries,
        }
    }

    fn track_entry(ms: Option<i64>) -> Entry {
        Entry {
            position: 0,
            kind: ItemKind::Track,
            uri: Some("spotify:track:t1".into()),
            name: None,
            added_at: None,
            added_by: None,
            context_type: None,
            context_uri: None,
            local: None,
            play: None,
            track: Some(Arc::new(Track {
                id: "t1".into(),
                uri: Some("spotify:track:t1".into()),
                name: Some("Song\r\nTwo <b>".into()),
                artists: vec![Credit {
                    id: "a".into(),
                    uri: None,
                    name: Some("A & B".into()),
                }],
                album: None,
                duration_ms: ms,
                explicit: None,
                disc_number: None,
                track_number: Some(2),
                isrc: Some("USX1".into()),
                popularity: None,
                musicbrainz: None,
            })),
        }
    }

    #[test]
    fn m3u8_lines() {
        let mut gone = track_entry(None);
        gone.kind = ItemKind::Unavailable;
        gone.uri = None;
        gone.track = None;
        gone.position = 1;
        let out = String::from_utf8(m3u8(&list(vec![track_entry(Some(215_499)), gone]))).unwrap();
        assert_eq!(
            out,
            "#EXTM3U\n#PLAYLIST:Mix <&>\n#EXTINF:215,A & B - Song  Two <b>\nspotify:track:t1\n\
             # 1: unavailable item\n"
        );
        assert_eq!(seconds(Some(500)), 1);
        assert_eq!(seconds(None), -1);
    }

    #[test]
    fn xspf_is_escaped_and_parses() {
        let out = xspf(&list(vec![track_entry(Some(1000))]), None).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.contains("<title>Song&#13;\nTwo &lt;b&gt;</title>"),
            "{text}"
        );
        assert!(text.contains("<annotation>a \u{FFFD} b</annotation>"));
        assert!(text.contains("<identifier>urn:isrc:USX1</identifier>"));
        let mut r = quick_xml::Reader::from_reader(out.as_slice());
        let mut buf = Vec::new();
        loop {
            match r.read_event_into(&mut buf).unwrap() {
                Event::Eof => break,
                _ => buf.clear(),
            }
        }
        let empty = xspf(&list(vec![]), Some("me")).unwrap();
        assert!(String::from_utf8(empty).unwrap().contains("<trackList/>"));
    }
}
