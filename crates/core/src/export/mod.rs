//! Export the mirror in the formats other tools read: CSV (Exportify's layout), a versioned
//! JSON backup, M3U8, JSPF and XSPF — from the database only (no request, no token), now or as
//! of a date.
//!
//! [`open`] the store's read handle, [`query::load`] a [`model::Library`], [`render`] it into
//! named files (pure: rows in, bytes out), then [`write_atomically`] into a directory.

mod as_of;
pub mod csv;
pub mod json;
pub mod model;
pub mod names;
pub mod playlist;
pub mod query;
mod rows;

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
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Json,
        Format::M3u8,
        Format::Jspf,
        Format::Xspf,
    ];

    /// The file extension (without the dot).
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::M3u8 => "m3u8",
            Format::Jspf => "jspf",
            Format::Xspf => "xspf",
        }
    }

    /// Whether the format holds track lists only (no album or artist list).
    pub fn track_lists_only(self) -> bool {
        matches!(self, Format::M3u8 | Format::Jspf | Format::Xspf)
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
    /// A safe file name, unique within the export.
    pub name: String,
    pub format: Format,
    pub section: Section,
    /// Entries (rows, tracks) it holds.
    pub items: usize,
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

/// Turn a loaded library into files, one format after the other. Track-list formats (M3U8,
/// JSPF, XSPF) skip albums and artists.
pub fn render(lib: &Library, formats: &[Format]) -> Result<Vec<OutFile>, ExportError> {
    let mut out = Vec::new();
    let mut namer = names::Namer::new();
    for &format in formats {
        if format == Format::Json {
            out.push(OutFile {
                name: namer.name(JSON_NAME, format.ext()),
                format,
                section: Section::Library,
                items: entries(lib),
                bytes: json::document(lib)?,
            });
        } else {
            render_lists(lib, format, &mut namer, &mut out)?;
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

/// One file per list (and, in CSV, the album and artist tables) in `format`, named by `namer`:
/// fixed names first, then playlists in list order.
fn render_lists(
    lib: &Library,
    format: Format,
    namer: &mut names::Namer,
    out: &mut Vec<OutFile>,
) -> Result<(), ExportError> {
    let ext = format.ext();
    let account = lib
        .account
        .display_name
        .as_deref()
        .or(lib.account.user_id.as_deref());
    let list_bytes = |list: &model::TrackList| -> Result<Vec<u8>, ExportError> {
        match format {
            Format::Csv if list.kind == model::ListKind::ListeningHistory => csv::plays(list),
            Format::Csv => csv::track_list(list),
            Format::M3u8 => Ok(playlist::m3u8(list)),
            Format::Jspf => playlist::jspf(list, account),
            Format::Xspf | Format::Json => playlist::xspf(list, account),
        }
    };
    let tables = !format.track_lists_only();
    let liked_name = lib.liked.as_ref().map(|_| namer.name(LIKED_NAME, ext));
    let plays_name = lib.plays.as_ref().map(|_| namer.name(PLAYS_NAME, ext));
    let albums_name = lib.albums.as_ref().filter(|_| tables);
    let albums_name = albums_name.map(|_| namer.name(ALBUMS_NAME, ext));
    let artists_name = lib.artists.as_ref().filter(|_| tables);
    let artists_name = artists_name.map(|_| namer.name(ARTISTS_NAME, ext));
    let file = |name, section, items, bytes| OutFile {
        name,
        format,
        section,
        items,
        bytes,
    };
    if let (Some(list), Some(name)) = (&lib.liked, liked_name) {
        out.push(file(
            name,
            Section::Liked,
            list.entries.len(),
            list_bytes(list)?,
        ));
    }
    for list in lib.playlists.iter().flatten() {
        let name = namer.name(&list.name, ext);
        out.push(file(
            name,
            Section::Playlist,
            list.entries.len(),
            list_bytes(list)?,
        ));
    }
    if let (Some(list), Some(name)) = (&lib.plays, plays_name) {
        out.push(file(
            name,
            Section::Plays,
            list.entries.len(),
            list_bytes(list)?,
        ));
    }
    if let (Some(albums), Some(name)) = (&lib.albums, albums_name) {
        out.push(file(
            name,
            Section::Albums,
            albums.len(),
            csv::albums(albums)?,
        ));
    }
    if let (Some(artists), Some(name)) = (&lib.artists, artists_name) {
        out.push(file(
            name,
            Section::Artists,
            artists.len(),
            csv::artists(artists)?,
        ));
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
        let mut tmp = temp_builder().tempfile_in(dir).map_err(io(&path))?;
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
