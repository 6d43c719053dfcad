//! The receiving tools' own checks, re-implemented from their source (each rule cites the file
//! and line it comes from), run over every file of an export.
//!
//! - Exportify, watsonbox/exportify @ 2c226ea: `src/components/data/TracksBaseData.ts`,
//!   `src/components/PlaylistExporter.tsx`, `src/i18n/locales/en/translation.json`; and the
//!   importer that reads its files, jsenecal/youtube-music-importer `add.py`.
//! - ListenBrainz, metabrainz/listenbrainz-server @ 0a11984:
//!   `listenbrainz/webserver/views/playlist_api.py` (JSPF import),
//!   `listenbrainz/webserver/views/api_tools.py` (listen validation),
//!   `listenbrainz/webserver/views/import_listens.py` and
//!   `listenbrainz/background/listens_importer/{listenbrainz,zip_base}.py` (listens import).
//! - troi, metabrainz/troi-recommendation-playground @ fcf08eb: `troi/playlist.py`
//!   `_deserialize_from_jspf`, which `troi/content_resolver/playlist.py` `read_jspf_playlist`
//!   calls.

use serde_json::Value;

/// Exportify's playlist header: `TracksBaseData.dataLabels()` (TracksBaseData.ts:13-33, labels
/// from en/translation.json:48-64) before the item columns `Added By`, `Added At`
/// (PlaylistExporter.tsx:22-25, 97-98: base data is unshifted before them).
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

/// Split one line of Exportify's CSV into its fields, checking its quoting: every field is
/// `"` + the value with `"` doubled + `"` (PlaylistExporter.tsx:67-69), fields joined with `,`
/// (:58, :61). Returns the unquoted values; `Err` on a field not so written.
fn exportify_fields(record: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut rest = record;
    loop {
        let Some(after) = rest.strip_prefix('"') else {
            return Err(format!("field not quoted at {rest:?}"));
        };
        let mut value = String::new();
        let mut chars = after.char_indices().peekable();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => {
                    if let Some((_, '"')) = chars.peek() {
                        chars.next();
                        value.push('"');
                    } else {
                        break i + 1;
                    }
                }
                Some((_, c)) => value.push(c),
                None => return Err("unterminated field".into()),
            }
        };
        fields.push(value);
        rest = &after[end..];
        if rest.is_empty() {
            return Ok(fields);
        }
        rest = rest
            .strip_prefix(',')
            .ok_or_else(|| format!("no comma after a field: {rest:?}"))?;
    }
}

/// Split the file into records: a record ends at a `\n` outside quotes (PlaylistExporter.tsx:58,
/// :61 end every line with "\n"; values keep their own line breaks inside quotes).
fn exportify_records(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start != text.len() {
        return Err("the file does not end with \\n".into());
    }
    Ok(out)
}

/// Exportify's rules for a playlist CSV (and what an importer of its files relies on). Returns
/// the rows.
pub fn check_exportify(bytes: &[u8], what: &str) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: UTF-8: {e}"));
    let records = exportify_records(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| exportify_fields(r).unwrap_or_else(|e| panic!("{what}: {e}")))
        .collect();
    assert!(!rows.is_empty(), "{what}: a header");
    let header = rows.remove(0);
    assert_eq!(header, EXPORTIFY_HEADER, "{what}: Exportify's header");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 19, "{what} row {i}: 19 fields");
        // TracksBaseData.ts:88 keeps only items with a track, so every row names one; an
        // importer (youtube-music-importer add.py: `row[TRACK_COL]`, TRACK_COL = 'Track Name')
        // searches for it.
        assert!(!row[0].is_empty(), "{what} row {i}: a Track URI");
        assert!(!row[1].trim().is_empty(), "{what} row {i}: a Track Name");
        // TracksBaseData.ts:50-51 (and :54-55 for the album's): URIs joined with ", ", names
        // joined with ", " with each name's commas written `\,`: as many names as URIs.
        for (uris, names) in [(2, 3), (6, 7)] {
            if row[uris].is_empty() {
                continue;
            }
            let n_uris = row[uris].split(", ").count();
            let n_names = row[names].replace("\\,", "").split(", ").count();
            assert_eq!(n_uris, n_names, "{what} row {i}: {:?}", row[names]);
        }
        // PlaylistExporter.tsx:30: `added_by.uri` or ''.
        assert!(
            row[17].is_empty() || row[17].starts_with("spotify:user:"),
            "{what} row {i}: Added By {:?}",
            row[17]
        );
        // TracksBaseData.ts:62: `item.track.explicit`, a boolean.
        assert!(
            ["true", "false", ""].contains(&row[14].as_str()),
            "{what} row {i}"
        );
    }
    rows
}

