//! The library lists besides saved tracks and playlists: saved albums, shows, episodes and
//! audiobooks (`added_at` lists), followed artists, the top lists; and the shows, episodes and
//! audiobooks they carry.

use rusqlite::{OptionalExtension, params};

use super::{Journal, Unseen, Upsert, journal, mark_unseen, valid_id};
use crate::domain::{ChangeEntity, ChangeKind, RunId};
use crate::spotify::model::{Audiobook, Episode, Show, images_json, names_json};
use crate::store::Sql;

/// An `added_at` list's table: `(<key>, added_at, removed_at, last_seen_run_id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedList {
    table: &'static str,
    key: &'static str,
    entity: ChangeEntity,
}

impl SavedList {
    pub const ALBUMS: SavedList = SavedList {
        table: "saved_albums",
        key: "album_id",
        entity: ChangeEntity::SavedAlbum,
    };
    pub const SHOWS: SavedList = SavedList {
        table: "saved_shows",
        key: "show_id",
        entity: ChangeEntity::SavedShow,
    };
    pub const EPISODES: SavedList = SavedList {
        table: "saved_episodes",
        key: "episode_id",
        entity: ChangeEntity::SavedEpisode,
    };
    pub const AUDIOBOOKS: SavedList = SavedList {
        table: "saved_audiobooks",
        key: "audiobook_id",
        entity: ChangeEntity::SavedAudiobook,
    };
}

const FOLLOWED: Unseen = Unseen {
    table: "followed_artists",
    entity: ChangeEntity::FollowedArtist,
    key: "artist_id",
    old_value: "first_seen_at",
};

impl Sql<'_> {
    /// An item of an `added_at` list seen in this run: `Added` when new (or saved again),
    /// `Updated` when its `added_at` changed, else `Unchanged`.
    pub(crate) fn upsert_saved_item(
        &self,
        list: SavedList,
        id: &str,
        added_at: Option<&str>,
        run_id: RunId,
        j: Journal<'_>,
    ) -> rusqlite::Result<Upsert> {
        let c = self.0;
        let SavedList { table, key, entity } = list;
        let before: Option<(Option<String>, Option<String>)> = c
            .prepare_cached(&format!(
                "SELECT removed_at, added_at FROM {table} WHERE {key} = ?1"
            ))?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        c.prepare_cached(&format!(
            "INSERT INTO {table} ({key}, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, NULL, ?3)
             ON CONFLICT({key}) DO UPDATE SET
               added_at = COALESCE(excluded.added_at, {table}.added_at),
               removed_at = NULL,
               last_seen_run_id = excluded.last_seen_run_id"
        ))?
        .execute(params![id, added_at, run_id])?;
        Ok(match before {
            Some((None, old)) => {
                if added_at.is_some() && old.as_deref() != added_at {
                    Upsert::Updated
                } else {
                    Upsert::Unchanged
                }
            }
            _ => {
                journal(c, j, entity, id, ChangeKind::Added, None, added_at)?;
                Upsert::Added
            }
        })
    }

    /// True when this save was already stored (same `added_at`, not removed) before this run.
    pub(crate) fn is_known_saved_item(
        &self,
        list: SavedList,
        id: &str,
        added_at: Option<&str>,
        run_id: RunId,
    ) -> rusqlite::Result<bool> {
        let SavedList { table, key, .. } = list;
        self.0
            .prepare_cached(&format!(
                "SELECT 1 FROM {table} WHERE {key} = ?1 AND added_at IS ?2 AND removed_at IS NULL
                   AND (last_seen_run_id IS NULL OR last_seen_run_id != ?3)"
            ))?
            .query_row(params![id, added_at, run_id], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
    }

    /// Items of the list currently saved.
    pub(crate) fn count_saved_items(&self, list: SavedList) -> rusqlite::Result<u64> {
        let SavedList { table, .. } = list;
        self.0
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE removed_at IS NULL"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
    }

    /// After a complete walk of the list: everything not seen in `run_id` was removed.
    pub(crate) fn mark_unsaved_items(
        &self,
        list: SavedList,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        let SavedList { table, key, entity } = list;
        let u = Unseen {
            table,
            entity,
            key,
            old_value: "added_at",
        };
        mark_unseen(self.0, u, run_id, now, j)
    }
}

impl Sql<'_> {
    /// A followed artist seen in this run (the artist row is stored apart): `Added` when new or
    /// followed again.
    pub(crate) fn upsert_followed(
        &self,
        artist_id: &str,
        run_id: RunId,
        j: Journal<'_>,
    ) -> rusqlite::Result<Upsert> {
        let c = self.0;
        let live: Option<Option<String>> = c
            .prepare_cached("SELECT removed_at FROM followed_artists WHERE artist_id = ?1")?
            .query_row([artist_id], |r| r.get(0))
            .optional()?;
        c.prepare_cached(
            "INSERT INTO followed_artists (artist_id, first_seen_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, NULL, ?3)
             ON CONFLICT(artist_id) DO UPDATE SET
               first_seen_at = CASE WHEN followed_artists.removed_at IS NULL
                                    THEN followed_artists.first_seen_at
                                    ELSE excluded.first_seen_at END,
               removed_at = NULL,
               last_seen_run_id = excluded.last_seen_run_id",
        )?
        .execute(params![artist_id, j.at, run_id])?;
        Ok(match live {
            Some(None) => Upsert::Unchanged,
            _ => {
                journal(
                    c,
                    j,
                    ChangeEntity::FollowedArtist,
                    artist_id,
                    ChangeKind::Added,
                    None,
                    Some(j.at),
                )?;
                Upsert::Added
            }
        })
    }

    /// After a complete walk of the follows: every artist not seen in `run_id` was unfollowed.
    pub(crate) fn mark_unfollowed(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        mark_unseen(self.0, FOLLOWED, run_id, now, j)
    }
}

