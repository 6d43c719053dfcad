//! Export the mirror in the formats other tools read: CSV (Exportify's layout), a versioned
//! JSON backup, M3U8, JSPF and XSPF — from the database only (no request, no token), now or as
//! of a date.
//!
//! [`open`] the store's read handle, [`query::load`] a [`model::Library`], [`render_with`] it
//! into named files (pure: rows in, bytes out; [`Layout::Folders`] puts track lists, the history
//! and the tables in folders of their own), then [`write_atomically`] into a directory.

mod as_of;
pub mod csv;
pub mod json;
pub mod jspf;
pub mod listens;
pub mod model;
pub mod music_dir;
pub mod names;
pub mod playlist;
pub mod query;
mod rows;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::Reader;
pub use model::Library;
pub use query::{Selection, load};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no database at {0}: run `spotsync sync` first")]
    NoDatabase(PathBuf),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("this is not a spotsync database: {0}")]
    NotSpotsync(String),
    #[error("the database holds a damaged value: {0}")]
    Damaged(String),
    #[error("no playlist matches {0:?} (give its name, id or spotify:playlist: URI)")]
    NoSuchPlaylist(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot write CSV: {0}")]
    Csv(String),
    #[error("cannot write XML: {0}")]
    Xml(String),
    #[error("cannot write the ZIP: {0}")]
    Zip(String),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Json,
    M3u8,
    Jspf,
    Xspf,
    /// ListenBrainz listens (the listening history only): JSON lines, and a ZIP of them for
    /// ListenBrainz's import.
    ListenBrainz,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Csv,
        Format::Json,
        Format::M3u8,
        Format::Jspf,
        Format::Xspf,
        Format::ListenBrainz,
    ];

    /// The file extension (without the dot).
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::M3u8 => "m3u8",
            Format::Jspf => "jspf",
            Format::Xspf => "xspf",
            Format::ListenBrainz => "jsonl",
        }
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::ListenBrainz => "listenbrainz",
            f => f.ext(),
        }
    }

    /// Whether the format holds track lists only (no album or artist list).
    pub fn track_lists_only(self) -> bool {
        matches!(
            self,
            Format::M3u8 | Format::Jspf | Format::Xspf | Format::ListenBrainz
        )
    }
}

/// What one output file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Liked,
    Playlist,
    Albums,
    Artists,
    Plays,
    /// The whole JSON document.
    Library,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// A safe relative path (`playlists/Road Trip.csv`), unique within the export.
    pub name: String,
    pub format: Format,
    pub section: Section,
    /// Entries (rows, tracks) it holds.
    pub items: usize,
    /// Entries of the list the file does not hold: unavailable items in CSV, tracks without a
    /// MusicBrainz recording in JSPF, plays ListenBrainz would refuse.
    pub left_out: usize,
    /// M3U8 with a music folder: the entries no audio file matched.
    pub unmatched: Vec<String>,
    pub bytes: Vec<u8>,
}

/// Fixed file names (taken before any playlist's, so a playlist called "Liked Songs" is numbered).
pub const LIKED_NAME: &str = "Liked Songs";
pub const PLAYS_NAME: &str = "Listening History";
pub const ALBUMS_NAME: &str = "Albums";
pub const ARTISTS_NAME: &str = "Artists";
pub const JSON_NAME: &str = "spotsync-export";

/// Where an export goes when no directory is given (`spotsync export --out`, the terminal
/// app's `e`): this directory under the current one.
pub const DEFAULT_DIR: &str = "spotsync-export";

/// The folders of a [`Layout::Folders`] export: track lists (what Exportify writes, what
/// playlist importers read), the listening history, and the album and artist tables.
pub const PLAYLISTS_DIR: &str = "playlists";
pub const HISTORY_DIR: &str = "history";
pub const LIBRARY_DIR: &str = "library";

