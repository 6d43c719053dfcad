//! The listening history (`plays`) and its gaps (`play_gaps`): the API poll's insert and
//! cursor, the importer's writes, and the coverage that `status` shows. The one module that
//! writes plays. The merge rules themselves are pure and live in [`crate::import::merge`];
//! this module applies them to stored rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{CachedStatement, Connection, params};
use serde::{Deserialize, Serialize};

use crate::domain::RunId;

use crate::import::merge::{self, Candidate, Ident, Kind, MAX_STREAM_MS, MINUTE_MS, SLACK_MS};
use crate::import::rows::{ItemType, Record, fmt_ms, parse_stored};
use crate::spotify::model;
use crate::store::journal::PlayGap;
use crate::store::{Sql, ts};

/// What storing a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A play new to the database.
    Added,
    /// The same play was stored from another source: that row now carries this one's details.
    Merged,
    /// This record was stored before.
    Known,
}

/// A play from `/me/player/recently-played`.
#[derive(Debug, Clone, Default)]
pub struct ApiPlay<'a> {
    pub played_at: &'a str,
    pub track_id: Option<&'a str>,
    pub item_type: Option<&'a str>,
    pub uri: Option<&'a str>,
    pub track_name: Option<&'a str>,
    pub artist_name: Option<&'a str>,
    pub album_name: Option<&'a str>,
    pub context_type: Option<&'a str>,
    pub context_uri: Option<&'a str>,
    pub sync_history_id: Option<RunId>,
}

impl<'a> ApiPlay<'a> {
    /// From the API's play object; `track_id` is what `upsert_track` stored (if anything).
    pub fn from_model(
        played_at: &'a str,
        p: &'a model::Play,
        track_id: Option<&'a str>,
        run: RunId,
    ) -> ApiPlay<'a> {
        let t = p.track.as_ref();
        ApiPlay {
            played_at,
            track_id,
            item_type: t.map(|t| if t.is_episode() { "episode" } else { "track" }),
            uri: t.and_then(|t| t.uri.as_deref()),
            track_name: t.and_then(|t| t.name.as_deref()),
            artist_name: t
                .and_then(|t| t.artists.first())
                .and_then(|a| a.name.as_deref()),
            album_name: t
                .and_then(|t| t.album.as_ref())
                .and_then(|a| a.name.as_deref()),
            context_type: p.context.as_ref().and_then(|c| c.kind.as_deref()),
            context_uri: p.context.as_ref().and_then(|c| c.uri.as_deref()),
            sync_history_id: Some(run),
        }
    }
}

