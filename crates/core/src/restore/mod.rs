//! Restore: put the library back into the account as of a date, a diff first, nothing done
//! twice.
//!
//! - [`model`]: a library state (the target, or the account now) and the selection;
//! - [`target`]: the library as of a date, a pure function of one database;
//! - [`diff`]: what differs and what writing it back takes, pure over two states;
//! - [`words`]: the plan for people;
//! - [`cover`]: an archived playlist cover fit for upload (≤ 256 KB of base64).
//!
//! A restore is pinned when first planned (`restores`: its date, selection and target), so a
//! rerun after a crash, or days later when the quota held it, aims at the same library. Its
//! writes are carried out by the engine (`crate::sync`, a run of kind `restore` whose requests
//! are of class [`crate::domain::RequestClass::Restore`]), each batch journaled
//! (`restore_writes`) with its checkpoint in one transaction; before each apply the account is
//! read again (an incremental sync), so what was written before a kill is never written twice.
//! A playlist created by a restore carries a marker in its description until its details are
//! written: found again after a kill between "create" and "record its id".

pub mod cover;
pub mod diff;
pub mod model;
pub mod target;
pub mod words;

use std::collections::HashMap;

use serde::Serialize;

pub use diff::{Action, Diff};
pub use model::{Kind, LibraryState, Selection};

use crate::store::Sql;
use crate::store::restore::RestoreRow;

/// Why a restore cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("there is no complete mirror yet to restore from: run `spotsync sync` first")]
    NoMirror,
    #[error(
        "{asked} is before the mirror's history begins: the earliest date that can be restored \
         is {earliest}"
    )]
    TooEarly { asked: String, earliest: String },
    #[error(
        "account {account} has no complete mirror to restore from: run `spotsync --account \
         {account} sync` first"
    )]
    NoSourceMirror { account: String },
    #[error("cannot read the mirror of account {account}: {why}")]
    Source { account: String, why: String },
    #[error("the database is damaged: {0}")]
    Damaged(String),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A restore as pinned in the database: its date, what it restores, and its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pinned {
    pub id: i64,
    pub created_at: String,
    pub as_of: String,
    pub selection: Selection,
    #[serde(skip)]
    pub target: LibraryState,
    pub status: String,
}

impl Pinned {
    fn from_row(r: RestoreRow) -> Result<Pinned, RestoreError> {
        let bad = |what: &str, e: serde_json::Error| {
            RestoreError::Damaged(format!("restore {}: its {what}: {e}", r.id))
        };
        Ok(Pinned {
            selection: serde_json::from_str(&r.selection).map_err(|e| bad("selection", e))?,
            target: serde_json::from_str(&r.target).map_err(|e| bad("target", e))?,
            id: r.id,
            created_at: r.created_at,
            as_of: r.as_of,
            status: r.status,
        })
    }

    /// The target's day (`2026-12-01`), for copies' names.
    pub fn date(&self) -> &str {
        self.as_of.get(..10).unwrap_or(&self.as_of)
    }
}

/// The unfinished restore to go on with, if its selection is `sel` (and no other date was
/// asked for).
pub fn reusable(sql: Sql<'_>, sel: &Selection) -> Result<Option<Pinned>, RestoreError> {
    match sql.open_restore()? {
        Some(r) => {
            let p = Pinned::from_row(r)?;
            Ok((p.selection == *sel).then_some(p))
        }
        None => Ok(None),
    }
}

/// Pin a new restore of `sel` (its target computed from the mirror now), in the caller's
/// transaction; an unfinished earlier one is superseded. `at`: the date asked for, else the
/// mirror as it is (`now` is then its date).
pub fn pin(
    sql: Sql<'_>,
    at: Option<&str>,
    sel: &Selection,
    now: &str,
) -> Result<Pinned, RestoreError> {
    let target = target::library_at(sql, at, &sel.kinds)?;
    pin_target(sql, at, sel, now, target)
}

/// Pin a new restore of `sel` aiming at `target` (read from this database or, for a
/// household restore, from another account's: see [`read_source`]).
pub fn pin_target(
    sql: Sql<'_>,
    at: Option<&str>,
    sel: &Selection,
    now: &str,
    target: LibraryState,
) -> Result<Pinned, RestoreError> {
    let as_of = at.unwrap_or(now);
    let selection = serde_json::to_string(sel).map_err(|e| RestoreError::Damaged(e.to_string()))?;
    let json = serde_json::to_string(&target).map_err(|e| RestoreError::Damaged(e.to_string()))?;
    let id = sql.create_restore(now, as_of, &selection, &json)?;
    load(sql, id)?.ok_or(RestoreError::Damaged(format!(
        "restore {id} was not stored"
    )))
}

