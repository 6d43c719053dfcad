//! The importer's writes: the tracks and episodes an export names, its rows as plays (new,
//! merged with the stored record of the same play, or known), and the listening-history gaps
//! an export covers.

use std::sync::OnceLock;

use rusqlite::{CachedStatement, Row, params};

use super::Outcome;
use super::merge::{self, Kind, MAX_STREAM_MS, MINUTE_MS, SLACK_MS};
use super::record::{ItemType, Record};
use super::time::parse_stored;
use crate::store::Sql;
use crate::store::row::FromRow;

impl Sql<'_> {
    /// Make sure the track or episode an export row names has a row (an episode's show by
    /// name), with what the export says; enrichment fills the rest later. Never overwrites
    /// what is stored.
    pub(crate) fn ensure_item(&self, r: &Record) -> rusqlite::Result<()> {
        let tx = self.0;
        if let Some(id) = r.track_id() {
            tx.prepare_cached(
                "INSERT INTO tracks (id, name, uri) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![id, r.track_name, r.uri])?;
        } else if let Some(id) = r.episode_id() {
            tx.prepare_cached(
                "INSERT INTO episodes (id, name, uri, show_name) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![id, r.track_name, r.uri, r.artist_name])?;
        }
        Ok(())
    }

    /// Is this extended history row stored already?
    pub(crate) fn extended_known(&self, key: i64) -> rusqlite::Result<bool> {
        self.0
            .prepare_cached("SELECT 1 FROM plays WHERE extended_key = ?1")?
            .exists([key])
    }

    /// Give the stored play `id` (an API or account record of the same play) this extended row's
    /// details and key.
    pub(crate) fn merge_extended(&self, id: i64, r: &Record) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE plays SET source = 'extended', ended_at = ?1,
                   played_at = COALESCE(api_played_at, ?1), ms_played = ?2, reason_start = ?3,
                   reason_end = ?4, shuffle = ?5, skipped = ?6, offline = ?7, offline_at = ?8,
                   incognito = ?9, platform = ?10, conn_country = ?11, extended_key = ?12,
                   item_type = COALESCE(item_type, ?13), track_id = COALESCE(track_id, ?14),
                   episode_id = COALESCE(episode_id, ?15), uri = COALESCE(uri, ?16),
                   track_name = COALESCE(track_name, ?17), artist_name = COALESCE(artist_name, ?18),
                   album_name = COALESCE(album_name, ?19)
                 WHERE id = ?20",
            )?
            .execute(params![
                r.ended_text,
                r.ms_played,
                r.reason_start,
                r.reason_end,
                r.shuffle,
                r.skipped,
                r.offline,
                r.offline_at_text,
                r.incognito,
                r.platform,
                r.conn_country,
                r.key,
                r.item_type.map(ItemType::as_str),
                r.track_id(),
                r.episode_id(),
                r.uri,
                r.track_name,
                r.artist_name,
                r.album_name,
                id
            ])?;
        Ok(())
    }

    /// Store an account data row: known, merged with the extended or API record of the same play,
    /// or added.
    pub(crate) fn import_account(&self, r: &Record) -> rusqlite::Result<Outcome> {
        let known = self
            .0
            .prepare_cached("SELECT 1 FROM plays WHERE account_key = ?1")?
            .exists([r.key])?;
        if known {
            return Ok(Outcome::Known);
        }
        let ms = r.ms_played.unwrap_or(0).clamp(0, MAX_STREAM_MS);
        let tol = 2 * (MINUTE_MS + SLACK_MS);
        let cands =
            self.candidates_between("account_key IS NULL", r.ended - ms - tol, r.ended + tol)?;
        let ident = r.ident();
        if let Some(c) = merge::best(&cands, Kind::Account, &ident, r.ended, r.ms_played) {
            self.merge_account(c.id, r)?;
            return Ok(Outcome::Merged);
        }
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO plays (played_at, source, item_type, track_name, artist_name,
                                    ended_at, ms_played, account_key)
                 VALUES (?1, 'account', ?2, ?3, ?4, ?1, ?5, ?6)
                 ON CONFLICT(account_key) WHERE account_key IS NOT NULL DO NOTHING",
            )?
            .execute(params![
                r.ended_text,
                r.item_type.map(ItemType::as_str),
                r.track_name,
                r.artist_name,
                r.ms_played,
                r.key
            ])?;
        Ok(if n > 0 {
            Outcome::Added
        } else {
            Outcome::Known
        })
    }

    /// Give the stored play `id` (an extended or API record of the same play) this account
    /// row's key, and what it lacks.
    fn merge_account(&self, id: i64, r: &Record) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
                "UPDATE plays SET account_key = ?1,
                   source = CASE source WHEN 'api' THEN 'account' ELSE source END,
                   ms_played = COALESCE(ms_played, ?2), ended_at = COALESCE(ended_at, ?3),
                   item_type = COALESCE(item_type, ?4), track_name = COALESCE(track_name, ?5),
                   artist_name = COALESCE(artist_name, ?6)
                 WHERE id = ?7",
            )?
            .execute(params![
                r.key,
                r.ms_played,
                r.ended_text,
                r.item_type.map(ItemType::as_str),
                r.track_name,
                r.artist_name,
                id
            ])?;
        Ok(())
    }

    /// Close the open gaps that an export read from `first` to `last` (Unix ms) covers: it holds
    /// plays at or before the gap's `after` and at or after its `before` (less [`SLACK_MS`]). A gap
    /// without `after` is closed only by a `whole_life` source (the extended history).
    pub(crate) fn close_covered_gaps(
        &self,
        first: i64,
        last: i64,
        whole_life: bool,
        closed_by: &str,
        now: &str,
    ) -> rusqlite::Result<u64> {
        let gaps: Vec<OpenGap> = self.all(
            "SELECT id, after, before FROM play_gaps WHERE closed_at IS NULL",
            [],
        )?;
        let mut closed = 0;
        for gap in gaps {
            let after_ok = match gap.after.as_deref() {
                None => whole_life,
                Some(a) => parse_stored(a).is_some_and(|a| first <= a),
            };
            let before_ok = parse_stored(&gap.before).is_some_and(|b| last >= b - SLACK_MS);
            if after_ok && before_ok {
                self.0.execute(
                    "UPDATE play_gaps SET closed_at = ?1, closed_by = ?2 WHERE id = ?3",
                    params![now, closed_by, gap.id],
                )?;
                closed += 1;
            }
        }
        Ok(closed)
    }
}

