//! The OAuth scopes a login asks for: the read scopes always, the write scopes of a restore
//! only with `spotsync auth --write`.

/// What the sync reads: saved tracks, playlists (private and collaborative), listening history.
pub const SCOPES: [&str; 7] = [
    "user-library-read",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-read-recently-played",
    "user-follow-read",
    "user-top-read",
    "user-read-playback-position",
];

/// What a restore writes with, asked only by `spotsync auth --write`: playlists (private and
/// public), the library (saves), follows, and playlist covers.
pub const WRITE_SCOPES: [&str; 5] = [
    "playlist-modify-private",
    "playlist-modify-public",
    "user-library-modify",
    "user-follow-modify",
    "ugc-image-upload",
];

/// The scopes a login asks for: the read scopes, and with `write` the write scopes too.
pub fn scopes(write: bool) -> Vec<&'static str> {
    let mut s = SCOPES.to_vec();
    if write {
        s.extend(WRITE_SCOPES);
    }
    s
}