/// Where the files of an export go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Everything in the directory (one list at a time: the terminal app's `e`).
    #[default]
    Flat,
    /// Track lists in `playlists/`, the history in `history/`, albums and artists in
    /// `library/`, the JSON document at the top: a folder of playlists holds nothing else.
    Folders,
}

/// How to render.
#[derive(Debug, Default)]
pub struct RenderOptions<'a> {
    pub layout: Layout,
    /// M3U8 onto these audio files, with paths relative to each playlist's folder under
    /// `out_dir` (absolute).
    pub music: Option<(&'a music_dir::MusicIndex, &'a Path)>,
}

/// Turn a loaded library into files, everything in one directory ([`Layout::Flat`]).
pub fn render(lib: &Library, formats: &[Format]) -> Result<Vec<OutFile>, ExportError> {
    render_with(lib, formats, &RenderOptions::default())
}

/// Turn a loaded library into files, one format after the other. Track-list formats skip
/// albums and artists; ListenBrainz holds the listening history only.
pub fn render_with(
    lib: &Library,
    formats: &[Format],
    opts: &RenderOptions<'_>,
) -> Result<Vec<OutFile>, ExportError> {
    let mut out = Vec::new();
    let mut namers: HashMap<&'static str, names::Namer> = HashMap::new();
    for &format in formats {
        if format == Format::Json {
            let name = namers.entry("").or_default().name(JSON_NAME, format.ext());
            out.push(OutFile {
                name,
                format,
                section: Section::Library,
                items: entries(lib),
                left_out: 0,
                unmatched: Vec::new(),
                bytes: json::document(lib)?,
            });
        } else {
            render_lists(lib, format, opts, &mut namers, &mut out)?;
        }
    }
    Ok(out)
}

/// Every entry of the JSON document: list entries, albums and artists.
fn entries(lib: &Library) -> usize {
    lib.liked.as_ref().map_or(0, |l| l.entries.len())
        + lib
            .playlists
            .iter()
            .flatten()
            .map(|p| p.entries.len())
            .sum::<usize>()
        + lib.plays.as_ref().map_or(0, |l| l.entries.len())
        + lib.albums.as_ref().map_or(0, Vec::len)
        + lib.artists.as_ref().map_or(0, Vec::len)
}

/// The folder of a section's files.
fn folder(layout: Layout, section: Section) -> &'static str {
    match (layout, section) {
        (Layout::Flat, _) | (_, Section::Library) => "",
        (_, Section::Liked | Section::Playlist) => PLAYLISTS_DIR,
        (_, Section::Plays) => HISTORY_DIR,
        (_, Section::Albums | Section::Artists) => LIBRARY_DIR,
    }
}

/// A list's bytes in `format`: (bytes, entries written, left out, unmatched).
type Rendered = (Vec<u8>, usize, usize, Vec<String>);

fn list_bytes(
    lib: &Library,
    list: &model::TrackList,
    format: Format,
    opts: &RenderOptions<'_>,
    dir: &str,
) -> Result<Rendered, ExportError> {
    let n = list.entries.len();
    let account = lib
        .account
        .display_name
        .as_deref()
        .or(lib.account.user_id.as_deref());
    Ok(match format {
        Format::Csv if list.kind == model::ListKind::ListeningHistory => {
            (csv::plays(list)?, n, 0, Vec::new())
        }
        Format::Csv => {
            let (bytes, left_out) = csv::track_list(list)?;
            (bytes, n - left_out, left_out, Vec::new())
        }
        Format::M3u8 => match opts.music {
            Some((index, out_dir)) => {
                let (bytes, unmatched) = playlist::m3u8_local(list, index, &out_dir.join(dir));
                (bytes, n - unmatched.len(), 0, unmatched)
            }
            None => (playlist::m3u8(list), n, 0, Vec::new()),
        },
        Format::Jspf => {
            let (bytes, left_out) = jspf::jspf(list, account)?;
            (bytes, n - left_out, left_out, Vec::new())
        }
        Format::ListenBrainz => {
            let now = chrono::Utc::now();
            let (bytes, left_out) = listens::jsonl(list, now)?;
            (bytes, n - left_out, left_out, Vec::new())
        }
        Format::Xspf | Format::Json => (playlist::xspf(list, account)?, n, 0, Vec::new()),
    })
}

