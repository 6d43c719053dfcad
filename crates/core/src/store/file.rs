//! What the file at `--db` is, found out before anything is written to it or beside it: absent
//! or empty (a new database), ours (at which schema), or refused (a directory, a device, another
//! application's database, a damaged one). And bringing ours up to date.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{APPLICATION_ID, StoreError, schema};

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn refused(path: &Path, detail: impl Into<String>) -> StoreError {
    StoreError::NotADatabase {
        path: path.to_owned(),
        detail: detail.into(),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Refuse anything that is not an SQLite file (before SQLite gets a chance to write to it, and
/// before a lock file is created beside it). An absent or empty regular file is fine: it
/// becomes a new database (`Ok(false)`); `Ok(true)`: an SQLite file.
pub(super) fn check_header(path: &Path) -> Result<bool, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(io(path)(source)),
    };
    if meta.is_dir() {
        return Err(refused(path, "it is a directory"));
    }
    if !meta.is_file() {
        // /dev/null, a terminal, a pipe, a socket: SQLite cannot keep a database there.
        return Err(refused(
            path,
            format!("it is {}, not a regular file", special_kind(&meta)),
        ));
    }
    if meta.len() == 0 {
        return Ok(false);
    }
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(io(path))?;
    if n < 16 || &head != SQLITE_HEADER || meta.len() < 512 {
        return Err(refused(path, "the file is not an SQLite database"));
    }
    Ok(true)
}

/// What a path that is neither a file nor a directory is.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "something else"
}

pub(super) fn not_a_db(path: &Path, e: rusqlite::Error) -> StoreError {
    refused(path, format!("SQLite cannot read it: {e}"))
}

/// Read-only integrity check of an existing file, before any pragma that could write.
fn check_readable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let res: Result<String, _> =
        conn.query_row("PRAGMA quick_check(1)", [], |r| r.get("quick_check"));
    match res {
        Ok(s) if s == "ok" => Ok(()),
        Ok(s) => Err(refused(path, format!("it is damaged: {s}"))),
        Err(e) => Err(not_a_db(path, e)),
    }
}

/// Whose an existing SQLite file is, read without writing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// Marked with our [`APPLICATION_ID`], at this schema version.
    Ours { version: usize },
    /// An unmarked database of an earlier spotsync (our tables, a known schema version): it
    /// gets the mark when opened for writing.
    OursUnmarked { version: usize },
    /// No tables at all: a new database.
    Empty,
}

/// How closely [`owner`] looks at a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// The header, the mark and the table list: enough to tell ours from another
    /// application's, without reading the whole file (readers open one per query).
    Light,
    /// Also `PRAGMA quick_check`, which reads every page: once, when the writer opens it.
    Thorough,
}

/// The schema version of an existing file (`PRAGMA user_version`). spotsync numbers its
/// schemas from 1 (0: none yet); a negative number is no schema of spotsync's.
pub(super) fn schema_version(conn: &Connection, path: &Path) -> Result<usize, StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| not_a_db(path, e))?;
    usize::try_from(version).map_err(|_| {
        refused(
            path,
            format!(
                "its schema number ({version}) is damaged or unknown: spotsync numbers its \
                 schemas from 1"
            ),
        )
    })
}

/// Classify an existing file (read-only connection): ours, empty, or refused as foreign.
pub(super) fn owner(conn: &Connection, path: &Path, check: Check) -> Result<Owner, StoreError> {
    if check == Check::Thorough {
        check_readable(conn, path)?;
    }
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| not_a_db(path, e))?;
    if app_id != APPLICATION_ID && app_id != 0 {
        return Err(refused(
            path,
            format!("it belongs to another application (application id {app_id:#x})"),
        ));
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>("name"))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| not_a_db(path, e))?;
    if app_id == APPLICATION_ID {
        return Ok(Owner::Ours {
            version: schema_version(conn, path)?,
        });
    }
    if tables.is_empty() {
        return Ok(Owner::Empty);
    }
    let ours = ["sync_history", "sync_state", "saved_tracks"]
        .iter()
        .all(|t| tables.iter().any(|have| have == t));
    if ours {
        let version = schema_version(conn, path)?;
        if (1..=schema::migration_count()).contains(&version) {
            return Ok(Owner::OursUnmarked { version });
        }
    }
    let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    let more = if tables.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    Err(refused(
        path,
        format!(
            "it holds another application's tables ({}{more})",
            shown.join(", ")
        ),
    ))
}

pub(super) fn open_existing_read_only(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_db(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// Bring the schema up to date (refusing a newer one).
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let known = schema::migration_count();
    let found = schema_version(conn, path)?;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            known,
        });
    }
    schema::migrations()
        .to_latest(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))
}
