//! The rest of a user's library besides liked songs and playlists: saved albums, followed
//! artists, saved shows / episodes / audiobooks and the top lists; with their ground truth.

use serde::{Deserialize, Serialize};

use super::{Id, Library, fmt_secs, id_str, parse_id};

/// One entry of an `added_at` list (`/me/albums`, `/me/shows`, `/me/episodes`,
/// `/me/audiobooks`): an index into the matching catalogue, `added_at` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedItem {
    pub item: u32,
    pub added_at: i64,
}

#[derive(Debug, Clone)]
pub struct Chapter {
    pub id: Id,
    pub name: Box<str>,
    pub duration_ms: u32,
}

#[derive(Debug, Clone)]
pub struct Audiobook {
    pub id: Id,
    pub name: Box<str>,
    pub authors: Box<[Box<str>]>,
    pub narrators: Box<[Box<str>]>,
    pub publisher: Box<str>,
    pub description: Box<str>,
    pub edition: Box<str>,
    pub chapters: Vec<Chapter>,
}

/// `time_range` of the top lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRange {
    Short,
    Medium,
    Long,
}

impl TimeRange {
    pub const ALL: [TimeRange; 3] = [TimeRange::Short, TimeRange::Medium, TimeRange::Long];

    pub fn parse(s: &str) -> Option<TimeRange> {
        match s {
            "short_term" => Some(TimeRange::Short),
            "medium_term" => Some(TimeRange::Medium),
            "long_term" => Some(TimeRange::Long),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimeRange::Short => "short_term",
            TimeRange::Medium => "medium_term",
            TimeRange::Long => "long_term",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Newest first; a newly saved item is newer than everything in the list.
pub fn insert_newest(list: &mut Vec<SavedItem>, item: u32, now: i64) {
    list.retain(|s| s.item != item);
    let newest = list.first().map(|s| s.added_at).unwrap_or(0);
    list.insert(
        0,
        SavedItem {
            item,
            added_at: now.max(newest + 1),
        },
    );
}

impl Library {
    pub fn show_by_id(&self, id: &str) -> Option<u32> {
        let id = parse_id(id)?;
        self.shows.iter().position(|s| s.id == id).map(|i| i as u32)
    }

    pub fn episode_by_id(&self, id: &str) -> Option<u32> {
        let id = parse_id(id)?;
        self.episodes
            .iter()
            .position(|e| e.id == id)
            .map(|i| i as u32)
    }

    pub fn audiobook_by_id(&self, id: &str) -> Option<u32> {
        let id = parse_id(id)?;
        self.audiobooks
            .iter()
            .position(|a| a.id == id)
            .map(|i| i as u32)
    }

    /// Keep the followed artists in the order `/me/following` serves them: by id.
    pub fn sort_followed(&mut self) {
        let artists = &self.artists;
        self.followed_artists
            .sort_by(|a, b| artists[*a as usize].id.cmp(&artists[*b as usize].id));
        self.followed_artists.dedup();
    }

    /// The new lists of the ground truth.
    pub(super) fn truth_collections(&self) -> TruthCollections {
        let saved = |list: &[SavedItem], id: &dyn Fn(u32) -> Id| -> Vec<TruthSavedItem> {
            list.iter()
                .map(|s| TruthSavedItem {
                    added_at: fmt_secs(s.added_at),
                    id: id_str(&id(s.item)).to_string(),
                })
                .collect()
        };
        let ids = |xs: &[u32], id: &dyn Fn(u32) -> Id| -> Vec<String> {
            xs.iter().map(|&x| id_str(&id(x)).to_string()).collect()
        };
        let artist = |a: u32| self.artists[a as usize].id;
        let track = |t: u32| self.tracks[t as usize].id;
        let ranges = |lists: &[Vec<u32>; 3], id: &dyn Fn(u32) -> Id| TruthRanges {
            short_term: ids(&lists[0], id),
            medium_term: ids(&lists[1], id),
            long_term: ids(&lists[2], id),
        };
        TruthCollections {
            saved_albums: saved(&self.saved_albums, &|a| self.albums[a as usize].id),
            followed_artists: ids(&self.followed_artists, &artist),
            shows: self
                .shows
                .iter()
                .map(|s| TruthShow {
                    id: id_str(&s.id).to_string(),
                    name: s.name.to_string(),
                    publisher: s.publisher.to_string(),
                    total_episodes: s.total_episodes,
                })
                .collect(),
            saved_shows: saved(&self.saved_shows, &|s| self.shows[s as usize].id),
            saved_episodes: saved(&self.saved_episodes, &|e| self.episodes[e as usize].id),
            audiobooks: self
                .audiobooks
                .iter()
                .map(|a| TruthAudiobook {
                    id: id_str(&a.id).to_string(),
                    name: a.name.to_string(),
                    authors: a.authors.iter().map(|x| x.to_string()).collect(),
                    narrators: a.narrators.iter().map(|x| x.to_string()).collect(),
                    publisher: a.publisher.to_string(),
                    total_chapters: a.chapters.len() as u32,
                    chapter_ids: a
                        .chapters
                        .iter()
                        .map(|c| id_str(&c.id).to_string())
                        .collect(),
                })
                .collect(),
            saved_audiobooks: saved(&self.saved_audiobooks, &|a| self.audiobooks[a as usize].id),
            top_artists: ranges(&self.top_artists, &artist),
            top_tracks: ranges(&self.top_tracks, &track),
        }
    }
}

/// The library lists besides liked songs and playlists (copied into [`super::LibraryTruth`]).
pub(crate) struct TruthCollections {
    pub saved_albums: Vec<TruthSavedItem>,
    pub followed_artists: Vec<String>,
    pub shows: Vec<TruthShow>,
    pub saved_shows: Vec<TruthSavedItem>,
    pub saved_episodes: Vec<TruthSavedItem>,
    pub audiobooks: Vec<TruthAudiobook>,
    pub saved_audiobooks: Vec<TruthSavedItem>,
    pub top_artists: TruthRanges,
    pub top_tracks: TruthRanges,
}

/// A saved album, show, episode or audiobook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSavedItem {
    /// RFC 3339, `2026-11-20T12:00:00Z`.
    pub added_at: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthShow {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub total_episodes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthAudiobook {
    pub id: String,
    pub name: String,
    pub authors: Vec<String>,
    pub narrators: Vec<String>,
    pub publisher: String,
    pub total_chapters: u32,
    pub chapter_ids: Vec<String>,
}

/// Ids per `time_range`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TruthRanges {
    pub short_term: Vec<String>,
    pub medium_term: Vec<String>,
    pub long_term: Vec<String>,
}

impl TruthRanges {
    pub fn get(&self, r: TimeRange) -> &[String] {
        match r {
            TimeRange::Short => &self.short_term,
            TimeRange::Medium => &self.medium_term,
            TimeRange::Long => &self.long_term,
        }
    }
}
