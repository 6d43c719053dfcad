//! The schema, as append-only migrations. Never edit a migration that has shipped: add one.
//! Every table and column is documented in the README ("The database").

use rusqlite_migration::{M, Migrations};

mod since_v8;
use since_v8::{M8_MUSICBRAINZ, M9_RESTORE, M10_ALBUM_TRACKS, M11_PLAYS_ARTIST_NAME};

const M1_LIBRARY: &str = r#"
CREATE TABLE albums (
    id                     TEXT PRIMARY KEY,
    name                   TEXT,
    album_type             TEXT,
    release_date           TEXT,
    release_date_precision TEXT,
    total_tracks           INTEGER,
    label                  TEXT,
    upc                    TEXT,
    genres                 TEXT,
    images                 TEXT,
    popularity             INTEGER,
    uri                    TEXT,
    enriched_at            TEXT,
    enrich_error           TEXT
);

CREATE TABLE artists (
    id           TEXT PRIMARY KEY,
    name         TEXT,
    genres       TEXT,
    images       TEXT,
    popularity   INTEGER,
    followers    INTEGER,
    uri          TEXT,
    enriched_at  TEXT,
    enrich_error TEXT
);

CREATE TABLE tracks (
    id           TEXT PRIMARY KEY,
    name         TEXT,
    album_id     TEXT REFERENCES albums(id),
    duration_ms  INTEGER,
    explicit     INTEGER,
    disc_number  INTEGER,
    track_number INTEGER,
    isrc         TEXT,
    popularity   INTEGER,
    uri          TEXT
);
CREATE INDEX tracks_album ON tracks(album_id);

