//! Streaming the JSON array an export file holds, one row at a time: the file is read into a
//! fixed buffer of [`CHUNK`] + [`MAX_ROW`] bytes and serde reads each row in place, borrowing its
//! strings from the buffer. Memory stays bounded whatever the file holds: a row that does not end
//! within [`MAX_ROW`] bytes (a value of megabytes) stops the file with an error naming its row
//! and line, without ever being held whole.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

/// Bytes read from the file at a time.
pub const CHUNK: usize = 256 * 1024;
/// The longest row read (a real one is under 2 KiB).
pub const MAX_ROW: usize = 256 * 1024;

/// A type of row, read by serde borrowing from the buffer.
pub trait RowType: 'static {
    type Row<'de>: Deserialize<'de>;
}

/// Receives each row, with where it is; an error stops the reading.
pub type RowHandler<'h, K, E> =
    dyn for<'r> FnMut(At, <K as RowType>::Row<'r>) -> Result<(), E> + 'h;

/// Where a row is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Row number, from 1.
    pub row: u64,
    /// Line of the row's first byte, from 1.
    pub line: u64,
}

/// Why a file stopped being read.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The file is not what it should be; the message says where and what.
    Malformed(String),
    /// The row handler asked to stop.
    Stopped(E),
}

/// A JSON array read from `R`.
struct Rows<'a, R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Line of `buf[pos]`, from 1.
    line: u64,
    /// Bytes read so far (for progress).
    bytes: &'a AtomicU64,
}

/// What parsing the row at the current position gave.
enum Parsed<E> {
    /// A row, this many bytes long, spanning this many line breaks.
    Row(usize, u64),
    /// The row does not end within the bytes read yet.
    Incomplete,
    Stopped(E),
    Error(serde_json::Error),
}

fn newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// serde's message without its position (which is relative to the row).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).map(str::to_owned).unwrap_or(s)
}

impl<'a, R: Read> Rows<'a, R> {
    fn new(r: R, bytes: &'a AtomicU64) -> Self {
        Rows {
            r,
            buf: vec![0; CHUNK + MAX_ROW],
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
            bytes,
        }
    }

    /// Read more after the unread bytes (moved to the front first): at least a chunk, or to the
    /// end of the file. `false` when nothing more came.
    fn fill(&mut self) -> Result<bool, String> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        let start = self.len;
        let want = (start + CHUNK).min(self.buf.len());
        while self.len < want {
            match self.r.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.len += n;
                    self.bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot read it: {e}")),
            }
        }
        Ok(self.len > start)
    }

    /// The next byte that is not white space (not consumed); `None` at the end of the file.
    fn peek_non_ws(&mut self) -> Result<Option<u8>, String> {
        loop {
            if self.pos == self.len && !self.fill()? {
                return Ok(None);
            }
            match self.buf[self.pos] {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b => return Ok(Some(b)),
            }
        }
    }

    /// Parse the row at the current position and hand it to `each`.
    fn parse<K: RowType, E>(&self, at: At, each: &mut RowHandler<'_, K, E>) -> Parsed<E> {
        let bytes = &self.buf[self.pos..self.len];
        let mut rows = serde_json::Deserializer::from_slice(bytes).into_iter::<K::Row<'_>>();
        match rows.next() {
            // A row that reaches the end of the bytes read may go on (a number cut short).
            Some(Ok(row)) if rows.byte_offset() < bytes.len() || self.eof => {
                let end = rows.byte_offset();
                match each(at, row) {
                    Ok(()) => Parsed::Row(end, newlines(&bytes[..end])),
                    Err(e) => Parsed::Stopped(e),
                }
            }
            Some(Err(e)) if !e.is_eof() => Parsed::Error(e),
            _ => Parsed::Incomplete,
        }
    }

    /// Read the row at the current position (more of the file as needed): `Ok(Some(stop))`
    /// when `each` asked to stop.
    fn row<K: RowType, E>(
        &mut self,
        at: At,
        good: u64,
        each: &mut RowHandler<'_, K, E>,
    ) -> Result<Option<E>, String> {
        loop {
            match self.parse::<K, E>(at, each) {
                Parsed::Row(end, lines) => {
                    self.pos += end;
                    self.line += lines;
                    return Ok(None);
                }
                Parsed::Stopped(e) => return Ok(Some(e)),
                Parsed::Error(e) => {
                    return Err(format!(
                        "row {}, line {}: {} (after {good} good rows)",
                        at.row,
                        at.line + (e.line() as u64).saturating_sub(1),
                        json_message(&e),
                    ));
                }
                Parsed::Incomplete if self.len - self.pos >= MAX_ROW => {
                    return Err(format!(
                        "row {}, line {}: longer than {} KiB, which no play is (a value too \
                         large); the rest of the file is not read (after {good} good rows)",
                        at.row,
                        at.line,
                        MAX_ROW / 1024
                    ));
                }
                Parsed::Incomplete => {
                    if !self.fill()? {
                        return Err(format!(
                            "the file is cut short in the row at line {} (after {good} good rows)",
                            at.line
                        ));
                    }
                }
            }
        }
    }
}