/// The ZIP of listens ListenBrainz's import takes, beside the JSON lines.
fn listens_zip(
    plays: &model::TrackList,
    layout: Layout,
    namers: &mut HashMap<&'static str, names::Namer>,
) -> Result<OutFile, ExportError> {
    let (bytes, left_out) = listens::zip(plays, chrono::Utc::now())?;
    let dir = folder(layout, Section::Plays);
    let n = namers.entry(dir).or_default().name(PLAYS_NAME, "zip");
    Ok(OutFile {
        name: if dir.is_empty() {
            n
        } else {
            format!("{dir}/{n}")
        },
        format: Format::ListenBrainz,
        section: Section::Plays,
        items: plays.entries.len() - left_out,
        left_out,
        unmatched: Vec::new(),
        bytes,
    })
}

/// One file per list (and, in CSV, the album and artist tables) in `format`: fixed names
/// first, then playlists in list order, each folder numbering its own duplicates.
fn render_lists(
    lib: &Library,
    format: Format,
    opts: &RenderOptions<'_>,
    namers: &mut HashMap<&'static str, names::Namer>,
    out: &mut Vec<OutFile>,
) -> Result<(), ExportError> {
    let ext = format.ext();
    let tables = !format.track_lists_only();
    let history_only = format == Format::ListenBrainz;
    let mut name = |section: Section, stem: &str| {
        let dir = folder(opts.layout, section);
        let n = namers.entry(dir).or_default().name(stem, ext);
        (
            dir,
            if dir.is_empty() {
                n
            } else {
                format!("{dir}/{n}")
            },
        )
    };
    // Fixed names are taken first, so a playlist called "Liked Songs" is numbered.
    let liked = lib.liked.as_ref().filter(|_| !history_only);
    let liked = liked.map(|l| (name(Section::Liked, LIKED_NAME), l));
    let plays = lib
        .plays
        .as_ref()
        .map(|l| (name(Section::Plays, PLAYS_NAME), l));
    let albums = lib.albums.as_ref().filter(|_| tables);
    let albums = albums.map(|a| (name(Section::Albums, ALBUMS_NAME), a));
    let artists = lib.artists.as_ref().filter(|_| tables);
    let artists = artists.map(|a| (name(Section::Artists, ARTISTS_NAME), a));
    let mut named: Vec<((&str, String), Section, &model::TrackList)> = Vec::new();
    if let Some((n, l)) = liked {
        named.push((n, Section::Liked, l));
    }
    for l in lib.playlists.iter().flatten().filter(|_| !history_only) {
        named.push((name(Section::Playlist, &l.name), Section::Playlist, l));
    }
    if let Some((n, l)) = plays {
        named.push((n, Section::Plays, l));
    }
    for ((dir, file_name), section, list) in named {
        let (bytes, items, left_out, unmatched) = list_bytes(lib, list, format, opts, dir)?;
        out.push(OutFile {
            name: file_name,
            format,
            section,
            items,
            left_out,
            unmatched,
            bytes,
        });
    }
    if history_only && let Some(l) = &lib.plays {
        out.push(listens_zip(l, opts.layout, namers)?);
    }
    let table = |(_, name): (&str, String), section, items, bytes| OutFile {
        name,
        format,
        section,
        items,
        left_out: 0,
        unmatched: Vec::new(),
        bytes,
    };
    if let Some((n, a)) = albums {
        out.push(table(n, Section::Albums, a.len(), csv::albums(a)?));
    }
    if let Some((n, a)) = artists {
        out.push(table(n, Section::Artists, a.len(), csv::artists(a)?));
    }
    Ok(())
}

