//! The account as the restore tests compare it (the restore tests and the household's): a
//! person's own playlists as a restore carries them over, the covers uploaded re-encoded, the
//! liked songs. Read from the simulator's truth and a database only.

#![allow(dead_code)]

use spotsync::simulator::LibraryTruth;

/// The playlists as a restore compares them: (name, description, public, collaborative,
/// item URIs, custom cover), by id, for the user's own followed playlists.
pub fn own_playlists(t: &LibraryTruth) -> Vec<(String, String)> {
    own_playlists_as(t, &std::collections::HashMap::new())
}

/// The covers uploaded re-encoded (too large to upload as they were), each with the archived
/// cover it stands for, as the database records them.
pub fn cover_aliases(db: &std::path::Path) -> std::collections::HashMap<String, String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT uploaded_sha256, source_sha256 FROM cover_uploads")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|(a, b): &(String, String)| a != b)
        .collect()
}

/// [`own_playlists`], a re-encoded cover read as the one it stands for.
pub fn own_playlists_as(
    t: &LibraryTruth,
    aliases: &std::collections::HashMap<String, String>,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .playlists
        .iter()
        .filter(|p| p.owned && p.followed)
        .map(|p| {
            // Local files cannot be added through the API: a rollback cannot keep them.
            let items: Vec<String> = p
                .items
                .iter()
                .filter_map(|i| i.uri.clone())
                .filter(|u| !u.starts_with("spotify:local:"))
                .collect();
            (
                p.name.clone(),
                format!(
                    "{:?}|{}|{}|{:?}|{:?}",
                    p.description,
                    p.public,
                    p.collaborative,
                    items,
                    p.custom_cover.as_ref().map(|c| aliases.get(c).unwrap_or(c))
                ),
            )
        })
        .collect();
    v.sort();
    v
}

pub fn liked_set(t: &LibraryTruth) -> Vec<String> {
    let mut v: Vec<String> = t.saved_tracks.iter().map(|s| s.track_id.clone()).collect();
    v.sort();
    v
}