fn is_uuid(s: &str) -> bool {
    // Python's uuid.UUID accepts the 32 hex digits with or without the four dashes.
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (s.len() == 32 || s.len() == 36)
}

const PLAYLIST_EXTENSION_URI: &str = "https://musicbrainz.org/doc/jspf#playlist";
const PLAYLIST_TRACK_EXTENSION_URI: &str = "https://musicbrainz.org/doc/jspf#track";
const PLAYLIST_TRACK_URI_PREFIX: &str = "https://musicbrainz.org/recording/";

/// playlist_api.py `get_track_recording_mbid` (:57-70): the first identifier (a list, or a
/// string) that starts with the recording prefix and holds a valid UUID.
fn recording_mbid(track: &Value) -> Option<String> {
    let ids: Vec<&Value> = match &track["identifier"] {
        Value::Array(a) => a.iter().collect(),
        v @ Value::String(_) => vec![v],
        _ => vec![],
    };
    ids.into_iter().filter_map(Value::as_str).find_map(|u| {
        let mbid = u.strip_prefix(PLAYLIST_TRACK_URI_PREFIX)?;
        is_uuid(mbid).then(|| mbid.to_string())
    })
}

/// What ListenBrainz's `POST /1/playlist/create` (the web app's "Import playlist" posts the file
/// as it is: ImportJSPFPlaylistModal.tsx:35-38) checks before creating the playlist. `Err` is
/// its 400 message. Returns the recording MBIDs it stores.
pub fn listenbrainz_create(jspf: &Value) -> Result<Vec<String>, String> {
    // validate_create_playlist_required_items, playlist_api.py:43-54.
    let pl = jspf
        .get("playlist")
        .ok_or("JSPF playlist requires 'playlist' element")?;
    if pl.get("title").is_none() {
        return Err("JSPF playlist must contain a title element".into());
    }
    let ext = &pl["extension"][PLAYLIST_EXTENSION_URI];
    if ext.get("public").is_none() {
        return Err("playlist.extension.…#playlist.public field must be given.".into());
    }
    // validate_playlist, :73-111.
    if pl["title"].as_str().is_none_or(str::is_empty) {
        return Err("JSPF playlist must contain a title element".into());
    }
    if !ext["public"].is_boolean() {
        return Err("JSPF playlist public field must contain a boolean.".into());
    }
    // create_playlist, :316-383: collaborators must be existing users (none are), and a
    // created_for field is for approved bots only (403).
    if ext.get("collaborators").is_some() || ext.get("created_for").is_some() {
        return Err("collaborators / created_for name ListenBrainz users".into());
    }
    let Some(tracks) = pl.get("track") else {
        return Ok(vec![]);
    };
    let tracks = tracks.as_array().ok_or("track must be a list")?;
    let mut mbids = Vec::new();
    for (i, t) in tracks.iter().enumerate() {
        // :105-111.
        if recording_mbid(t).is_none() {
            return Err(format!(
                "JSPF playlist track {i} must contain a identifier field …"
            ));
        }
        // :386-395: the recording is read from the *first* identifier, prefix cut, as a UUID.
        let first = t["identifier"][0]
            .as_str()
            .or(t["identifier"].as_str())
            .unwrap_or_default();
        let mbid = first
            .get(PLAYLIST_TRACK_URI_PREFIX.len()..)
            .unwrap_or_default();
        if !first.starts_with(PLAYLIST_TRACK_URI_PREFIX) || !is_uuid(mbid) {
            return Err("Invalid recording MBID found in submitted recordings".into());
        }
        mbids.push(mbid.to_string());
    }
    Ok(mbids)
}

