//! Playlist formats media players and ListenBrainz import: M3U8, JSPF and XSPF. Each entry keeps
//! its place: an unavailable item becomes a comment (M3U8) or a track with only an annotation.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::Serialize;

use super::ExportError;
use super::model::{Entry, ItemKind, ListKind, TrackList, open_url};

/// The `identifier` of the liked songs (Spotify's own URL for them).
const LIKED_URL: &str = "https://open.spotify.com/collection/tracks";

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

fn list_creator(list: &TrackList, account: Option<&str>) -> Option<String> {
    match list.kind {
        ListKind::Playlist => list.owner_name.clone().or_else(|| list.owner_id.clone()),
        _ => account.map(str::to_string),
    }
}

fn list_identifier(list: &TrackList) -> Option<String> {
    match list.kind {
        ListKind::LikedSongs => Some(LIKED_URL.to_string()),
        _ => list.uri.as_deref().and_then(open_url),
    }
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

/// A JSPF track: unknown values are left out (the format has no null).
#[derive(Serialize)]
struct JspfTrack<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    album: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotation: Option<&'static str>,
    #[serde(rename = "trackNum", skip_serializing_if = "Option::is_none")]
    track_num: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<i64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    location: Vec<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    identifier: Vec<String>,
}

#[derive(Serialize)]
struct JspfPlaylist<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    track: Vec<JspfTrack<'a>>,
}

#[derive(Serialize)]
struct Jspf<'a> {
    playlist: JspfPlaylist<'a>,
}

fn jspf_track(e: &Entry) -> JspfTrack<'_> {
    JspfTrack {
        title: e.title(),
        creator: creator(e),
        album: e.album_name(),
        annotation: annotation(e),
        track_num: e
            .track
            .as_ref()
            .and_then(|t| t.track_number)
            .filter(|n| *n >= 0),
        duration: e.duration_ms().filter(|d| *d >= 0),
        location: e.uri.as_deref().into_iter().collect(),
        identifier: identifiers(e),
    }
}

/// JSPF (JSON XSPF): `{"playlist": {title, creator, annotation, identifier, track: [...]}}`;
/// per track `location` = the Spotify URI, `identifier` = the Spotify URL and ISRC, `duration` in
/// milliseconds.
pub fn jspf(list: &TrackList, account: Option<&str>) -> Result<Vec<u8>, ExportError> {
    let doc = Jspf {
        playlist: JspfPlaylist {
            title: &list.name,
            creator: list_creator(list, account),
            annotation: list.description.as_deref().filter(|d| !d.is_empty()),
            identifier: list_identifier(list),
            track: list.entries.iter().map(jspf_track).collect(),
        },
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
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
    use serde_json::{Value, json};
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

    #[test]
    fn jspf_omits_unknowns() {
        let out = jspf(&list(vec![track_entry(None)]), None).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let t = &v["playlist"]["track"][0];
        assert_eq!(
            t["identifier"],
            json!(["https://open.spotify.com/track/t1", "urn:isrc:USX1"])
        );
        assert!(t.get("duration").is_none());
        assert_eq!(t["trackNum"], json!(2));
        assert_eq!(v["playlist"]["creator"], json!("me"));
        assert_eq!(
            v["playlist"]["identifier"],
            json!("https://open.spotify.com/playlist/p1")
        );
    }
}
