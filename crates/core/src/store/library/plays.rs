//! Listening history and its gaps.

use rusqlite::params;

use crate::domain::RunId;
use crate::store::Sql;

impl Sql<'_> {
    /// Store one play; `false` when it was known already (same `played_at`).
    pub(crate) fn insert_play(
        &self,
        played_at: &str,
        track_id: Option<&str>,
        context_type: Option<&str>,
        context_uri: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO plays (played_at, track_id, context_type, context_uri,
                                    sync_history_id)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(played_at) DO NOTHING",
            )?
            .execute(params![
                played_at,
                track_id,
                context_type,
                context_uri,
                run_id
            ])?;
        Ok(n > 0)
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
}
