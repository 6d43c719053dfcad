//! Finding the export's files (a zip, a folder, single files) and streaming the JSON array each
//! one holds, one row at a time: the file is read in 256 KiB chunks, each row is cut out of the
//! stream and handed to serde in place. Memory stays bounded whatever the size of a file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Why a file stopped being read.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The file is not what it should be; the message says where and what.
    Malformed(String),
    /// The row handler asked to stop.
    Stopped(E),
}

/// What a row handler can answer.
#[derive(Debug)]
pub enum RowError<E> {
    /// The row is not valid JSON for its type (serde's error, positions within the row).
    Json(serde_json::Error),
    /// Stop reading (the receiver has gone).
    Stop(E),
}

/// Receives each row as raw JSON.
pub type RowHandler<'a, E> = dyn FnMut(&[u8]) -> Result<(), RowError<E>> + 'a;

const CHUNK: usize = 256 * 1024;

/// Splits a JSON array read from `R` into its elements, reading 256 KiB at a time: memory is
/// bounded by the chunk and the largest row, whatever the size of the file.
struct Elements<R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Line of `buf[pos]`, from 1.
    line: u64,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Elements<R> {
    fn new(r: R, bytes: Arc<AtomicU64>) -> Self {
        Elements {
            r,
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
            bytes,
        }
    }

    /// Make at least one unread byte available; `false` at the end of the file.
    fn fill(&mut self) -> Result<bool, String> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.pos = 0;
        self.len = 0;
        loop {
            match self.r.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = n;
                    self.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot read it: {e}")),
            }
        }
    }

    /// The next byte that is not white space (not consumed).
    fn peek_non_ws(&mut self) -> Result<Option<u8>, String> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ => return Ok(Some(b)),
            }
        }
    }

    /// Copy the element starting at the current byte into `out`. `Ok(false)` when the file ends
    /// inside it. Skips through strings and between structural bytes with tight searches.
    fn element(&mut self, out: &mut Vec<u8>) -> Result<bool, String> {
        out.clear();
        let mut depth = 0u32;
        let mut in_str = false;
        let mut escaped = false;
        let mut started = false;
        loop {
            if !self.fill()? {
                self.line += newlines(out);
                // A bare scalar can end at the end of the file; anything else is cut short.
                return Ok(started && depth == 0 && !in_str);
            }
            let chunk = &self.buf[self.pos..self.len];
            let mut i = 0;
            let mut done = false;
            while i < chunk.len() {
                if escaped {
                    escaped = false;
                    i += 1;
                    continue;
                }
                if in_str {
                    match chunk[i..].iter().position(|&b| b == b'"' || b == b'\\') {
                        None => i = chunk.len(),
                        Some(k) => {
                            i += k;
                            if chunk[i] == b'"' {
                                in_str = false;
                            } else {
                                escaped = true;
                            }
                            i += 1;
                        }
                    }
                    continue;
                }
                if depth > 0 {
                    match chunk[i..]
                        .iter()
                        .position(|&b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))
                    {
                        None => {
                            i = chunk.len();
                            continue;
                        }
                        Some(k) => i += k,
                    }
                }
                match chunk[i] {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                    b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n' => {
                        // Only at depth 0: the end of a bare scalar.
                        done = true;
                        break;
                    }
                    _ => {}
                }
                started = true;
                i += 1;
            }
            out.extend_from_slice(&chunk[..i]);
            self.pos += i;
            if done {
                self.line += newlines(out);
                return Ok(true);
            }
        }
    }
}

fn newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Open `input` and hand each element of its JSON array to `each` as raw JSON, in order, with
/// its row number (from 1). Returns how many elements were read. `bytes` counts the
/// (uncompressed) bytes read.
pub fn stream_rows<E>(
    input: &Input,
    bytes: &Arc<AtomicU64>,
    each: &mut RowHandler<'_, E>,
) -> Result<u64, StreamError<E>> {
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

/// serde's message without its position (which is relative to the row).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).map(str::to_owned).unwrap_or(s)
}

