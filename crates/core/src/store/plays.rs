//! The listening history (`plays`) and its gaps (`play_gaps`): the API poll's insert and
//! cursor, the importer's writes ([`imported`]), and the coverage that `status` shows. The one
//! module that writes plays. What makes two records one play is decided by the pure rules of
//! [`merge`]; this module applies them to stored rows.

pub mod imported;
pub(crate) mod indexes;
pub mod merge;
pub mod record;
pub mod time;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use crate::domain::RunId;

use crate::spotify::model;
use crate::store::journal::PlayGap;
use crate::store::row::{FromRow, get_u64};
use crate::store::{Sql, ts};
use merge::{Candidate, Ident, Kind, MAX_STREAM_MS, MINUTE_MS, SLACK_MS};
use time::{fmt_ms, parse_stored};

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

/// A stored play as a merge candidate, read by column name.
struct CandidateRow {
    id: i64,
    api_played_at: Option<String>,
    ended_at: Option<String>,
    played_at: String,
    extended: bool,
    ms_played: Option<i64>,
    uri: Option<String>,
    track_name: Option<String>,
    artist_name: Option<String>,
}

impl FromRow for CandidateRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CandidateRow {
            id: r.get("id")?,
            api_played_at: r.get("api_played_at")?,
            ended_at: r.get("ended_at")?,
            played_at: r.get("played_at")?,
            extended: r.get("extended")?,
            ms_played: r.get("ms_played")?,
            uri: r.get("uri")?,
            track_name: r.get("track_name")?,
            artist_name: r.get("artist_name")?,
        })
    }
}

impl CandidateRow {
    /// The candidate, or `None` when its time cannot be read.
    fn candidate(self) -> Option<Candidate> {
        let ended = self.ended_at.as_deref().unwrap_or(&self.played_at);
        let (kind, at) = match (&self.api_played_at, self.extended) {
            (_, true) => (Kind::Extended, ended),
            (Some(a), false) => (Kind::Api, a.as_str()),
            (None, false) => (Kind::Account, ended),
        };
        Some(Candidate {
            id: self.id,
            kind,
            at: parse_stored(at)?,
            ms_played: self.ms_played,
            ident: Ident::new(
                self.uri.as_deref(),
                self.track_name.as_deref(),
                self.artist_name.as_deref(),
            ),
        })
    }
}

const CAND_COLS: &str = "id, api_played_at, ended_at, played_at, \
                         extended_key IS NOT NULL AS extended, ms_played, uri, track_name, \
                         artist_name";

impl Sql<'_> {
    /// Rows with `played_at` in `[lo, hi]` (Unix ms) that `filter` (an SQL condition) keeps.
    fn candidates_between(
        &self,
        filter: &str,
        lo: i64,
        hi: i64,
    ) -> rusqlite::Result<Vec<Candidate>> {
        let sql = format!(
            "SELECT {CAND_COLS} FROM plays WHERE {filter} AND played_at >= ?1 AND played_at <= ?2"
        );
        let rows: Vec<CandidateRow> = self.all(&sql, [fmt_ms(lo), fmt_ms(hi)])?;
        Ok(rows
            .into_iter()
            .filter_map(CandidateRow::candidate)
            .collect())
    }

    /// Stored plays an extended history row may merge with: every play not yet seen by an
    /// extended export (API and account records), for the importer's in-memory
    /// [`merge::Pool`].
    pub(crate) fn extended_pool(&self) -> rusqlite::Result<merge::Pool> {
        let rows: Vec<CandidateRow> = self.all(
            &format!("SELECT {CAND_COLS} FROM plays WHERE extended_key IS NULL"),
            [],
        )?;
        let mut pool = merge::Pool::default();
        for c in rows.into_iter().filter_map(CandidateRow::candidate) {
            pool.add(c);
        }
        Ok(pool)
    }
}

impl Sql<'_> {
    /// Store a polled play, merging it with the export row of the same play when an import
    /// came first (see [`merge`]): [`Outcome::Merged`] is a play known already, not a new one.
    /// The API's `played_at` is unique among API plays.
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
            let cands = self.candidates_between(
                "api_played_at IS NULL",
                at - tol,
                at + MAX_STREAM_MS + tol,
            )?;
            if let Some(c) = merge::best(&cands, Kind::Api, &ident, at, None) {
                self.merge_api_play(c.id, p)?;
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

    /// Give the stored play `id` (an export row of the same play) the polled play's time and
    /// context.
    fn merge_api_play(&self, id: i64, p: &ApiPlay<'_>) -> rusqlite::Result<()> {
        self.0
            .prepare_cached(
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
                id
            ])?;
        Ok(())
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
        let newest: Option<Newest> = self.one(
            "SELECT MAX(api_played_at) AS at FROM plays WHERE api_played_at <= ?1",
            [ts(until)],
        )?;
        Ok(newest.and_then(|n| n.at))
    }

    /// Read the [`Coverage`].
    pub fn coverage(&self) -> rusqlite::Result<Coverage> {
        // Each figure from an index (the first and last play from `plays_played_at`, the
        // counts from the smallest index that holds them), not one scan of every play.
        let totals: Option<Totals> = self.one(
            "SELECT (SELECT COUNT(*) FROM plays) AS plays,
                    (SELECT MIN(played_at) FROM plays) AS first,
                    (SELECT MAX(played_at) FROM plays) AS last,
                    (SELECT COUNT(*) FROM plays WHERE api_played_at IS NOT NULL) AS api,
                    (SELECT COUNT(*) FROM plays WHERE extended_key IS NOT NULL) AS extended,
                    (SELECT COUNT(*) FROM plays WHERE account_key IS NOT NULL) AS account",
            [],
        )?;
        let t = totals.unwrap_or_default();
        let sources: Vec<SourceCount> = self.all(
            "SELECT source, COUNT(*) AS plays FROM plays GROUP BY source",
            [],
        )?;
        Ok(Coverage {
            plays: t.plays,
            first: t.first,
            last: t.last,
            by_source: sources.into_iter().map(|s| (s.source, s.plays)).collect(),
            seen_by: [
                ("api", t.api),
                ("extended", t.extended),
                ("account", t.account),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            open_gaps: self.play_gaps(u32::MAX)?,
        })
    }
}

/// `MAX(…) AS at`.
struct Newest {
    at: Option<String>,
}

impl FromRow for Newest {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Newest { at: r.get("at")? })
    }
}

/// The totals of [`Coverage`].
#[derive(Default)]
struct Totals {
    plays: u64,
    first: Option<String>,
    last: Option<String>,
    api: u64,
    extended: u64,
    account: u64,
}

impl FromRow for Totals {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Totals {
            plays: get_u64(r, "plays")?,
            first: r.get("first")?,
            last: r.get("last")?,
            api: get_u64(r, "api")?,
            extended: get_u64(r, "extended")?,
            account: get_u64(r, "account")?,
        })
    }
}

/// Plays per source.
struct SourceCount {
    source: String,
    plays: u64,
}

impl FromRow for SourceCount {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(SourceCount {
            source: r.get("source")?,
            plays: get_u64(r, "plays")?,
        })
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