/// Read the JSON array from `r` and hand each element to `each` as a `K::Row`, in order, with
/// where it is. Returns how many rows were read. `bytes` counts the bytes read.
pub fn stream_rows<K: RowType, E>(
    r: impl Read,
    bytes: &AtomicU64,
    each: &mut RowHandler<'_, K, E>,
) -> Result<u64, StreamError<E>> {
    let bad = StreamError::Malformed;
    let mut rows = Rows::new(r, bytes);
    match rows.peek_non_ws().map_err(bad)? {
        None => {
            return Err(bad(
                "the file is empty; expected a JSON array of plays".into()
            ));
        }
        Some(b'[') => rows.pos += 1,
        Some(_) => {
            return Err(bad(format!(
                "line {}: expected a JSON array of plays",
                rows.line
            )));
        }
    }
    let mut count = 0u64;
    loop {
        match rows.peek_non_ws().map_err(bad)? {
            None => {
                return Err(bad(format!(
                    "the file is cut short at line {} (after {count} good rows)",
                    rows.line
                )));
            }
            Some(b']') if count == 0 => {
                rows.pos += 1;
                break;
            }
            _ => {}
        }
        let at = At {
            row: count + 1,
            line: rows.line,
        };
        if let Some(stop) = rows.row::<K, E>(at, count, each).map_err(bad)? {
            return Err(StreamError::Stopped(stop));
        }
        count += 1;
        match rows.peek_non_ws().map_err(bad)? {
            Some(b',') => rows.pos += 1,
            Some(b']') => {
                rows.pos += 1;
                break;
            }
            None => {
                return Err(bad(format!(
                    "the file is cut short at line {} (after {count} good rows)",
                    rows.line
                )));
            }
            Some(c) => {
                return Err(bad(format!(
                    "line {}: expected `,` or `]` after row {count}, found `{}`",
                    rows.line,
                    char::from(c)
                )));
            }
        }
    }
    match rows.peek_non_ws().map_err(bad)? {
        None => Ok(count),
        Some(_) => Err(bad(format!(
            "line {}: trailing characters after the array",
            rows.line
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Any;
    impl RowType for Any {
        type Row<'de> = serde_json::Value;
    }

    /// Gives the bytes in pieces of the sizes given, in turn (as a decompressor may).
    struct Pieces<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        i: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let want = self.sizes[self.i % self.sizes.len()].max(1);
            self.i += 1;
            let n = want.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn rows_in(json: &[u8], sizes: Vec<usize>) -> Result<Vec<(At, serde_json::Value)>, String> {
        let mut out = Vec::new();
        let bytes = AtomicU64::new(0);
        let r = Pieces {
            data: json,
            sizes,
            i: 0,
        };
        let mut push = |at: At, v: serde_json::Value| -> Result<(), ()> {
            out.push((at, v));
            Ok(())
        };
        match stream_rows::<Any, ()>(r, &bytes, &mut push) {
            Ok(n) => {
                assert_eq!(n as usize, out.len());
                assert_eq!(bytes.load(Ordering::Relaxed), json.len() as u64);
                Ok(out)
            }
            Err(StreamError::Malformed(m)) => Err(m),
            Err(StreamError::Stopped(())) => Err("stopped".into()),
        }
    }

    fn rows(json: &str) -> Result<Vec<serde_json::Value>, String> {
        rows_in(json.as_bytes(), vec![CHUNK]).map(|v| v.into_iter().map(|(_, v)| v).collect())
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
    }

    #[test]
    fn a_row_longer_than_the_limit_stops_the_file_without_being_held() {
        let long = "y".repeat(MAX_ROW * 3);
        let json = format!("[{{\"a\":1}},\n\n{{\"name\":\"{long}\"}},{{\"a\":2}}]");
        let e = rows(&json).unwrap_err();
        assert!(e.starts_with("row 2, line 3: longer than 256 KiB"), "{e}");
        // Just under the limit is a row like any other.
        let fits = "z".repeat(MAX_ROW - 20);
        let v = rows(&format!("[{{\"name\":\"{fits}\"}}, 7]")).unwrap();
        assert_eq!(v[0]["name"].as_str().map(str::len), Some(MAX_ROW - 20));
        assert_eq!(v[1], 7);
    }

    proptest! {
        /// However the bytes arrive (pieces of any size, rows across every boundary), the rows,
        /// their numbers and lines are the same.
        #[test]
        fn rows_do_not_depend_on_how_the_bytes_arrive(
            lens in prop::collection::vec(0usize..3000, 1..60),
            sizes in prop::collection::vec(1usize..70_000, 1..8),
            pretty in any::<bool>(),
        ) {
            let values: Vec<serde_json::Value> = lens
                .iter()
                .enumerate()
                .map(|(i, &n)| serde_json::json!({"n": i, "s": "é\"x".repeat(n / 4), "k": [n, null]}))
                .collect();
            let json = if pretty {
                serde_json::to_vec_pretty(&values).unwrap()
            } else {
                serde_json::to_vec(&values).unwrap()
            };
            let got = rows_in(&json, sizes).unwrap();
            prop_assert_eq!(got.len(), values.len());
            let text = String::from_utf8(json).unwrap();
            let mut line = if pretty { 2 } else { 1 };
            for (i, (at, v)) in got.iter().enumerate() {
                prop_assert_eq!(v, &values[i]);
                prop_assert_eq!(at.row, i as u64 + 1);
                if pretty {
                    prop_assert_eq!(at.line, line);
                    line += serde_json::to_string_pretty(v).unwrap().lines().count() as u64;
                } else {
                    prop_assert_eq!(at.line, 1);
                }
            }
            prop_assert!(!text.is_empty());
        }
    }
}
