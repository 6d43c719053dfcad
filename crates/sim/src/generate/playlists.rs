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

impl PlKind {
    /// The first five playlists are one of each kind; the others mostly owned ones.
    fn of(rng: &mut ChaCha8Rng, i: usize) -> PlKind {
        match i {
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
        }
    }

    fn collaborative(self) -> bool {
        matches!(self, PlKind::CollabOther | PlKind::OwnedCollab)
    }
}

/// The name of playlist `i`: Discover Weekly, a genre mix, one with an emoji, a very long one.
fn playlist_name(rng: &mut ChaCha8Rng, kind: PlKind, i: usize) -> String {
    match (kind, i) {
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
    }
}

/// Half the descriptions are empty; the others hold HTML and an ampersand, as Spotify's do.
fn playlist_description(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..4) {
        0 | 1 => String::new(),
        _ => format!(
            "Songs for {} {} — <a href=\"spotify:genre:{}\">more</a> & friends",
            pick(rng, ADJ).to_lowercase(),
            pick(rng, NOUN).to_lowercase(),
            pick(rng, GENRES),
        ),
    }
}

/// What an item is: mostly a track (saved or not, now and then one already in the list), a
/// local file, an unavailable track, an episode where the list holds episodes.
fn item_kind(
    lib: &Library,
    rng: &mut ChaCha8Rng,
    items: &[PlaylistItem],
    with_episodes: bool,
) -> ItemKind {
    let n_tracks = lib.tracks.len();
    let r: f64 = rng.random();
    if r < 0.05 && !items.is_empty() {
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
    }
}

/// Who may add items to a playlist, and whether its items carry who and when at all.
struct Adders {
    kind: PlKind,
    owner: u32,
    /// The other user of a collaborative playlist.
    other: u32,
    /// Some old playlists have neither `added_at` nor `added_by`.
    old: bool,
}

impl Adders {
    /// The owner; on a collaborative playlist the user or the other one, at random.
    fn pick(&self, rng: &mut ChaCha8Rng) -> u32 {
        if !self.kind.collaborative() {
            self.owner
        } else if rng.random_bool(0.5) {
            0
        } else {
            self.other
        }
    }
}

/// `n` items, oldest first (position 0 = first added), up to three days apart.
fn gen_items(
    lib: &Library,
    rng: &mut ChaCha8Rng,
    n: usize,
    by: &Adders,
    with_episodes: bool,
) -> Vec<PlaylistItem> {
    let mut items: Vec<PlaylistItem> = Vec::with_capacity(n);
    let mut t = ANCHOR_SECS - rng.random_range(0..86_400 * 30);
    while items.len() < n {
        let kind = item_kind(lib, rng, &items, with_episodes);
        let added_by = by.pick(rng);
        items.push(PlaylistItem {
            kind,
            added_at: if by.old { None } else { Some(t) },
            added_by: if by.old { None } else { Some(added_by) },
        });
        t -= rng.random_range(60..=86_400 * 3);
    }
    // Generated newest first; Spotify lists items oldest first.
    items.reverse();
    items
}

/// Playlist `i` of the user's list.
pub(super) fn gen_playlist(lib: &Library, rng: &mut ChaCha8Rng, i: usize) -> Playlist {
    let kind = PlKind::of(rng, i);
    let other = rng.random_range(2..lib.users.len() as u32);
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
    let name = playlist_name(rng, kind, i);
    let description = playlist_description(rng);
    let n_items = match i {
        0 => 260.min(lib.tracks.len() + 20),
        6 => 0,
        _ => rng.random_range(1..=120),
    };
    let old = kind == PlKind::FollowedOther && rng.random_bool(0.5) || i == 2;
    let with_episodes = i == 0 || rng.random_bool(0.3);
    let adders = Adders {
        kind,
        owner,
        other,
        old,
    };
    let items = gen_items(lib, rng, n_items, &adders, with_episodes);
    Playlist {
        id,
        name: name.into_boxed_str(),
        description: Some(description.into_boxed_str()),
        owner,
        public: kind != PlKind::OwnedCollab && rng.random_bool(0.7),
        collaborative: kind.collaborative(),
        snapshot_id: snapshot(rng),
        followers: rng.random_range(0..10_000),
        in_library: true,
        items,
    }
}