impl Sql<'_> {
    /// A show (simplified object). Returns its id.
    pub(crate) fn upsert_show(&self, s: &Show) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&s.id) else {
            return Ok(None);
        };
        self.0
            .prepare_cached(
                "INSERT INTO shows (id, name, publisher, description, total_episodes, media_type,
                                    explicit, images, uri)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET
                   name = COALESCE(excluded.name, shows.name),
                   publisher = COALESCE(excluded.publisher, shows.publisher),
                   description = COALESCE(excluded.description, shows.description),
                   total_episodes = COALESCE(excluded.total_episodes, shows.total_episodes),
                   media_type = COALESCE(excluded.media_type, shows.media_type),
                   explicit = COALESCE(excluded.explicit, shows.explicit),
                   images = COALESCE(excluded.images, shows.images),
                   uri = COALESCE(excluded.uri, shows.uri)",
            )?
            .execute(params![
                id,
                s.name,
                s.publisher,
                s.description,
                s.total_episodes,
                s.media_type,
                s.explicit,
                images_json(&s.images),
                s.uri
            ])?;
        Ok(Some(id.to_string()))
    }

    /// An episode with its resume point, and its show. Returns its id.
    pub(crate) fn upsert_episode(&self, e: &Episode) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&e.id) else {
            return Ok(None);
        };
        let show_id = match &e.show {
            Some(s) => self.upsert_show(s)?,
            None => None,
        };
        let resume = e.resume_point.as_ref();
        self.0
            .prepare_cached(
                "INSERT INTO episodes (id, name, show_id, duration_ms, release_date, explicit,
                                       resume_position_ms, fully_played, uri)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET
                   name = COALESCE(excluded.name, episodes.name),
                   show_id = COALESCE(excluded.show_id, episodes.show_id),
                   duration_ms = COALESCE(excluded.duration_ms, episodes.duration_ms),
                   release_date = COALESCE(excluded.release_date, episodes.release_date),
                   explicit = COALESCE(excluded.explicit, episodes.explicit),
                   resume_position_ms = COALESCE(excluded.resume_position_ms,
                                                 episodes.resume_position_ms),
                   fully_played = COALESCE(excluded.fully_played, episodes.fully_played),
                   uri = COALESCE(excluded.uri, episodes.uri)",
            )?
            .execute(params![
                id,
                e.name,
                show_id,
                e.duration_ms,
                e.release_date,
                e.explicit,
                resume.and_then(|r| r.resume_position_ms),
                resume.and_then(|r| r.fully_played),
                e.uri
            ])?;
        Ok(Some(id.to_string()))
    }

    /// An audiobook. Returns its id.
    pub(crate) fn upsert_audiobook(&self, b: &Audiobook) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&b.id) else {
            return Ok(None);
        };
        self.0
            .prepare_cached(
                "INSERT INTO audiobooks (id, name, authors, narrators, publisher, edition,
                                         total_chapters, images, uri)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET
                   name = COALESCE(excluded.name, audiobooks.name),
                   authors = COALESCE(excluded.authors, audiobooks.authors),
                   narrators = COALESCE(excluded.narrators, audiobooks.narrators),
                   publisher = COALESCE(excluded.publisher, audiobooks.publisher),
                   edition = COALESCE(excluded.edition, audiobooks.edition),
                   total_chapters = COALESCE(excluded.total_chapters, audiobooks.total_chapters),
                   images = COALESCE(excluded.images, audiobooks.images),
                   uri = COALESCE(excluded.uri, audiobooks.uri)",
            )?
            .execute(params![
                id,
                b.name,
                names_json(&b.authors),
                names_json(&b.narrators),
                b.publisher,
                b.edition,
                b.total_chapters,
                images_json(&b.images),
                b.uri
            ])?;
        Ok(Some(id.to_string()))
    }
}

impl Sql<'_> {
    /// One page of a top list: ranks `first_rank..` of the day's snapshot. The first page
    /// replaces whatever the day's snapshot of that list held.
    pub(crate) fn put_top_page(
        &self,
        date: &str,
        range: &str,
        kind: &str,
        first_rank: u64,
        ids: &[Option<String>],
    ) -> rusqlite::Result<()> {
        let c = self.0;
        if first_rank == 1 {
            c.prepare_cached(
                "DELETE FROM top_items WHERE snapshot_date = ?1 AND time_range = ?2 AND kind = ?3",
            )?
            .execute(params![date, range, kind])?;
        }
        for (i, id) in ids.iter().enumerate() {
            let Some(id) = id else { continue };
            c.prepare_cached(
                "INSERT INTO top_items (snapshot_date, time_range, kind, rank, id)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(snapshot_date, time_range, kind, rank) DO UPDATE SET id = excluded.id",
            )?
            .execute(params![
                date,
                range,
                kind,
                (first_rank + i as u64) as i64,
                id
            ])?;
        }
        Ok(())
    }
}
