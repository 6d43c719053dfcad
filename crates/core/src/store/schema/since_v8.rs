//! The migrations from schema version 8 on, in the order [`super::MIGRATIONS`] applies them.
//! Append-only like the first seven: a change to the schema is a new migration, never an edit.

/// MusicBrainz recording ids looked up by ISRC (`spotsync musicbrainz`, `export --resolve-mbid`):
/// one row per ISRC asked, a miss too, so a lookup is never repeated unless asked.
pub(super) const M8_MUSICBRAINZ: &str = r#"
-- `status`: `found` (the recordings MusicBrainz lists for the ISRC), `not_found` (a 404) or
-- `invalid` (MusicBrainz refused the ISRC as malformed). `recordings` is a JSON array of
-- {"id", "title", "length_ms", "artists": [{"id", "name"}]}, in MusicBrainz's order.
CREATE TABLE musicbrainz_isrcs (
    isrc         TEXT PRIMARY KEY,
    status       TEXT NOT NULL
                 CHECK (status = 'found' OR status = 'not_found' OR status = 'invalid'),
    recordings   TEXT NOT NULL DEFAULT '[]',
    looked_up_at TEXT NOT NULL
);
"#;

/// Restore (`spotsync restore`): the restores and the target each pinned, the journal of their
/// writes, the playlists they created, the archived playlist covers; playlist versions keep the
/// flags, and the change journal says who changed the account (`sync` or `restore`).
pub(super) const M9_RESTORE: &str = r#"
CREATE TABLE restores (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    selection   TEXT NOT NULL,
    target      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('planned', 'applying', 'done', 'superseded')),
    finished_at TEXT
);
CREATE TABLE restore_writes (
    id              INTEGER PRIMARY KEY,
    restore_id      INTEGER NOT NULL REFERENCES restores(id),
    sync_history_id INTEGER REFERENCES sync_history(id),
    written_at      TEXT NOT NULL,
    request         TEXT NOT NULL,
    target          TEXT NOT NULL,
    items           INTEGER NOT NULL,
    ids             TEXT NOT NULL,
    outcome         TEXT NOT NULL
);
CREATE INDEX restore_writes_restore ON restore_writes (restore_id);
CREATE TABLE restore_playlists (
    source_id  TEXT NOT NULL,
    copy_of    TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL,
    marker     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    restore_id INTEGER REFERENCES restores(id),
    PRIMARY KEY (source_id, copy_of)
);
CREATE TABLE playlist_covers (
    id          INTEGER PRIMARY KEY,
    playlist_id TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    url         TEXT,
    sha256      TEXT
);
CREATE INDEX playlist_covers_playlist ON playlist_covers (playlist_id, seen_at);
CREATE TABLE cover_images (
    sha256     TEXT PRIMARY KEY,
    bytes      BLOB NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE cover_uploads (
    uploaded_sha256 TEXT PRIMARY KEY,
    source_sha256   TEXT NOT NULL
);
ALTER TABLE playlist_versions ADD COLUMN public INTEGER;
ALTER TABLE playlist_versions ADD COLUMN collaborative INTEGER;
ALTER TABLE library_changes ADD COLUMN source TEXT NOT NULL DEFAULT 'sync';
"#;

/// Albums' track lists; how far each is stored; the tracks only an imported export knows,
/// asked for by the `history` enrichment; when a save of a list without `added_at` was first
/// seen.
pub(super) const M10_ALBUM_TRACKS: &str = r#"
-- Every album's track list, as `/me/albums` and `GET /albums/{id}` carry its first page and
-- `GET /albums/{id}/tracks` the rest; `position` is the track's place in that list.
CREATE TABLE album_tracks (
    album_id     TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    disc_number  INTEGER,
    track_number INTEGER,
    track_id     TEXT NOT NULL REFERENCES tracks(id),
    PRIMARY KEY (album_id, position)
);
CREATE INDEX album_tracks_track ON album_tracks(track_id);

-- The track list's length as Spotify said it, the offset of its next page to fetch (NULL when
-- the stored list is complete or cannot be completed) and why it cannot.
ALTER TABLE albums ADD COLUMN tracks_total INTEGER;
ALTER TABLE albums ADD COLUMN tracks_next INTEGER;
ALTER TABLE albums ADD COLUMN tracks_error TEXT;

-- A track asked for by the `history` enrichment (`GET /tracks/{id}`), or why it could not be.
ALTER TABLE tracks ADD COLUMN enriched_at TEXT;
ALTER TABLE tracks ADD COLUMN enrich_error TEXT;

-- When and where in its list a save was first seen (`/me/audiobooks` sends no `added_at`).
ALTER TABLE saved_albums ADD COLUMN first_seen_at TEXT;
ALTER TABLE saved_albums ADD COLUMN first_position INTEGER;
ALTER TABLE saved_shows ADD COLUMN first_seen_at TEXT;
ALTER TABLE saved_shows ADD COLUMN first_position INTEGER;
ALTER TABLE saved_episodes ADD COLUMN first_seen_at TEXT;
ALTER TABLE saved_episodes ADD COLUMN first_position INTEGER;
ALTER TABLE saved_audiobooks ADD COLUMN first_seen_at TEXT;
ALTER TABLE saved_audiobooks ADD COLUMN first_position INTEGER;
"#;

/// The names an export gave the artists of plays, for the Stats screen's artists first heard
/// in a year (which names were heard before it) without reading every play.
pub(super) const M11_PLAYS_ARTIST_NAME: &str = r#"
CREATE INDEX plays_artist_name ON plays(artist_name, played_at) WHERE artist_name IS NOT NULL;
"#;
