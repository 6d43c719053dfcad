//! Finding the export's files (a zip, a folder, single files) and streaming the JSON array each
//! one holds, one row at a time, with serde's `SeqAccess`: memory stays bounded whatever the
//! size of a file.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserializer as _;
use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};

/// The export files spotsync knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `Streaming_History_Audio_*.json` (extended streaming history).
    ExtendedAudio,
    /// `Streaming_History_Video_*.json`.
    ExtendedVideo,
    /// `endsong_*.json` (older extended streaming history).
    Endsong,
    /// `StreamingHistory_music_*.json` (account data; older: `StreamingHistory*.json`).
    AccountMusic,
    /// `StreamingHistory_podcast_*.json` (account data).
    AccountPodcast,
}

impl FileKind {
    /// Recognise a file by its name (the folder does not matter).
    pub fn of(path: &str) -> Option<FileKind> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = name.strip_suffix(".json")?;
        if stem.starts_with("Streaming_History_Audio") {
            Some(FileKind::ExtendedAudio)
        } else if stem.starts_with("Streaming_History_Video") {
            Some(FileKind::ExtendedVideo)
        } else if stem.starts_with("endsong") {
            Some(FileKind::Endsong)
        } else if stem.starts_with("StreamingHistory_podcast") {
            Some(FileKind::AccountPodcast)
        } else if stem.starts_with("StreamingHistory") {
            Some(FileKind::AccountMusic)
        } else {
            None
        }
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
        }
    }
}

/// Where a file's bytes are.
#[derive(Debug, Clone)]
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
}

fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"PK\x03\x04")
}

fn add_zip(found: &mut Found, path: &Path) {
    let name = path.display().to_string();
    let archive = File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| e.to_string()));
    let mut archive = match archive {
        Ok(a) => a,
        Err(e) => {
            found
                .errors
                .push((name, format!("not a readable zip archive: {e}")));
            return;
        }
    };
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            found
                .errors
                .push((format!("{name}!#{i}"), "unreadable zip entry".into()));
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let Ok(entry_name) = entry.name().map(|n| n.into_owned()) else {
            found.errors.push((
                format!("{name}!#{i}"),
                "a zip entry whose name is not text".into(),
            ));
            continue;
        };
        let size = entry.size();
        drop(entry);
        let full = format!("{name}!{entry_name}");
        let hidden = entry_name.starts_with("__MACOSX/")
            || entry_name
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("._"));
        match FileKind::of(&entry_name).filter(|_| !hidden) {
            Some(kind) => found.inputs.push(Input {
                name: full,
                kind,
                location: Location::Zip(path.to_owned(), i),
                size,
            }),
            None => found.skipped.push(full),
        }
    }
}