CREATE TABLE track_artists (
    track_id  TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    artist_id TEXT NOT NULL REFERENCES artists(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (track_id, position)
);
CREATE INDEX track_artists_artist ON track_artists(artist_id);

CREATE TABLE album_artists (
    album_id  TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    artist_id TEXT NOT NULL REFERENCES artists(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (album_id, position)
);
CREATE INDEX album_artists_artist ON album_artists(artist_id);

CREATE TABLE saved_tracks (
    track_id         TEXT PRIMARY KEY REFERENCES tracks(id),
    added_at         TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

CREATE TABLE playlists (
    id                TEXT PRIMARY KEY,
    name              TEXT,
    description       TEXT,
    owner_id          TEXT,
    owner_name        TEXT,
    public            INTEGER,
    collaborative     INTEGER,
    snapshot_id       TEXT,
    total_items       INTEGER,
    items_status      TEXT NOT NULL DEFAULT 'pending'
                      CHECK (items_status IN ('synced', 'pending', 'forbidden', 'not_found')),
    items_snapshot_id TEXT,
    uri               TEXT,
    list_position     INTEGER,
    last_seen_run_id  INTEGER,
    removed_at        TEXT,
    items_synced_at   TEXT
);

CREATE TABLE playlist_items (
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    item_type   TEXT NOT NULL CHECK (item_type IN ('track', 'episode', 'local', 'unavailable')),
    track_id    TEXT REFERENCES tracks(id),
    episode_id  TEXT,
    uri         TEXT,
    name        TEXT,
    added_at    TEXT,
    added_by    TEXT,
    PRIMARY KEY (playlist_id, position)
);
CREATE INDEX playlist_items_track ON playlist_items(track_id);

-- Pages of a playlist being fetched; swapped into playlist_items in one transaction when the
-- last page lands, so readers never see half of an old and half of a new version.
CREATE TABLE playlist_items_staging (
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    item_type   TEXT NOT NULL,
    track_id    TEXT REFERENCES tracks(id),
    episode_id  TEXT,
    uri         TEXT,
    name        TEXT,
    added_at    TEXT,
    added_by    TEXT,
    PRIMARY KEY (playlist_id, position)
);

CREATE TABLE sync_history (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    status             TEXT NOT NULL,
    api_calls          INTEGER NOT NULL DEFAULT 0,
    rate_limited_count INTEGER NOT NULL DEFAULT 0,
    waited_seconds     INTEGER NOT NULL DEFAULT 0,
    items_added        INTEGER NOT NULL DEFAULT 0,
    items_updated      INTEGER NOT NULL DEFAULT 0,
    items_removed      INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    phases             TEXT
);

CREATE TABLE sync_state (
    state_key           TEXT PRIMARY KEY,
    sync_history_id     INTEGER REFERENCES sync_history(id),
    entity_type         TEXT NOT NULL,
    current_offset      INTEGER NOT NULL DEFAULT 0,
    total_items         INTEGER,
    items_processed     INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL
                        CHECK (status IN ('pending', 'in_progress', 'paused', 'rate_limited',
                                          'success', 'failed', 'cancelled')),
    last_error          TEXT,
    rate_limit_reset_at TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    completed_at        TEXT,
    rate_limit_reason   TEXT,
    cursor              TEXT,
    run_order           INTEGER
);

-- Requests sent, per minute, for the rolling 24-hour count.
CREATE TABLE api_usage (
    minute TEXT PRIMARY KEY,
    calls  INTEGER NOT NULL
);

-- What the app is allowed to do, learned from responses.
CREATE TABLE capabilities (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    detected_at TEXT NOT NULL
);

-- Listening history (from /me/player/recently-played).
CREATE TABLE plays (
    played_at       TEXT PRIMARY KEY,
    track_id        TEXT REFERENCES tracks(id),
    context_type    TEXT,
    context_uri     TEXT,
    sync_history_id INTEGER REFERENCES sync_history(id)
);
CREATE INDEX plays_track ON plays(track_id);

-- Polls that found only unknown plays: some plays in between may be lost.
CREATE TABLE play_gaps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    after       TEXT,
    before      TEXT NOT NULL,
    detected_at TEXT NOT NULL
);

-- The connected account (from GET /me).
CREATE TABLE account (
    key        TEXT PRIMARY KEY,
    value      TEXT,
    updated_at TEXT NOT NULL
);
"#;

/// The migrations, in order. Append only.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

const M2_CHANGES: &str = r#"
-- What changed in the library, as seen by syncs after the first complete mirror.
CREATE TABLE library_changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    changed_at      TEXT NOT NULL,
    sync_history_id INTEGER REFERENCES sync_history(id),
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    change          TEXT NOT NULL,
    old_value       TEXT,
    new_value       TEXT
);
CREATE INDEX library_changes_at ON library_changes(changed_at);
CREATE INDEX library_changes_run ON library_changes(sync_history_id);

-- Health of `spotsync daemon`: last success, next run, blocked until, last error.
CREATE TABLE daemon_health (
    key        TEXT PRIMARY KEY,
    value      TEXT,
    updated_at TEXT NOT NULL
);
"#;

const M3_PLAYLIST_VERSIONS: &str = r#"
-- Every version of a playlist's items the mirror has held, so `spotsync export --as-of` can
-- rebuild a playlist as it was. One row per version swapped in from staging (an unchanged
-- repeat is not stored again); `items` is a JSON array of
-- [position, item_type, track_id, episode_id, uri, name, added_at, added_by], by position.
CREATE TABLE playlist_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    recorded_at TEXT NOT NULL,
    snapshot_id TEXT,
    name        TEXT,
    description TEXT,
    item_count  INTEGER NOT NULL,
    items       TEXT NOT NULL
);
CREATE INDEX playlist_versions_at ON playlist_versions(playlist_id, recorded_at);

-- History starts with the items already mirrored when this migration runs.
INSERT INTO playlist_versions (playlist_id, recorded_at, snapshot_id, name, description,
                               item_count, items)
