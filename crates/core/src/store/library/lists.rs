//! The library lists besides saved tracks and playlists: saved albums, shows, episodes and
//! audiobooks (`added_at` lists), followed artists, the top lists; and the shows, episodes and
//! audiobooks they carry.

use rusqlite::params;

use super::saved::SavedBefore;
use super::{Change, Journal, Unseen, Upsert, valid_id};
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
        let SavedList { table, key, entity } = list;
        let before: Option<SavedBefore> = self.one(
            &format!("SELECT removed_at, added_at FROM {table} WHERE {key} = ?1"),
            [id],
        )?;
        self.exec(
            &format!(
                "INSERT INTO {table} ({key}, added_at, removed_at, last_seen_run_id)
                 VALUES (?1, ?2, NULL, ?3)
                 ON CONFLICT({key}) DO UPDATE SET
                   added_at = COALESCE(excluded.added_at, {table}.added_at),
                   removed_at = NULL,
                   last_seen_run_id = excluded.last_seen_run_id"
            ),
            params![id, added_at, run_id],
        )?;
        let upsert = SavedBefore::upsert(before.as_ref(), added_at);
        if upsert == Upsert::Added {
            self.journal(
                j,
                Change {
                    entity,
                    id,
                    kind: ChangeKind::Added,
                    old_value: None,
                    new_value: added_at,
                },
            )?;
        }
        Ok(upsert)
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
        self.exists(
            &format!(
                "SELECT 1 FROM {table} WHERE {key} = ?1 AND added_at IS ?2 AND removed_at IS NULL
                   AND (last_seen_run_id IS NULL OR last_seen_run_id != ?3)"
            ),
            params![id, added_at, run_id],
        )
    }

    /// Items of the list currently saved.
    pub(crate) fn count_saved_items(&self, list: SavedList) -> rusqlite::Result<u64> {
        let SavedList { table, .. } = list;
        self.count(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE removed_at IS NULL"),
            [],
        )
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
        self.mark_unseen(u, run_id, now, j)
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
        let live: Option<Option<String>> = self.value(
            "SELECT removed_at AS value FROM followed_artists WHERE artist_id = ?1",
            [artist_id],
        )?;
        self.exec(
            "INSERT INTO followed_artists (artist_id, first_seen_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, NULL, ?3)
             ON CONFLICT(artist_id) DO UPDATE SET
               first_seen_at = CASE WHEN followed_artists.removed_at IS NULL
                                    THEN followed_artists.first_seen_at
                                    ELSE excluded.first_seen_at END,
               removed_at = NULL,
               last_seen_run_id = excluded.last_seen_run_id",
            params![artist_id, j.at, run_id],
        )?;
        if live == Some(None) {
            return Ok(Upsert::Unchanged);
        }
        self.journal(
            j,
            Change {
                entity: ChangeEntity::FollowedArtist,
                id: artist_id,
                kind: ChangeKind::Added,
                old_value: None,
                new_value: Some(j.at),
            },
        )?;
        Ok(Upsert::Added)
    }

    /// After a complete walk of the follows: every artist not seen in `run_id` was unfollowed.
    pub(crate) fn mark_unfollowed(
        &self,
        run_id: RunId,
        now: &str,
        j: Journal<'_>,
    ) -> rusqlite::Result<u64> {
        self.mark_unseen(FOLLOWED, run_id, now, j)
    }
}

impl Sql<'_> {
    /// A show (simplified object). Returns its id.
    pub(crate) fn upsert_show(&self, s: &Show) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&s.id) else {
            return Ok(None);
        };
        self.exec(
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
            params![
                id,
                s.name,
                s.publisher,
                s.description,
                s.total_episodes,
                s.media_type,
                s.explicit,
                images_json(&s.images),
                s.uri
            ],
        )?;
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
        self.exec(
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
            params![
                id,
                e.name,
                show_id,
                e.duration_ms,
                e.release_date,
                e.explicit,
                resume.and_then(|r| r.resume_position_ms),
                resume.and_then(|r| r.fully_played),
                e.uri
            ],
        )?;
        Ok(Some(id.to_string()))
    }

    /// An audiobook. Returns its id.
    pub(crate) fn upsert_audiobook(&self, b: &Audiobook) -> rusqlite::Result<Option<String>> {
        let Some(id) = valid_id(&b.id) else {
            return Ok(None);
        };
        self.exec(
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
            params![
                id,
                b.name,
                names_json(&b.authors),
                names_json(&b.narrators),
                b.publisher,
                b.edition,
                b.total_chapters,
                images_json(&b.images),
                b.uri
            ],
        )?;
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
        if first_rank == 1 {
            self.exec(
                "DELETE FROM top_items WHERE snapshot_date = ?1 AND time_range = ?2 AND kind = ?3",
                params![date, range, kind],
            )?;
        }
        for (i, id) in ids.iter().enumerate() {
            let Some(id) = id else { continue };
            self.exec(
                "INSERT INTO top_items (snapshot_date, time_range, kind, rank, id)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(snapshot_date, time_range, kind, rank) DO UPDATE SET id = excluded.id",
                params![date, range, kind, (first_rank + i as u64) as i64, id],
            )?;
        }
        Ok(())
    }
}