/// A pinned restore by id.
pub fn load(sql: Sql<'_>, id: i64) -> Result<Option<Pinned>, RestoreError> {
    sql.restore_row(id)?.map(Pinned::from_row).transpose()
}

/// The diff of a pinned restore against the account as the mirror holds it now.
pub fn plan(sql: Sql<'_>, p: &Pinned) -> Result<Diff, RestoreError> {
    let now = target::state_at(sql, None, &p.selection.kinds)?;
    let mut created = HashMap::new();
    for t in &p.target.playlists {
        for copy_of in ["", p.date()] {
            if let Some(id) = sql.restored_playlist(&t.id, copy_of)? {
                created.insert((t.id.clone(), copy_of.to_string()), id);
            }
        }
    }
    let mut d = diff::diff(&p.target, &now, &created, &p.selection, p.date());
    // What Spotify refused as unknown is said, not asked for again.
    let unavailable: std::collections::HashSet<String> =
        sql.restore_unavailable_ids(p.id)?.into_iter().collect();
    if !unavailable.is_empty() {
        for l in &mut d.lists {
            l.add.retain(|s| !unavailable.contains(&s.id));
            l.requests = diff::list_requests(l, p.selection.exact_order);
        }
        d.requests = d.lists.iter().map(|l| l.requests).sum::<u64>()
            + d.playlists.iter().map(|x| x.requests).sum::<u64>();
    }
    for (id, why) in &p.target.skipped {
        d.cannot.push(format!("playlist {id}: {why}"));
    }
    Ok(d)
}

/// What a household restore takes from the account it restores from (`restore --from`).
#[derive(Debug, Clone)]
pub struct Source {
    /// The target: that account's library as of the date asked (else its mirror now).
    pub target: LibraryState,
    /// The earliest date its mirror can restore.
    pub earliest: String,
    /// The archived custom covers the target's playlists carry: (SHA-256, bytes), kept in
    /// this account's database so a created copy gets its cover.
    pub covers: Vec<(String, Vec<u8>)>,
}

/// Read the target of a household restore from `account`'s database at `path` (read-only:
/// that account's daemon or sync may be running).
pub fn read_source(
    path: &std::path::Path,
    account: &str,
    at: Option<&str>,
    kinds: &[Kind],
) -> Result<Source, RestoreError> {
    let source = |why: String| RestoreError::Source {
        account: account.to_string(),
        why,
    };
    let no_mirror = || RestoreError::NoSourceMirror {
        account: account.to_string(),
    };
    let reader = crate::store::Reader::open(path)
        .map_err(|e| source(e.to_string()))?
        .ok_or_else(no_mirror)?;
    let sql = reader.sql();
    let target = match target::library_at(sql, at, kinds) {
        Err(RestoreError::NoMirror) => return Err(no_mirror()),
        other => other?,
    };
    let earliest = target::earliest(sql)?;
    let mut covers = Vec::new();
    for sha in target.playlists.iter().filter_map(|p| p.cover.as_deref()) {
        if let Some(bytes) = sql.cover_image(sha)? {
            covers.push((sha.to_string(), bytes));
        }
    }
    Ok(Source {
        target,
        earliest,
        covers,
    })
}

/// A restore's plan as the engine announces it (and `spotsync restore --json` prints it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestorePlan {
    pub restore: Pinned,
    /// It goes on with a restore planned earlier (same selection, same date).
    pub resumed: bool,
    /// The earliest date that can be restored.
    pub earliest: String,
    pub diff: Diff,
    pub quota: QuotaView,
}

/// The daily quota as a restore sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuotaView {
    /// The daily figure, when known.
    pub daily: Option<u64>,
    /// `configured`, `learned` or `unknown`.
    pub source: String,
    /// Requests a rolling day a restore's writes may use (class `restore`).
    pub restore_per_day: Option<u64>,
    /// Requests sent in the last 24 hours.
    pub used_24h: u64,
    /// Writes that may go now.
    pub room_now: Option<u64>,
    /// Seconds until the writes are done at that pace (`None`: no limit of ours).
    pub eta_secs: Option<u64>,
}