/// Open the store's read handle on the database (works while a sync or the daemon writes it).
/// Refuses a file that is not a spotsync database, leaving it untouched.
pub fn open(db: &Path) -> Result<Reader, ExportError> {
    if let Some(reader) = Reader::open(db)? {
        return Ok(reader);
    }
    // No spotsync schema: an empty file is no database yet; one with tables is another
    // application's.
    if crate::store::browse::export::holds_tables(db)? {
        return Err(ExportError::NotSpotsync(format!(
            "{} holds another application's tables; it was left untouched",
            db.display()
        )));
    }
    Err(ExportError::NoDatabase(db.to_owned()))
}

/// Write each file into `dir` atomically (a temporary file in `dir`, synced, then renamed over
/// the name): a reader never sees half a file, and an interrupted export leaves the previous
/// file in place. Files get the mode of any new file (0666 less the umask, on Unix). Returns the
/// paths written.
pub fn write_atomically(dir: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, ExportError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.name);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let mut tmp = temp_builder().tempfile_in(parent).map_err(io(&path))?;
        tmp.write_all(&f.bytes).map_err(io(&path))?;
        tmp.as_file().sync_all().map_err(io(&path))?;
        tmp.persist(&path).map_err(|e| ExportError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Temporary files for an export. On Unix they are created with mode 0666 less the umask, as
/// any file a program writes (0644 under the usual umask 022), so that a media server running as
/// another user can read them; tempfile's own default, 0600, is for secrets.
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".spotsync-export-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b
}

/// One file an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub format: Format,
    pub section: Section,
    /// Entries (rows, tracks) it holds.
    pub items: usize,
    /// Entries of the list it does not hold (see [`OutFile::left_out`]).
    pub left_out: usize,
}

/// The whole export in one call: [`open`] `db` read-only, [`load`] `sel`, [`render`] it in
/// `formats` and [`write_atomically`] into `dir`. Returns what was written, in render order.
pub fn export_to_dir(
    db: &Path,
    sel: &Selection,
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Written>, ExportError> {
    let reader = open(db)?;
    let lib = load(&reader, sel)?;
    drop(reader);
    let files = render(&lib, formats)?;
    let paths = write_atomically(dir, &files)?;
    Ok(files
        .iter()
        .zip(paths)
        .map(|(f, path)| Written {
            path,
            format: f.format,
            section: f.section,
            items: f.items,
            left_out: f.left_out,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = |bytes: &[u8]| OutFile {
            name: "Liked Songs.csv".into(),
            format: Format::Csv,
            section: Section::Liked,
            items: 0,
            left_out: 0,
            unmatched: Vec::new(),
            bytes: bytes.to_vec(),
        };
        write_atomically(dir.path(), &[f(b"old")]).unwrap();
        let paths = write_atomically(dir.path(), &[f(b"new")]).unwrap();
        assert_eq!(std::fs::read(&paths[0]).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("Liked Songs.csv")]);
    }

    #[test]
    fn fixed_names_come_before_playlists() {
        let list = |name: &str, kind| model::TrackList {
            kind,
            id: None,
            uri: None,
            name: name.into(),
            description: None,
            owner_id: None,
            owner_name: None,
            public: None,
            collaborative: None,
            snapshot_id: None,
            items_status: None,
            entries: vec![],
        };
        let lib = Library {
            liked: Some(list("Liked Songs", model::ListKind::LikedSongs)),
            playlists: Some(vec![
                list("Liked Songs", model::ListKind::Playlist),
                list("a/b", model::ListKind::Playlist),
            ]),
            albums: Some(vec![]),
            ..Library::default()
        };
        let files = render(&lib, &[Format::Csv, Format::M3u8, Format::Json]).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Liked Songs.csv",
                "Liked Songs (2).csv",
                "a_b.csv",
                "Albums.csv",
                "Liked Songs.m3u8",
                "Liked Songs (2).m3u8",
                "a_b.m3u8",
                "spotsync-export.json"
            ]
        );
    }
}
