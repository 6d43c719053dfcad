//! Finding the export's files under the paths given: zip archives (their central directory read
//! once), folders (each real folder and file visited once, however many links lead to it) and
//! single files, in any mix. Stops early when the import is cancelled.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::Cancel;

/// The export files spotsync knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `Streaming_History_Audio_*.json` (extended streaming history).
    ExtendedAudio,
    /// `Streaming_History_Video_*.json` (older: `endvideo*.json`).
    ExtendedVideo,
    /// `endsong_*.json` (older extended streaming history).
    Endsong,
    /// `StreamingHistory_music_*.json` (account data; older: `StreamingHistory*.json`).
    AccountMusic,
    /// `StreamingHistory_podcast_*.json` (account data).
    AccountPodcast,
    /// `StreamingHistory_audiobook_*.json` (account data).
    AccountAudiobook,
}

impl FileKind {
    /// Recognise a file by its name (the folder does not matter).
    pub fn of(path: &str) -> Option<FileKind> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = name.strip_suffix(".json")?;
        let kinds = [
            ("Streaming_History_Audio", FileKind::ExtendedAudio),
            ("Streaming_History_Video", FileKind::ExtendedVideo),
            ("endvideo", FileKind::ExtendedVideo),
            ("endsong", FileKind::Endsong),
            ("StreamingHistory_podcast", FileKind::AccountPodcast),
            ("StreamingHistory_audiobook", FileKind::AccountAudiobook),
            ("StreamingHistory", FileKind::AccountMusic),
        ];
        kinds
            .into_iter()
            .find(|(prefix, _)| stem.starts_with(prefix))
            .map(|(_, kind)| kind)
    }

    /// Extended streaming history (else account data).
    pub fn is_extended(self) -> bool {
        matches!(
            self,
            FileKind::ExtendedAudio | FileKind::ExtendedVideo | FileKind::Endsong
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::ExtendedAudio => "extended audio",
            FileKind::ExtendedVideo => "extended video",
            FileKind::Endsong => "extended (endsong)",
            FileKind::AccountMusic => "account music",
            FileKind::AccountPodcast => "account podcast",
            FileKind::AccountAudiobook => "account audiobook",
        }
    }
}

/// Where a file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// Entry `index` of the zip archive at the path.
    Zip(PathBuf, usize),
}

/// One export file to import.
#[derive(Debug, Clone)]
pub struct Input {
    /// What to call it in messages: the path, or `archive.zip!folder/file.json`.
    pub name: String,
    pub kind: FileKind,
    pub location: Location,
    /// Uncompressed size in bytes (for progress).
    pub size: u64,
}

/// What was found under the paths given.
#[derive(Debug, Default)]
pub struct Found {
    /// Extended history first, then account data (so account rows can match extended ones),
    /// each in name order.
    pub inputs: Vec<Input>,
    /// Files that are not part of the listening history (named, for the summary).
    pub skipped: Vec<String>,
    /// Paths that could not be read at all.
    pub errors: Vec<(String, String)>,
    /// The search stopped early (the import was cancelled).
    pub interrupted: bool,
}

/// Folders are followed this deep (below the path given).
const MAX_DEPTH: usize = 8;

/// The walk: what was found, and every real path visited (so that a link to a folder above, or
/// a second name of a file, is not read again).
struct Walk<'a> {
    found: Found,
    seen: HashSet<PathBuf>,
    cancel: &'a Cancel,
}

fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"PK\x03\x04")
}

/// A zip entry that macOS adds beside the real one (`__MACOSX/…`, `._name`).
fn is_resource_fork(entry: &str) -> bool {
    entry.starts_with("__MACOSX/")
        || entry
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("._"))
}

