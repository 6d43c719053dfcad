//! Bringing an object of another simulated user's library into this one (each library holds
//! its own catalogue, while Spotify's catalogue is one): a track comes with its whole album and
//! their artists, an episode with its show, a playlist with its owner and items. An object this
//! library already holds (the same id) is not copied again.

use super::{Audiobook, ItemKind, Library, Playlist, PlaylistItem, User};

impl Library {
    pub fn import_artist(&mut self, src: &Library, a: u32) -> u32 {
        let artist = &src.artists[a as usize];
        if let Some(&i) = self.artist_index.get(&artist.id) {
            return i;
        }
        let i = self.artists.len() as u32;
        self.artists.push(artist.clone());
        self.artist_index.insert(artist.id, i);
        i
    }

    /// The album `a` of `src` with all its tracks; returns its index here.
    pub fn import_album(&mut self, src: &Library, a: u32) -> u32 {
        let album = &src.albums[a as usize];
        if let Some(&i) = self.album_index.get(&album.id) {
            return i;
        }
        let index = self.albums.len() as u32;
        let artists: Box<[u32]> = album
            .artists
            .iter()
            .map(|&x| self.import_artist(src, x))
            .collect();
        let mut tracks = Vec::with_capacity(album.tracks.len());
        for &t in &album.tracks {
            let mut track = src.tracks[t as usize].clone();
            track.album = index;
            track.artists = track
                .artists
                .iter()
                .map(|&x| self.import_artist(src, x))
                .collect();
            let ti = self.tracks.len() as u32;
            self.track_index.insert(track.id, ti);
            self.tracks.push(track);
            tracks.push(ti);
        }
        let mut copy = album.clone();
        copy.artists = artists;
        copy.tracks = tracks;
        self.album_index.insert(copy.id, index);
        self.albums.push(copy);
        index
    }

    pub fn import_track(&mut self, src: &Library, t: u32) -> u32 {
        let track = &src.tracks[t as usize];
        if let Some(&i) = self.track_index.get(&track.id) {
            return i;
        }
        self.import_album(src, track.album);
        self.track_index.get(&track.id).copied().unwrap_or(0)
    }

    pub fn import_show(&mut self, src: &Library, s: u32) -> u32 {
        let show = &src.shows[s as usize];
        if let Some(i) = self.shows.iter().position(|x| x.id == show.id) {
            return i as u32;
        }
        self.shows.push(show.clone());
        (self.shows.len() - 1) as u32
    }

    pub fn import_episode(&mut self, src: &Library, e: u32) -> u32 {
        let episode = &src.episodes[e as usize];
        if let Some(i) = self.episodes.iter().position(|x| x.id == episode.id) {
            return i as u32;
        }
        let mut copy = episode.clone();
        copy.show = self.import_show(src, episode.show);
        self.episodes.push(copy);
        (self.episodes.len() - 1) as u32
    }

    pub fn import_audiobook(&mut self, src: &Library, b: u32) -> u32 {
        let book: &Audiobook = &src.audiobooks[b as usize];
        if let Some(i) = self.audiobooks.iter().position(|x| x.id == book.id) {
            return i as u32;
        }
        self.audiobooks.push(book.clone());
        (self.audiobooks.len() - 1) as u32
    }

    /// `src`'s user `u` among this library's users (by id).
    pub fn import_user(&mut self, src: &Library, u: u32) -> u32 {
        let user: &User = &src.users[u as usize];
        if let Some(i) = self.users.iter().position(|x| x.id == user.id) {
            return i as u32;
        }
        self.users.push(user.clone());
        (self.users.len() - 1) as u32
    }

    /// A copy of `src`'s playlist at `pos`, appended here outside the user's list (following it
    /// puts it there); returns its position. Later changes by its owner are not copied.
    pub fn import_playlist(&mut self, src: &Library, pos: usize) -> usize {
        let p: &Playlist = &src.playlists[pos];
        if let Some(i) = self.playlist_pos(super::id_str(&p.id)) {
            return i;
        }
        let items: Vec<PlaylistItem> = p
            .items
            .iter()
            .map(|it| PlaylistItem {
                kind: match &it.kind {
                    ItemKind::Track(t) => ItemKind::Track(self.import_track(src, *t)),
                    ItemKind::Episode(e) => ItemKind::Episode(self.import_episode(src, *e)),
                    other => other.clone(),
                },
                added_at: it.added_at,
                added_by: it.added_by.map(|u| self.import_user(src, u)),
            })
            .collect();
        let copy = Playlist {
            owner: self.import_user(src, p.owner),
            in_library: false,
            items,
            ..p.clone()
        };
        if let Some(cover) = src.covers.get(&p.id) {
            self.covers.insert(p.id, cover.clone());
        }
        self.playlists.push(copy);
        self.playlists.len() - 1
    }
}
