//! Playlists of every kind a library holds: owned, collaborative, followed, Spotify-owned; with
//! duplicates, local files, unavailable entries and episodes.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::words::{ADJ, GENRES, NOUN, UNICODE_NAMES};
use super::{ANCHOR_SECS, gen_name, pick, snapshot};
use crate::model::*;

/// The kinds of playlists a library holds, in the order the first ones are generated.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PlKind {
    Owned,
    CollabOther,
    FollowedOther,
    SpotifyOwned,
    OwnedCollab,
}

pub(super) fn gen_playlist(lib: &Library, rng: &mut ChaCha8Rng, i: usize) -> Playlist {
    let kind = match i {
        0 => PlKind::Owned,
        1 => PlKind::CollabOther,
        2 => PlKind::FollowedOther,
        3 => PlKind::SpotifyOwned,
        4 => PlKind::OwnedCollab,
        _ => match rng.random_range(0..20) {
            0..=11 => PlKind::Owned,
            12..=13 => PlKind::CollabOther,
            14..=16 => PlKind::FollowedOther,
            17 => PlKind::SpotifyOwned,
            _ => PlKind::OwnedCollab,
        },
    };
    let n_users = lib.users.len() as u32;
    let other = rng.random_range(2..n_users);
    let owner = match kind {
        PlKind::Owned | PlKind::OwnedCollab => 0,
        PlKind::CollabOther | PlKind::FollowedOther => other,
        PlKind::SpotifyOwned => 1,
    };
    let id = if kind == PlKind::SpotifyOwned {
        random_id_with_prefix(rng, "37i9dQZF1")
    } else {
        random_id(rng)
    };
    let name = match (kind, i) {
        (PlKind::SpotifyOwned, 3) => "Discover Weekly".to_string(),
        (PlKind::SpotifyOwned, _) => format!("{} Mix", pick(rng, GENRES)),
        (_, 0) => "Liked on the road 🚗".to_string(),
        (_, 5) => {
            // A very long name with emoji.
            let mut s = String::from("🎶 ");
            while s.len() < 200 {
                s.push_str(pick(rng, ADJ));
                s.push(' ');
            }
            s
        }
        _ => gen_name(rng),
    };
    let description = match rng.random_range(0..4) {
        0 | 1 => Some(String::new()),
        _ => Some(format!(
            "Songs for {} {} — <a href=\"spotify:genre:{}\">more</a> & friends",
            pick(rng, ADJ).to_lowercase(),
            pick(rng, NOUN).to_lowercase(),
            pick(rng, GENRES),
        )),
    };
    let n_items = match i {
        0 => 260.min(lib.tracks.len() + 20),
        6 => 0,
        _ => rng.random_range(1..=120),
    };
    // Some old playlists have neither added_at nor added_by.
    let old = kind == PlKind::FollowedOther && rng.random_bool(0.5) || i == 2;
    let with_episodes = i == 0 || rng.random_bool(0.3);
    let mut items: Vec<PlaylistItem> = Vec::with_capacity(n_items);
    let mut t = ANCHOR_SECS - rng.random_range(0..86_400 * 30);
    let n_tracks = lib.tracks.len();
    while items.len() < n_items {
        let r: f64 = rng.random();
        let item_kind = if r < 0.05 && !items.is_empty() {
            // The same track twice.
            match items[rng.random_range(0..items.len())].kind {
                ItemKind::Track(x) => ItemKind::Track(x),
                _ => ItemKind::Track(rng.random_range(0..n_tracks) as u32),
            }
        } else if r < 0.08 {
            ItemKind::Local {
                artist: pick(rng, UNICODE_NAMES).into(),
                album: format!("{} Demos", pick(rng, ADJ)).into_boxed_str(),
                title: format!("{} (home recording)", gen_name(rng)).into_boxed_str(),
                seconds: rng.random_range(60..600),
            }
        } else if r < 0.10 {
            ItemKind::Unavailable
        } else if r < 0.14 && with_episodes && !lib.episodes.is_empty() {
            ItemKind::Episode(rng.random_range(0..lib.episodes.len()) as u32)
        } else if rng.random_bool(0.6) && !lib.saved.is_empty() {
            ItemKind::Track(lib.saved[rng.random_range(0..lib.saved.len())].track)
        } else {
            ItemKind::Track(rng.random_range(0..n_tracks) as u32)
        };
        let added_by = match kind {
            PlKind::CollabOther | PlKind::OwnedCollab => {
                if rng.random_bool(0.5) {
                    0
                } else {
                    other
                }
            }
            _ => owner,
        };
        items.push(PlaylistItem {
            kind: item_kind,
            added_at: if old { None } else { Some(t) },
            added_by: if old { None } else { Some(added_by) },
        });
        t -= rng.random_range(60..=86_400 * 3);
    }
    // Spotify lists items oldest first (position 0 = first added).
    items.reverse();
    Playlist {
        id,
        name: name.into_boxed_str(),
        description: description.map(String::into_boxed_str),
        owner,
        public: kind != PlKind::OwnedCollab && rng.random_bool(0.7),
        collaborative: matches!(kind, PlKind::CollabOther | PlKind::OwnedCollab),
        snapshot_id: snapshot(rng),
        followers: rng.random_range(0..10_000),
        in_library: true,
        items,
    }
}