/// troi's `_deserialize_from_jspf` (troi/playlist.py:109-161), which `read_jspf_playlist`
/// (troi/content_resolver/playlist.py:6-18) runs on a file's JSON. `Err` is the exception
/// Python would raise. Returns (title, recordings as (name, mbid)).
#[allow(clippy::type_complexity)]
pub fn troi_read(jspf: &Value) -> Result<(String, Vec<(String, Option<String>)>), String> {
    let data = jspf.get("playlist").ok_or("KeyError: 'playlist'")?; // :111
    let tracks = data.get("track").ok_or("KeyError: 'track'")?; // :114
    let tracks = tracks.as_array().ok_or("TypeError: track is not a list")?;
    let mut recordings = Vec::new();
    for t in tracks {
        // :115-124: identifier required; a string or a list of strings (`.startswith`).
        let ids = t.get("identifier").ok_or("KeyError: 'identifier'")?;
        let ids: Vec<&Value> = match ids {
            Value::String(_) => vec![ids],
            Value::Array(a) => a.iter().collect(),
            _ => return Err("TypeError: identifier".into()),
        };
        let mut mbid = None;
        for id in ids {
            let id = id
                .as_str()
                .ok_or("AttributeError: identifier is not a str")?;
            if id.starts_with("https://musicbrainz.org/recording/")
                || id.starts_with("http://musicbrainz.org/recording/")
            {
                mbid = id.rsplit('/').next().map(str::to_string);
                break;
            }
        }
        // :126: title required.
        let name = t.get("title").ok_or("KeyError: 'title'")?;
        // :127-134: with a creator, the track extension is required; artist_identifiers are
        // strings split on "/".
        if t.get("creator").is_some_and(truthy) {
            let ext = t
                .get("extension")
                .and_then(|e| e.get(PLAYLIST_TRACK_EXTENSION_URI))
                .ok_or("KeyError: 'extension' / track extension")?;
            if let Some(a) = ext.get("artist_identifiers").filter(|a| truthy(a)) {
                let a = a.as_array().ok_or("TypeError: artist_identifiers")?;
                if a.iter().any(|u| !u.is_string()) {
                    return Err("AttributeError: artist identifier is not a str".into());
                }
            }
        }
        // :143-148: a subsonic identifier is sliced as a string (a KeyError is caught).
        if let Some(s) = t["extension"][PLAYLIST_TRACK_EXTENSION_URI]["additional_metadata"]
            .get("subsonic_identifier")
            && !s.is_string()
        {
            return Err("TypeError: subsonic_identifier".into());
        }
        recordings.push((name.as_str().unwrap_or_default().to_string(), mbid));
    }
    // :153-156: an identifier, when present, is split as a string.
    if let Some(id) = data.get("identifier")
        && !id.is_string()
    {
        return Err("AttributeError: identifier".into());
    }
    let title = data.get("title").ok_or("KeyError: 'title'")?; // :157
    Ok((title.as_str().unwrap_or_default().to_string(), recordings))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
    }
}

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(o) => o.values().any(has_nul),
        _ => false,
    }
}

/// ListenBrainz's `validate_listen(listen, LISTEN_TYPE_IMPORT)` (api_tools.py:162-241), which
/// its importer runs on every listen (listens_importer/base.py:164). `Err` is the reason.
pub fn listenbrainz_listen(listen: &Value, now: i64) -> Result<(), String> {
    // validate_listened_at, :357-381: an int, ≥ 2002-10-01 (LISTEN_MINIMUM_TS), < now + 1 h.
    let at = listen["listened_at"]
        .as_i64()
        .ok_or("must contain an int value for listened_at")?;
    if at >= now + 3600 {
        return Err("listened_at is too high".into());
    }
    if at < 1_033_430_400 {
        return Err("listened_at is too low".into());
    }
    let obj = listen.as_object().ok_or("not an object")?;
    // :173-180: track_metadata present; only the two keys.
    if !obj.contains_key("track_metadata") || obj.len() > 2 {
        return Err("only listened_at and track_metadata at the top level".into());
    }
    let meta = &listen["track_metadata"];
    if meta.is_null() {
        return Err("track_metadata is null".into());
    }
    // validate_basic_metadata, :244-255 (:204-206): names are strings, non-empty once stripped.
    for (key, required) in [
        ("track_name", true),
        ("artist_name", true),
        ("release_name", false),
    ] {
        match meta.get(key) {
            Some(Value::String(s)) if s.trim().is_empty() && required => {
                return Err(format!("field track_metadata.{key} is empty"));
            }
            Some(Value::String(_)) => {}
            Some(_) => return Err(format!("track_metadata.{key} must be a single string")),
            None if required => return Err(format!("no track_metadata.{key}")),
            None => {}
        }
    }
    if let Some(info) = meta.get("additional_info") {
        // :210-218: at most 50 tags of at most 64 characters.
        if let Some(tags) = info.get("tags").and_then(Value::as_array)
            && (tags.len() > 50
                || tags
                    .iter()
                    .any(|t| t.as_str().is_none_or(|t| t.chars().count() > 64)))
        {
            return Err("tags".into());
        }
        // :221-226, validate_duration_field :289-305: not both; positive, ≤ 24 days.
        if info.get("duration").is_some() && info.get("duration_ms").is_some() {
            return Err("both duration and duration_ms".into());
        }
        if let Some(d) = info.get("duration_ms") {
            let d = d.as_f64().ok_or("duration_ms is not a number")? as i64;
            if d <= 0 || d > 24 * 24 * 3600 * 1000 {
                return Err(format!("duration_ms {d}"));
            }
        }
        // validate_single_mbid_field :308-326, validate_multiple_mbids_field :329-354.
        for key in [
            "release_mbid",
            "recording_mbid",
            "release_group_mbid",
            "track_mbid",
        ] {
            if let Some(m) = info.get(key).filter(|m| truthy(m))
                && !m.as_str().is_some_and(is_uuid)
            {
                return Err(format!("{key} MBID format invalid"));
            }
        }
        for key in ["artist_mbids", "work_mbids"] {
            if let Some(list) = info.get(key).filter(|m| truthy(m)) {
                let list = list.as_array().ok_or(format!("{key} is not a list"))?;
                if list
                    .iter()
                    .filter(|m| truthy(m))
                    .any(|m| !m.as_str().is_some_and(is_uuid))
                {
                    return Err(format!("{key} MBID format invalid"));
                }
            }
        }
    }
    // :237-239, check_for_unicode_null_recursively :149-159.
    if has_nul(listen) {
        return Err("contains a unicode null".into());
    }
    Ok(())
}