impl Walk<'_> {
    fn add_zip(&mut self, path: &Path) {
        let name = path.display().to_string();
        let archive = File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| e.to_string()));
        let archive = match archive {
            Ok(a) => a,
            Err(e) => {
                self.found
                    .errors
                    .push((name, format!("not a readable zip archive: {e}")));
                return;
            }
        };
        for i in 0..archive.len() {
            if self.cancel.is_set() {
                self.found.interrupted = true;
                return;
            }
            // The central directory is in memory: an entry's name and size cost no I/O.
            let Ok(entry) = archive.by_index_data(i) else {
                self.found
                    .errors
                    .push((format!("{name}!#{i}"), "unreadable zip entry".into()));
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            let Ok(entry_name) = entry.name() else {
                self.found.errors.push((
                    format!("{name}!#{i}"),
                    "a zip entry whose name is not text".into(),
                ));
                continue;
            };
            let full = format!("{name}!{entry_name}");
            match FileKind::of(&entry_name).filter(|_| !is_resource_fork(&entry_name)) {
                Some(kind) => self.found.inputs.push(Input {
                    name: full,
                    kind,
                    location: Location::Zip(path.to_owned(), i),
                    size: entry.size(),
                }),
                None => self.found.skipped.push(full),
            }
        }
    }

    fn add_dir(&mut self, path: &Path, name: String, depth: usize) {
        if depth > MAX_DEPTH {
            self.found.skipped.push(name);
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(d) => d,
            Err(e) => {
                self.found
                    .errors
                    .push((name, format!("cannot list it: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for c in children {
            if self.cancel.is_set() {
                self.found.interrupted = true;
                return;
            }
            self.add_path(&c, depth + 1);
        }
    }

    fn add_path(&mut self, path: &Path, depth: usize) {
        let name = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.found
                    .errors
                    .push((name, format!("cannot read it: {e}")));
                return;
            }
        };
        // One visit per real file or folder: links to a folder above would otherwise be walked
        // again and again, and a file reached by two names read twice.
        if let Ok(real) = std::fs::canonicalize(path)
            && !self.seen.insert(real)
        {
            return;
        }
        if meta.is_dir() {
            self.add_dir(path, name, depth);
        } else if let Some(kind) = FileKind::of(&name) {
            self.found.inputs.push(Input {
                name,
                kind,
                location: Location::File(path.to_owned()),
                size: meta.len(),
            });
        } else if is_zip(path) {
            self.add_zip(path);
        } else {
            self.found.skipped.push(name);
        }
    }
}

/// Find the export files under `paths` (zip archives, folders, single files, in any mix).
pub fn discover(paths: &[PathBuf], cancel: &Cancel) -> Found {
    let mut walk = Walk {
        found: Found::default(),
        seen: HashSet::new(),
        cancel,
    };
    for p in paths {
        if cancel.is_set() {
            walk.found.interrupted = true;
            break;
        }
        walk.add_path(p, 0);
    }
    let mut found = walk.found;
    found
        .inputs
        .sort_by(|a, b| (!a.kind.is_extended(), &a.name).cmp(&(!b.kind.is_extended(), &b.name)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        use FileKind::*;
        let k = |n: &str| FileKind::of(n);
        assert_eq!(
            k("x/Streaming_History_Audio_2019-2021_3.json"),
            Some(ExtendedAudio)
        );
        assert_eq!(
            k("Streaming_History_Video_2020-2024.json"),
            Some(ExtendedVideo)
        );
        assert_eq!(k("MyData/endvideo.json"), Some(ExtendedVideo));
        assert_eq!(k("MyData/endsong_0.json"), Some(Endsong));
        assert_eq!(k("StreamingHistory_music_0.json"), Some(AccountMusic));
        assert_eq!(k("StreamingHistory0.json"), Some(AccountMusic));
        assert_eq!(k("StreamingHistory_podcast_0.json"), Some(AccountPodcast));
        assert_eq!(
            k("StreamingHistory_audiobook_0.json"),
            Some(AccountAudiobook)
        );
        assert_eq!(k("Userdata.json"), None);
        assert_eq!(k("ReadMeFirst_ExtendedStreamingHistory.pdf"), None);
    }

    #[test]
    fn links_to_a_folder_above_are_not_followed_again() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("MyData");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("endsong_0.json"), "[]").unwrap();
        #[cfg(unix)]
        for i in 0..5 {
            std::os::unix::fs::symlink("..", data.join(format!("up{i}"))).unwrap();
        }
        let found = discover(&[dir.path().to_owned(), data.clone()], &Cancel::default());
        assert_eq!(found.inputs.len(), 1, "{found:?}");
        assert!(found.errors.is_empty());
    }
}