fn row_candidate(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Candidate>> {
    // id, api_played_at, ended_at, played_at, extended_key IS NOT NULL, ms_played, uri,
    // track_name, artist_name
    let id: i64 = r.get(0)?;
    let api: Option<String> = r.get(1)?;
    let ended: Option<String> = r.get(2)?;
    let played: String = r.get(3)?;
    let extended: bool = r.get(4)?;
    let (kind, at) = match (&api, extended) {
        (_, true) => (Kind::Extended, ended.as_deref().unwrap_or(&played)),
        (Some(a), false) => (Kind::Api, a.as_str()),
        (None, false) => (Kind::Account, ended.as_deref().unwrap_or(&played)),
    };
    let Some(at) = parse_stored(at) else {
        return Ok(None);
    };
    let uri: Option<String> = r.get(6)?;
    let track: Option<String> = r.get(7)?;
    let artist: Option<String> = r.get(8)?;
    Ok(Some(Candidate {
        id,
        kind,
        at,
        ms_played: r.get(5)?,
        ident: Ident::new(uri.as_deref(), track.as_deref(), artist.as_deref()),
    }))
}

const CAND_COLS: &str = "id, api_played_at, ended_at, played_at, extended_key IS NOT NULL, \
                         ms_played, uri, track_name, artist_name";

/// Rows with `played_at` in `[lo, hi]` (Unix ms) that `filter` (an SQL condition) keeps.
fn candidates_between(
    c: &Connection,
    filter: &str,
    lo: i64,
    hi: i64,
) -> rusqlite::Result<Vec<Candidate>> {
    let sql = format!(
        "SELECT {CAND_COLS} FROM plays WHERE {filter} AND played_at >= ?1 AND played_at <= ?2"
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map([fmt_ms(lo), fmt_ms(hi)], row_candidate)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(c) = r? {
            out.push(c);
        }
    }
    Ok(out)
}

fn track_id(r: &Record) -> Option<&str> {
    (r.item_type == Some(ItemType::Track))
        .then_some(r.id.as_deref())
        .flatten()
}

fn episode_id(r: &Record) -> Option<&str> {
    (r.item_type == Some(ItemType::Episode))
        .then_some(r.id.as_deref())
        .flatten()
}

impl<'a> Sql<'a> {
    /// Store a polled play, merging it with the export row of the same play when an import
    /// came first (see [`crate::import::merge`]): [`Outcome::Merged`] is a play known already,
    /// not a new one. The API's `played_at` is unique among API plays.
    pub(crate) fn insert_play(&self, p: &ApiPlay<'_>) -> rusqlite::Result<Outcome> {
        let tx = self.0;
        let known = tx
            .prepare_cached("SELECT 1 FROM plays WHERE api_played_at = ?1")?
            .exists([p.played_at])?;
        if known {
            return Ok(Outcome::Known);
        }
        if let Some(at) = parse_stored(p.played_at) {
            let ident = Ident::new(p.uri, p.track_name, p.artist_name);
            let tol = MINUTE_MS + SLACK_MS;
            let cands = candidates_between(
                tx,
                "api_played_at IS NULL",
                at - tol,
                at + MAX_STREAM_MS + tol,
            )?;
            if let Some(c) = merge::best(&cands, Kind::Api, &ident, at, None) {
                tx.prepare_cached(
                    "UPDATE plays SET api_played_at = ?1, played_at = ?1, context_type = ?2,
                       context_uri = ?3, sync_history_id = ?4, track_id = COALESCE(track_id, ?5),
                       uri = COALESCE(uri, ?6), item_type = COALESCE(item_type, ?7)
                     WHERE id = ?8",
                )?
                .execute(params![
                    p.played_at,
                    p.context_type,
                    p.context_uri,
                    p.sync_history_id,
                    p.track_id,
                    p.uri,
                    p.item_type,
                    c.id
                ])?;
                return Ok(Outcome::Merged);
            }
        }
        tx.prepare_cached(
            "INSERT INTO plays (played_at, source, item_type, track_id, uri, track_name,
                                artist_name, album_name, context_type, context_uri,
                                api_played_at, sync_history_id)
             VALUES (?1, 'api', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1, ?10)",
        )?
        .execute(params![
            p.played_at,
            p.item_type,
            p.track_id,
            p.uri,
            p.track_name,
            p.artist_name,
            p.album_name,
            p.context_type,
            p.context_uri,
            p.sync_history_id
        ])?;
        Ok(Outcome::Added)
    }

    /// Stored plays an extended history row may merge with: every play not yet seen by an
    /// extended export (API and account records), for the importer's in-memory
    /// [`merge::Pool`].
    pub(crate) fn extended_pool(&self) -> rusqlite::Result<merge::Pool> {
        let c = self.0;
        let mut st = c.prepare(&format!(
            "SELECT {CAND_COLS} FROM plays WHERE extended_key IS NULL"
        ))?;
        let rows = st.query_map([], row_candidate)?;
        let mut pool = merge::Pool::default();
        for r in rows {
            if let Some(c) = r? {
                pool.add(c);
            }
        }
        Ok(pool)
    }

    /// Make sure the track or episode an export row names has a row (an episode's show by name), with what the
    /// export says; enrichment fills the rest later. Never overwrites what is stored.
    pub(crate) fn ensure_item(&self, r: &Record) -> rusqlite::Result<()> {
        let tx = self.0;
        if let Some(id) = track_id(r) {
            tx.prepare_cached(
                "INSERT INTO tracks (id, name, uri) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![id, r.track_name, r.uri])?;
        } else if let Some(id) = episode_id(r) {
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
        let tx = self.0;
        tx.prepare_cached("SELECT 1 FROM plays WHERE extended_key = ?1")?
            .exists([key])
    }

    /// The extended-row insert, prepared once per batch (see [`ExtendedInsert`]).
    pub(crate) fn prepare_insert_extended(&self) -> rusqlite::Result<ExtendedInsert<'a>> {
        Ok(ExtendedInsert(self.0.prepare_cached(INSERT_EXTENDED)?))
    }

    /// Give the stored play `id` (an API or account record of the same play) this extended row's
    /// details and key.
    pub(crate) fn merge_extended(&self, id: i64, r: &Record) -> rusqlite::Result<()> {
        let tx = self.0;
        tx.prepare_cached(
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
            track_id(r),
            episode_id(r),
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
        let tx = self.0;
        let known = tx
            .prepare_cached("SELECT 1 FROM plays WHERE account_key = ?1")?
            .exists([r.key])?;
        if known {
            return Ok(Outcome::Known);
        }
        let ms = r.ms_played.unwrap_or(0).clamp(0, MAX_STREAM_MS);
        let tol = 2 * (MINUTE_MS + SLACK_MS);
        let cands =
            candidates_between(tx, "account_key IS NULL", r.ended - ms - tol, r.ended + tol)?;
        let ident = r.ident();
        if let Some(c) = merge::best(&cands, Kind::Account, &ident, r.ended, r.ms_played) {
            tx.prepare_cached(
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
                c.id
            ])?;
            return Ok(Outcome::Merged);
        }
        let n = tx
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
        let tx = self.0;
        let gaps: Vec<(i64, Option<String>, String)> = tx
            .prepare("SELECT id, after, before FROM play_gaps WHERE closed_at IS NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut closed = 0;
        for (id, after, before) in gaps {
            let after_ok = match after.as_deref() {
                None => whole_life,
                Some(a) => parse_stored(a).is_some_and(|a| first <= a),
            };
            let before_ok = parse_stored(&before).is_some_and(|b| last >= b - SLACK_MS);
            if after_ok && before_ok {
                tx.execute(
                    "UPDATE play_gaps SET closed_at = ?1, closed_by = ?2 WHERE id = ?3",
                    params![now, closed_by, id],
                )?;
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// Record that plays between `after` and `before` may be lost.
    pub(crate) fn insert_play_gap(
        &self,
        after: Option<&str>,
        before: &str,
        detected_at: &str,
    ) -> rusqlite::Result<()> {
        self.0.execute(
            "INSERT INTO play_gaps (after, before, detected_at) VALUES (?1, ?2, ?3)",
            params![after, before, detected_at],
        )?;
        Ok(())
    }

    /// Where the next poll of recently-played starts: the newest play the API itself reported
    /// no later than `until` (a play stamped far in the future, by a server or by an older
    /// spotsync that stored one, is no cursor). Not the newest play stored: an export's `ts` is
    /// when a stream ended, and a play the API stamps at its start could begin before it.
    pub fn last_play(&self, until: DateTime<Utc>) -> rusqlite::Result<Option<String>> {
        self.0.query_row(
            "SELECT MAX(api_played_at) FROM plays WHERE api_played_at <= ?1",
            [ts(until)],
            |r| r.get(0),
        )
    }

    /// Read the [`Coverage`].
    pub fn coverage(&self) -> rusqlite::Result<Coverage> {
        coverage(self.0)
    }
}

const INSERT_EXTENDED: &str = "INSERT INTO plays (played_at, source, item_type, track_id,
       episode_id, uri, track_name, artist_name, album_name, ended_at, ms_played, reason_start,
       reason_end, shuffle, skipped, offline, offline_at, incognito, platform, conn_country,
       extended_key)
     VALUES (?1, 'extended', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1, ?9, ?10, ?11, ?12, ?13, ?14,
             ?15, ?16, ?17, ?18, ?19)
     ON CONFLICT(extended_key) WHERE extended_key IS NOT NULL DO NOTHING";

/// The importer's prepared insert of an extended history row (one per batch).
pub(crate) struct ExtendedInsert<'a>(CachedStatement<'a>);

impl ExtendedInsert<'_> {
    /// Store an extended history row as a new play; `false` when it was stored before.
    pub(crate) fn insert(&mut self, r: &Record) -> rusqlite::Result<bool> {
        let n = self.0.execute(params![
            r.ended_text,
            r.item_type.map(ItemType::as_str),
            track_id(r),
            episode_id(r),
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
        ])?;
        Ok(n > 0)
    }
}

/// What the listening history covers: `spotsync status` and the terminal app show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub plays: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Plays per `source` (the richest source that has the play: extended, account, api).
    pub by_source: BTreeMap<String, u64>,
    /// Plays each source saw (a play seen by the API and the export counts in both).
    pub seen_by: BTreeMap<String, u64>,
    /// Gaps still open, newest first.
    pub open_gaps: Vec<PlayGap>,
}

fn coverage(c: &Connection) -> rusqlite::Result<Coverage> {
    let (plays, first, last, api, ext, acc): (i64, _, _, i64, i64, i64) = c.query_row(
        "SELECT COUNT(*), MIN(played_at), MAX(played_at), COUNT(api_played_at),
                COUNT(extended_key), COUNT(account_key) FROM plays",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let mut by_source = BTreeMap::new();
    let mut st = c.prepare("SELECT source, COUNT(*) FROM plays GROUP BY source")?;
    for r in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (s, n) = r?;
        by_source.insert(s, n.max(0) as u64);
    }
    let seen_by = [("api", api), ("extended", ext), ("account", acc)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.max(0) as u64))
        .collect();
    let open_gaps = c
        .prepare(
            "SELECT after, before, detected_at FROM play_gaps WHERE closed_at IS NULL
             ORDER BY id DESC",
        )?
        .query_map([], |r| {
            Ok(PlayGap {
                after: r.get(0)?,
                before: r.get(1)?,
                detected_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Coverage {
        plays: plays.max(0) as u64,
        first,
        last,
        by_source,
        seen_by,
        open_gaps,
    })
}

/// [`Sql::coverage`] through a read-only connection; `None` when there is no database yet.
pub fn load_coverage(db: &std::path::Path) -> Result<Option<Coverage>, String> {
    match super::open_read_only(db) {
        Ok(Some(conn)) => conn
            .sql()
            .coverage()
            .map(Some)
            .map_err(|e| format!("cannot read the listening history: {e}")),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