fn add_path(found: &mut Found, path: &Path, depth: usize) {
    let name = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            found.errors.push((name, format!("cannot read it: {e}")));
            return;
        }
    };
    if meta.is_dir() {
        if depth > 8 {
            found.skipped.push(name);
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(d) => d,
            Err(e) => {
                found.errors.push((name, format!("cannot list it: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for c in children {
            add_path(found, &c, depth + 1);
        }
    } else if let Some(kind) = FileKind::of(&name) {
        found.inputs.push(Input {
            name,
            kind,
            location: Location::File(path.to_owned()),
            size: meta.len(),
        });
    } else if is_zip(path) {
        add_zip(found, path);
    } else {
        found.skipped.push(name);
    }
}

/// Find the export files under `paths` (zip archives, folders, single files, in any mix).
pub fn discover(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for p in paths {
        add_path(&mut found, p, 0);
    }
    found
        .inputs
        .sort_by(|a, b| (!a.kind.is_extended(), &a.name).cmp(&(!b.kind.is_extended(), &b.name)));
    found
}

/// Counts the bytes read through it (for the progress bar).
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Why a file stopped being read.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The file is not what it should be; the message says where and what.
    Malformed(String),
    /// The row handler asked to stop.
    Stopped(E),
}

/// Open `input` and hand each element of its JSON array to `each`, in order. Returns how many
/// elements were read. `bytes` counts the (uncompressed) bytes read.
pub fn stream_rows<T, E>(
    input: &Input,
    bytes: &Arc<AtomicU64>,
    each: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<u64, StreamError<E>>
where
    T: DeserializeOwned,
{
    match &input.location {
        Location::File(p) => {
            let f =
                File::open(p).map_err(|e| StreamError::Malformed(format!("cannot open: {e}")))?;
            stream_reader(f, bytes, each)
        }
        Location::Zip(p, i) => {
            let f =
                File::open(p).map_err(|e| StreamError::Malformed(format!("cannot open: {e}")))?;
            let mut archive = zip::ZipArchive::new(BufReader::new(f))
                .map_err(|e| StreamError::Malformed(format!("not a readable zip archive: {e}")))?;
            let entry = archive
                .by_index(*i)
                .map_err(|e| StreamError::Malformed(format!("cannot read the zip entry: {e}")))?;
            stream_reader(entry, bytes, each)
        }
    }
}

fn stream_reader<R: Read, T: DeserializeOwned, E>(
    r: R,
    bytes: &Arc<AtomicU64>,
    each: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<u64, StreamError<E>> {
    let reader = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: r,
            bytes: bytes.clone(),
        },
    );
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut stopped: Option<E> = None;
    let mut count = 0u64;
    let visitor = RowsVisitor {
        each,
        stopped: &mut stopped,
        count: &mut count,
        _t: PhantomData,
    };
    let res = (&mut de).deserialize_seq(visitor);
    if let Some(e) = stopped {
        return Err(StreamError::Stopped(e));
    }
    match res.and_then(|()| de.end()) {
        Ok(()) => Ok(count),
        Err(e) if e.is_eof() && count == 0 => Err(StreamError::Malformed(format!(
            "empty or cut short ({e}); expected a JSON array of plays"
        ))),
        Err(e) => Err(StreamError::Malformed(format!(
            "{} (after {count} good rows)",
            describe(&e)
        ))),
    }
}

fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    if e.is_eof() {
        format!("the file is cut short: {s}")
    } else {
        s
    }
}

struct RowsVisitor<'a, T, E> {
    each: &'a mut dyn FnMut(T) -> Result<(), E>,
    stopped: &'a mut Option<E>,
    count: &'a mut u64,
    _t: PhantomData<T>,
}

impl<'de, T: DeserializeOwned, E> Visitor<'de> for RowsVisitor<'_, T, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of plays")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<T>()? {
            *self.count += 1;
            if let Err(e) = (self.each)(row) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
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
        assert_eq!(k("MyData/endsong_0.json"), Some(Endsong));
        assert_eq!(k("StreamingHistory_music_0.json"), Some(AccountMusic));
        assert_eq!(k("StreamingHistory0.json"), Some(AccountMusic));
        assert_eq!(k("StreamingHistory_podcast_0.json"), Some(AccountPodcast));
        assert_eq!(k("Userdata.json"), None);
        assert_eq!(k("ReadMeFirst_ExtendedStreamingHistory.pdf"), None);
    }

    fn rows(json: &str) -> Result<Vec<serde_json::Value>, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("endsong_0.json");
        std::fs::write(&p, json).unwrap();
        let input = Input {
            name: "t".into(),
            kind: FileKind::Endsong,
            location: Location::File(p),
            size: 0,
        };
        let mut out = Vec::new();
        let bytes = Arc::new(AtomicU64::new(0));
        let mut push = |v: serde_json::Value| -> Result<(), ()> {
            out.push(v);
            Ok(())
        };
        match stream_rows(&input, &bytes, &mut push) {
            Ok(n) => {
                assert_eq!(n as usize, out.len());
                Ok(out)
            }
            Err(StreamError::Malformed(m)) => Err(m),
            Err(StreamError::Stopped(())) => Err("stopped".into()),
        }
    }

    #[test]
    fn streams_and_names_what_is_wrong() {
        assert_eq!(rows("[{\"a\":1},{\"a\":2}]").unwrap().len(), 2);
        assert_eq!(rows(" [ ] ").unwrap().len(), 0);
        let e = rows("[{\"a\":1},{\"a\":").unwrap_err();
        assert!(e.contains("after 1 good rows"), "{e}");
        assert!(rows("{\"a\":1}").unwrap_err().contains("JSON array"));
        assert!(rows("").unwrap_err().contains("empty"));
        assert!(rows("[1] x").unwrap_err().contains("trailing"));
    }
}