SELECT p.id,
       COALESCE(p.items_synced_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
       p.items_snapshot_id, p.name, p.description,
       (SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id),
       (SELECT COALESCE(json_group_array(json_array(i.position, i.item_type, i.track_id,
                                                    i.episode_id, i.uri, i.name, i.added_at,
                                                    i.added_by) ORDER BY i.position), '[]')
        FROM playlist_items i WHERE i.playlist_id = p.id)
FROM playlists p WHERE p.items_status = 'synced';
"#;

const M4_PLAYS_IMPORT: &str = r#"
-- Listening history from every source: the API's recently-played poll (`api`), the extended
-- streaming history of Spotify's data export (`extended`) and its account data (`account`).
-- Several plays may share a time, so a play has its own id; each source keeps its own key, and
-- a play seen by several sources is one row carrying each of their keys. (The CHECKs avoid
-- `IN (…)`, which costs SQLite a temporary table per inserted row.)
CREATE TABLE plays_v3 (
    id              INTEGER PRIMARY KEY,
    played_at       TEXT NOT NULL,
    source          TEXT NOT NULL
                    CHECK (source = 'extended' OR source = 'account' OR source = 'api'),
    item_type       TEXT
                    CHECK (item_type = 'track' OR item_type = 'episode' OR item_type = 'chapter'),
    track_id        TEXT REFERENCES tracks(id),
    episode_id      TEXT REFERENCES episodes(id),
    uri             TEXT,
    track_name      TEXT,
    artist_name     TEXT,
    album_name      TEXT,
    ended_at        TEXT,
    ms_played       INTEGER,
    context_type    TEXT,
    context_uri     TEXT,
    reason_start    TEXT,
    reason_end      TEXT,
    shuffle         INTEGER,
    skipped         INTEGER,
    offline         INTEGER,
    offline_at      TEXT,
    incognito       INTEGER,
    platform        TEXT,
    conn_country    TEXT,
    api_played_at   TEXT,
    extended_key    INTEGER,
    account_key     INTEGER,
    sync_history_id INTEGER REFERENCES sync_history(id)
);

-- Podcast episodes (from playlists, plays, the export or the saved-episodes list; what a source
-- does not name stays NULL). The export names an episode's show only by name (`show_name`);
-- the API gives its id (`show_id`, → `shows.id`, created by the next migration).
CREATE TABLE episodes (
    id                 TEXT PRIMARY KEY,
    name               TEXT,
    uri                TEXT,
    show_name          TEXT,
    show_id            TEXT,
    duration_ms        INTEGER,
    release_date       TEXT,
    explicit           INTEGER,
    resume_position_ms INTEGER,
    fully_played       INTEGER,
    enriched_at        TEXT
);

INSERT INTO plays_v3 (played_at, source, item_type, track_id, uri, track_name, artist_name,
                      album_name, context_type, context_uri, api_played_at, sync_history_id)
SELECT p.played_at, 'api', CASE WHEN p.track_id IS NULL THEN NULL ELSE 'track' END, p.track_id,
       t.uri, t.name,
       (SELECT a.name FROM track_artists ta JOIN artists a ON a.id = ta.artist_id
         WHERE ta.track_id = p.track_id ORDER BY ta.position LIMIT 1),
       (SELECT al.name FROM albums al WHERE al.id = t.album_id),
       p.context_type, p.context_uri, p.played_at, p.sync_history_id
FROM plays p LEFT JOIN tracks t ON t.id = p.track_id
ORDER BY p.played_at;
DROP TABLE plays;
ALTER TABLE plays_v3 RENAME TO plays;
-- (played_at, track_id) covers the Stats screen's per-period counts without reading the rows;
-- (source, played_at) lets coverage jump from day to day within one source.
CREATE INDEX plays_played_at ON plays(played_at, track_id);
CREATE INDEX plays_source_at ON plays(source, played_at);
CREATE INDEX plays_track ON plays(track_id);
CREATE UNIQUE INDEX plays_api ON plays(api_played_at) WHERE api_played_at IS NOT NULL;
CREATE UNIQUE INDEX plays_extended ON plays(extended_key) WHERE extended_key IS NOT NULL;
CREATE UNIQUE INDEX plays_account ON plays(account_key) WHERE account_key IS NOT NULL;

-- A gap that an imported export covers is closed, not deleted.
ALTER TABLE play_gaps ADD COLUMN closed_at TEXT;
ALTER TABLE play_gaps ADD COLUMN closed_by TEXT;
"#;

const M5_WHOLE_LIBRARY: &str = r#"
-- Saved albums (/me/albums). The album itself is in `albums`, stored as enriched (harvested).
CREATE TABLE saved_albums (
    album_id         TEXT PRIMARY KEY REFERENCES albums(id),
    added_at         TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

-- Followed artists (/me/following?type=artist): the artist is in `artists`, enriched.
CREATE TABLE followed_artists (
    artist_id        TEXT PRIMARY KEY REFERENCES artists(id),
    first_seen_at    TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

-- Podcasts: every show met (saved, or the show of a saved episode).
CREATE TABLE shows (
    id             TEXT PRIMARY KEY,
    name           TEXT,
    publisher      TEXT,
    description    TEXT,
    total_episodes INTEGER,
    media_type     TEXT,
    explicit       INTEGER,
    images         TEXT,
    uri            TEXT
);

CREATE TABLE saved_shows (
    show_id          TEXT PRIMARY KEY REFERENCES shows(id),
    added_at         TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

-- `episodes` exists since the plays-import migration, with these columns.

CREATE TABLE saved_episodes (
    episode_id       TEXT PRIMARY KEY REFERENCES episodes(id),
    added_at         TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

CREATE TABLE audiobooks (
    id             TEXT PRIMARY KEY,
    name           TEXT,
    authors        TEXT,
    narrators      TEXT,
    publisher      TEXT,
    edition        TEXT,
    total_chapters INTEGER,
    images         TEXT,
    uri            TEXT
);

CREATE TABLE saved_audiobooks (
    audiobook_id     TEXT PRIMARY KEY REFERENCES audiobooks(id),
    added_at         TEXT,
    removed_at       TEXT,
    last_seen_run_id INTEGER
);

-- The top artists and tracks, one snapshot per day and time range, in rank order (1 = top).
CREATE TABLE top_items (
    snapshot_date TEXT NOT NULL,
    time_range    TEXT NOT NULL CHECK (time_range IN ('short_term', 'medium_term', 'long_term')),
    kind          TEXT NOT NULL CHECK (kind IN ('artist', 'track')),
    rank          INTEGER NOT NULL,
    id            TEXT NOT NULL,
    PRIMARY KEY (snapshot_date, time_range, kind, rank)
);

-- sync_state again, with the `skipped` status (a phase whose scope the token lacks) and the
-- `after_cursor` of cursor-paged walks.
CREATE TABLE sync_state_new (
    state_key           TEXT PRIMARY KEY,
    sync_history_id     INTEGER REFERENCES sync_history(id),
    entity_type         TEXT NOT NULL,
    current_offset      INTEGER NOT NULL DEFAULT 0,
    total_items         INTEGER,
    items_processed     INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL
                        CHECK (status IN ('pending', 'in_progress', 'paused', 'rate_limited',
                                          'success', 'failed', 'cancelled', 'skipped')),
    last_error          TEXT,
    rate_limit_reset_at TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    completed_at        TEXT,
    rate_limit_reason   TEXT,
    cursor              TEXT,
    run_order           INTEGER,
    after_cursor        TEXT
);
INSERT INTO sync_state_new (state_key, sync_history_id, entity_type, current_offset, total_items,
                            items_processed, status, last_error, rate_limit_reset_at, created_at,
                            updated_at, completed_at, rate_limit_reason, cursor, run_order)
SELECT state_key, sync_history_id, entity_type, current_offset, total_items, items_processed,
       status, last_error, rate_limit_reset_at, created_at, updated_at, completed_at,
       rate_limit_reason, cursor, run_order
FROM sync_state;
DROP TABLE sync_state;
ALTER TABLE sync_state_new RENAME TO sync_state;
"#;

/// The daily quota learned from Spotify: one row per `QUOTA_EXCEEDED` answer (see
/// `sync::quota`).
const M6_QUOTA: &str = r#"
CREATE TABLE quota_observations (
    id          INTEGER PRIMARY KEY,
    observed_at TEXT NOT NULL,
    calls       INTEGER NOT NULL CHECK (calls >= 0),
    resets_at   TEXT NOT NULL
);
CREATE INDEX quota_observations_at ON quota_observations (observed_at);
"#;

/// The hold every request waits for gets a table of its own: it was the `sync_state` row
/// `request_gate`, among the phases' checkpoints. The latest hold the checkpoint rows kept
/// (the gate's, or a phase's) is carried over; phases keep their own hold columns.
const M7_REQUEST_HOLD: &str = r#"
-- No request before `blocked_until` (Spotify's 429 answers), shared by every phase: one row at
-- most, none while nothing holds requests back.
CREATE TABLE request_hold (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    blocked_until   TEXT NOT NULL,
    reason          TEXT NOT NULL,
    sync_history_id INTEGER REFERENCES sync_history(id),
    held_at         TEXT NOT NULL
);
INSERT INTO request_hold (id, blocked_until, reason, sync_history_id, held_at)
SELECT 1, rate_limit_reset_at, COALESCE(rate_limit_reason, 'window'), sync_history_id, updated_at
FROM sync_state WHERE rate_limit_reset_at IS NOT NULL
ORDER BY rate_limit_reset_at DESC, state_key = 'request_gate' DESC LIMIT 1;
DELETE FROM sync_state WHERE state_key = 'request_gate';
"#;

pub(crate) const MIGRATIONS: &[M<'static>] = &[
    M::up(M1_LIBRARY),
    M::up(M2_CHANGES),
    M::up(M3_PLAYLIST_VERSIONS),
    M::up(M4_PLAYS_IMPORT),
    M::up(M5_WHOLE_LIBRARY),
    M::up(M6_QUOTA),
    M::up(M7_REQUEST_HOLD),
    M::up(M8_MUSICBRAINZ),
    M::up(M9_RESTORE),
    M::up(M10_ALBUM_TRACKS),
    M::up(M11_PLAYS_ARTIST_NAME),
];

/// How many migrations this build knows (the schema version it writes).
pub fn migration_count() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