/// An open gap, read by column name.
struct OpenGap {
    id: i64,
    after: Option<String>,
    before: String,
}

impl FromRow for OpenGap {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(OpenGap {
            id: r.get("id")?,
            after: r.get("after")?,
            before: r.get("before")?,
        })
    }
}

/// The columns of an extended history row.
const EXTENDED_COLUMNS: &str = "played_at, source, item_type, track_id, episode_id, uri, \
     track_name, artist_name, album_name, ended_at, ms_played, reason_start, reason_end, \
     shuffle, skipped, offline, offline_at, incognito, platform, conn_country, extended_key";

const INSERT_EXTENDED: &str = "VALUES (?1, 'extended', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1, ?9, ?10, \
     ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
     ON CONFLICT(extended_key) WHERE extended_key IS NOT NULL DO NOTHING";

/// The importer's prepared insert of extended history rows (one per batch).
pub(crate) struct ExtendedInsert<'a>(CachedStatement<'a>);

impl<'a> Sql<'a> {
    /// The extended-row insert, prepared once per batch (see [`ExtendedInsert`]).
    pub(crate) fn prepare_insert_extended(&self) -> rusqlite::Result<ExtendedInsert<'a>> {
        static SQL: OnceLock<String> = OnceLock::new();
        let sql =
            SQL.get_or_init(|| format!("INSERT INTO plays ({EXTENDED_COLUMNS}) {INSERT_EXTENDED}"));
        Ok(ExtendedInsert(self.0.prepare_cached(sql)?))
    }
}

impl ExtendedInsert<'_> {
    /// Store extended history rows as new plays, in order; returns how many were new (the
    /// others were stored before, or repeat a row before them).
    pub(crate) fn insert_all(&mut self, rows: &[&Record]) -> rusqlite::Result<u64> {
        let mut added = 0;
        for r in rows {
            added += self.0.execute(params![
                r.ended_text,
                r.item_type.map(ItemType::as_str),
                r.track_id(),
                r.episode_id(),
                r.uri,
                r.track_name,
                r.artist_name,
                r.album_name,
                r.ms_played,
                r.reason_start,
                r.reason_end,
                r.shuffle,
                r.skipped,
                r.offline,
                r.offline_at_text,
                r.incognito,
                r.platform,
                r.conn_country,
                r.key
            ])? as u64;
        }
        Ok(added)
    }
}
