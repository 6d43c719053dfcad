//! The reader thread: each input opened (a zip archive once for all its entries), its rows
//! streamed and turned into [`Record`]s, sent to the writer in batches. Refused rows are counted
//! and the first few named; a cancelled import stops at the next row.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, mpsc};

use super::discover::{Input, Location};
use super::rows::{Account, Extended, Rejected};
use super::stream::{At, RowType, StreamError, stream_rows};
use super::{Cancel, FileReport};
use crate::store::plays::record::Record;

/// Rows per batch sent to the writer.
pub const BATCH_ROWS: usize = 10_000;
/// A batch is sent sooner when its text reaches this many bytes (rows of long values).
const BATCH_BYTES: usize = 16 << 20;
/// Refused rows named per file (the rest are counted).
pub const NAMED_REFUSALS: usize = 5;

/// From the reader to the writer.
pub(crate) enum Msg {
    /// Records of input `i`, in file order.
    Rows(usize, Vec<Record>),
    /// Input `i` is read (to its end, or to what stopped it).
    Done(usize, FileReport),
    /// Every input is read.
    End,
}

/// The reader stopped: the writer is gone or the import was cancelled.
struct Stop;

type Archive = zip::ZipArchive<BufReader<File>>;

/// The state of one reader thread.
struct Reader {
    tx: mpsc::SyncSender<Msg>,
    /// Batches the writer is done with, freed here (off the writer's thread) and reused.
    spent: mpsc::Receiver<Vec<Record>>,
    bytes: Arc<AtomicU64>,
    cancel: Cancel,
    /// Unix ms: later plays are from the future.
    now: i64,
    /// The zip archive last opened (its central directory is read once, not per entry).
    zip: Option<(PathBuf, Archive)>,
}

/// One file being read: where its rows go, its batch, its report.
struct FileRead<'a> {
    tx: &'a mpsc::SyncSender<Msg>,
    spent: &'a mpsc::Receiver<Vec<Record>>,
    cancel: &'a Cancel,
    index: usize,
    batch: Vec<Record>,
    batch_bytes: usize,
    report: FileReport,
}

impl FileRead<'_> {
    fn take(&mut self, at: At, record: Result<Record, Rejected>) -> Result<(), Stop> {
        if self.cancel.is_set() {
            return Err(Stop);
        }
        match record {
            Ok(r) => {
                self.batch_bytes += r.text_bytes();
                self.batch.push(r);
            }
            Err(Rejected::NoTime) => self.report.without_time += 1,
            Err(why) => {
                self.report.refused += 1;
                if self.report.refusals.len() < NAMED_REFUSALS {
                    self.report
                        .refusals
                        .push(format!("row {}, line {}: {why}", at.row, at.line));
                }
            }
        }
        if self.batch.len() >= BATCH_ROWS || self.batch_bytes >= BATCH_BYTES {
            self.send_batch()?;
        }
        Ok(())
    }

    fn send_batch(&mut self) -> Result<(), Stop> {
        self.batch_bytes = 0;
        let full = std::mem::replace(&mut self.batch, new_batch(self.spent));
        if full.is_empty() {
            return Ok(());
        }
        self.tx.send(Msg::Rows(self.index, full)).map_err(|_| Stop)
    }
}

/// An empty batch: one the writer sent back (its records freed here), or a new one.
fn new_batch(spent: &mpsc::Receiver<Vec<Record>>) -> Vec<Record> {
    let mut reused = None;
    while let Ok(mut old) = spent.try_recv() {
        old.clear();
        reused = Some(old);
    }
    reused.unwrap_or_else(|| Vec::with_capacity(BATCH_ROWS))
}

/// The bytes of `input`; `zip` keeps the archive last opened.
fn open<'z>(
    input: &Input,
    zip: &'z mut Option<(PathBuf, Archive)>,
) -> Result<Box<dyn Read + 'z>, String> {
    match &input.location {
        Location::File(p) => {
            let f = File::open(p).map_err(|e| format!("cannot open: {e}"))?;
            Ok(Box::new(f))
        }
        Location::Zip(p, i) => {
            if zip.as_ref().is_none_or(|(open, _)| open != p) {
                *zip = None;
                let f = File::open(p).map_err(|e| format!("cannot open: {e}"))?;
                let archive = zip::ZipArchive::new(BufReader::new(f))
                    .map_err(|e| format!("not a readable zip archive: {e}"))?;
                *zip = Some((p.clone(), archive));
            }
            let Some((_, archive)) = zip.as_mut() else {
                return Err("not a readable zip archive".into());
            };
            let entry = archive
                .by_index(*i)
                .map_err(|e| format!("cannot read the zip entry: {e}"))?;
            Ok(Box::new(entry))
        }
    }
}

/// Stream the rows of `input` as `K` into `file`: the rows read, or what is wrong with the file.
fn stream<K: RowType>(
    r: Box<dyn Read + '_>,
    bytes: &AtomicU64,
    now: i64,
    file: &mut FileRead<'_>,
    convert: fn(K::Row<'_>, i64) -> Result<Record, Rejected>,
) -> Result<Result<u64, String>, Stop> {
    let mut each = |at: At, row: K::Row<'_>| file.take(at, convert(row, now));
    match stream_rows::<K, Stop>(r, bytes, &mut each) {
        Ok(n) => Ok(Ok(n)),
        Err(StreamError::Malformed(m)) => Ok(Err(m)),
        Err(StreamError::Stopped(s)) => Err(s),
    }
}

impl Reader {
    /// Read input `index` to its end and send its rows, then its report.
    fn read(&mut self, index: usize, input: &Input) -> Result<(), Stop> {
        let mut file = FileRead {
            tx: &self.tx,
            spent: &self.spent,
            cancel: &self.cancel,
            index,
            batch: new_batch(&self.spent),
            batch_bytes: 0,
            report: FileReport {
                file: input.name.clone(),
                kind: input.kind.as_str().into(),
                ..FileReport::default()
            },
        };
        let res = match open(input, &mut self.zip) {
            Err(e) => Ok(Err(e)),
            Ok(r) if input.kind.is_extended() => {
                stream::<Extended>(r, &self.bytes, self.now, &mut file, |r, now| {
                    r.into_record(now)
                })
            }
            Ok(r) => stream::<Account>(r, &self.bytes, self.now, &mut file, |r, now| {
                r.into_record(now)
            }),
        };
        match res? {
            Ok(n) => file.report.rows = n,
            Err(m) => file.report.error = Some(m),
        }
        file.send_batch()?;
        let report = std::mem::take(&mut file.report);
        self.tx.send(Msg::Done(index, report)).map_err(|_| Stop)
    }
}

/// Read every input on a separate thread, sending batches of records and each file's report.
pub(crate) fn spawn(
    inputs: Vec<Input>,
    bytes: Arc<AtomicU64>,
    cancel: Cancel,
    now: i64,
    tx: mpsc::SyncSender<Msg>,
    spent: mpsc::Receiver<Vec<Record>>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || {
            let mut reader = Reader {
                tx,
                spent,
                bytes,
                cancel,
                now,
                zip: None,
            };
            for (i, input) in inputs.iter().enumerate() {
                if reader.cancel.is_set() || reader.read(i, input).is_err() {
                    return;
                }
            }
            let _ = reader.tx.send(Msg::End);
        })
}