fn stream_reader<R: Read, E>(
    r: R,
    bytes: &Arc<AtomicU64>,
    each: &mut RowHandler<'_, E>,
) -> Result<u64, StreamError<E>> {
    let bad = StreamError::Malformed;
    let mut el = Elements::new(r, bytes.clone());
    match el.peek_non_ws().map_err(bad)? {
        None => {
            return Err(bad(
                "the file is empty; expected a JSON array of plays".into()
            ));
        }
        Some(b'[') => el.pos += 1,
        Some(_) => {
            return Err(bad(format!(
                "line {}: expected a JSON array of plays",
                el.line
            )));
        }
    }
    let mut row = Vec::with_capacity(4096);
    let mut count = 0u64;
    loop {
        match el.peek_non_ws().map_err(bad)? {
            None => {
                return Err(bad(format!(
                    "the file is cut short at line {} (after {count} good rows)",
                    el.line
                )));
            }
            Some(b']') if count == 0 => {
                el.pos += 1;
                break;
            }
            _ => {}
        }
        let line = el.line;
        if !el.element(&mut row).map_err(bad)? {
            return Err(bad(format!(
                "the file is cut short in the row at line {line} (after {count} good rows)"
            )));
        }
        count += 1;
        match each(&row) {
            Ok(()) => {}
            Err(RowError::Stop(e)) => return Err(StreamError::Stopped(e)),
            Err(RowError::Json(e)) => {
                return Err(bad(format!(
                    "row {count}, line {}: {} (after {} good rows)",
                    line + (e.line() as u64).saturating_sub(1),
                    json_message(&e),
                    count - 1
                )));
            }
        }
        match el.peek_non_ws().map_err(bad)? {
            Some(b',') => el.pos += 1,
            Some(b']') => {
                el.pos += 1;
                break;
            }
            None => {
                return Err(bad(format!(
                    "the file is cut short at line {} (after {count} good rows)",
                    el.line
                )));
            }
            Some(c) => {
                return Err(bad(format!(
                    "line {}: expected `,` or `]` after row {count}, found `{}`",
                    el.line,
                    char::from(c)
                )));
            }
        }
    }
    match el.peek_non_ws().map_err(bad)? {
        None => Ok(count),
        Some(_) => Err(bad(format!(
            "line {}: trailing characters after the array",
            el.line
        ))),
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
        rows_in(json.as_bytes())
    }

    fn rows_in(json: &[u8]) -> Result<Vec<serde_json::Value>, String> {
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
        let mut push = |raw: &[u8]| -> Result<(), RowError<()>> {
            out.push(serde_json::from_slice(raw).map_err(RowError::Json)?);
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
        assert_eq!(rows("[1, \"x\" ,null,[2,{}]]").unwrap().len(), 4);
        let v = rows("[{\"a\":\"}]\\\"{[,\"},\n{\"b\":[1,{\"c\":2}]}]").unwrap();
        assert_eq!(v[0]["a"], "}]\"{[,");
        assert_eq!(v[1]["b"][1]["c"], 2);
        let e = rows("[{\"a\":1},{\"a\":").unwrap_err();
        assert!(e.contains("after 1 good rows"), "{e}");
        let e = rows("[{\"a\":1},\n{\"a\":1 \"b\":2}]").unwrap_err();
        assert!(e.starts_with("row 2, line 2: expected `,`"), "{e}");
        assert!(rows("{\"a\":1}").unwrap_err().contains("JSON array"));
        assert!(rows("").unwrap_err().contains("empty"));
        assert!(rows("[1] x").unwrap_err().contains("trailing"));
        assert!(rows("[1 2]").unwrap_err().contains("expected `,` or `]`"));
        assert!(rows("[1,").unwrap_err().contains("cut short"));
        // Rows that straddle the 256 KiB chunks.
        let big: Vec<String> = (0..20_000)
            .map(|i| format!("{{\"n\":{i},\"s\":\"{}\"}}", "x".repeat(i % 50)))
            .collect();
        let v = rows(&format!("[{}]", big.join(",\n"))).unwrap();
        assert_eq!(v.len(), 20_000);
        assert_eq!(v[19_999]["n"], 19_999);
    }
}