/// ListenBrainz's import of its own format: the upload must be a `.zip` (import_listens.py:75-81),
/// of at most 500 entries (zip_base.py:80) each at most 500 MB (zip_base.py:13, :87); its files
/// ending in `.jsonl` are read (listenbrainz.py:14-15), line by line, each a JSON object whose
/// `listened_at` makes a timestamp (listenbrainz.py:19-27: other lines are skipped, silently).
/// Returns the listens the import keeps after validation.
pub fn listenbrainz_import(zip_name: &str, zip_bytes: &[u8], now: i64) -> Vec<Value> {
    assert!(
        zip_name.to_lowercase().ends_with(".zip"),
        "{zip_name}: a .zip"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("a ZIP");
    assert!(zip.len() <= 500, "at most 500 files");
    let mut kept = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        assert!(f.size() <= 524_288_000, "{name}: at most 500 MB");
        if !name.to_lowercase().ends_with(".jsonl") {
            continue;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).expect("UTF-8 lines");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).expect("every line is JSON");
            assert!(v["listened_at"].is_i64(), "a timestamp: {line}");
            listenbrainz_listen(&v, now).unwrap_or_else(|e| panic!("{e}: {line}"));
            kept.push(v);
        }
    }
    kept
}

#[cfg(test)]
mod rules_can_fail {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_consumer_refuses_what_its_source_refuses() {
        let ok = json!({"playlist": {"title": "x", "extension": {PLAYLIST_EXTENSION_URI: {"public": true}},
            "track": [{"title": "t", "creator": "c",
                       "identifier": ["https://musicbrainz.org/recording/8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"],
                       "extension": {PLAYLIST_TRACK_EXTENSION_URI: {}}}]}});
        assert!(listenbrainz_create(&ok).is_ok());
        assert!(troi_read(&ok).is_ok());
        let mut v = ok.clone();
        v["playlist"]["extension"] = json!({});
        assert!(listenbrainz_create(&v).is_err(), "public is required");
        let mut v = ok.clone();
        v["playlist"]["track"][0]["identifier"] = json!([
            "https://open.spotify.com/track/x",
            "https://musicbrainz.org/recording/8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"
        ]);
        assert!(
            listenbrainz_create(&v).is_err(),
            "the recording comes first"
        );
        let mut v = ok.clone();
        v["playlist"]["track"][0]
            .as_object_mut()
            .unwrap()
            .remove("extension");
        assert!(
            troi_read(&v).is_err(),
            "a creator needs the track extension"
        );
        let mut v = ok.clone();
        v["playlist"]["track"][0]
            .as_object_mut()
            .unwrap()
            .remove("title");
        assert!(troi_read(&v).is_err());
        let now = 1_800_000_000;
        let l = json!({"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "a", "track_name": "t"}});
        assert!(listenbrainz_listen(&l, now).is_ok());
        let mut v = l.clone();
        v["track_metadata"]["artist_name"] = json!("  ");
        assert!(listenbrainz_listen(&v, now).is_err());
        let mut v = l.clone();
        v["listened_at"] = json!(1_000_000_000);
        assert!(listenbrainz_listen(&v, now).is_err());
        let mut v = l.clone();
        v["track_metadata"]["additional_info"] = json!({"recording_mbid": "nope"});
        assert!(listenbrainz_listen(&v, now).is_err());
        let mut v = l;
        v["track_metadata"]["track_name"] = json!("a\u{0}b");
        assert!(listenbrainz_listen(&v, now).is_err());
        assert!(exportify_fields("\"a\",b").is_err());
        assert!(exportify_fields("\"a\"\"b\",\"c\"").is_ok());
    }
}
