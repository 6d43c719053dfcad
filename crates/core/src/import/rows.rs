//! The rows of the export files as serde reads them, and their conversion into [`Record`]s.
//!
//! Every field may be null or absent. `ip_addr`, `user_agent` (and the older `*_decrypted`
//! variants, `username`) are not even read: spotsync has no use for personal data of that kind,
//! so it never reaches memory, let alone the database. A row is refused (counted and named, not
//! stored) when its time cannot be a play's ([`plausible`]) or a value it keeps is longer than
//! [`MAX_VALUE`].

use std::borrow::Cow;

use serde::Deserialize;

use super::lenient::{lenient_bool, lenient_i64};
use super::stream::RowType;
use crate::store::plays::merge::{MINUTE_MS, norm};
use crate::store::plays::record::{Implausible, ItemType, Record, plausible, record_key};
use crate::store::plays::time::{fmt_ms, offline_ms, parse_end_time, parse_export_ts};

/// The longest value kept (a title, a name, a URI), in bytes; real ones are under 1 KiB.
pub const MAX_VALUE: usize = 16 * 1024;

/// One row of `Streaming_History_Audio_*.json`, `Streaming_History_Video_*.json`,
/// `endsong_*.json` or `endvideo.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtendedRow<'a> {
    #[serde(borrow)]
    pub ts: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_i64")]
    pub ms_played: Option<i64>,
    #[serde(borrow)]
    pub platform: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub conn_country: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_track_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_album_artist_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub master_metadata_album_album_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub spotify_track_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_show_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub spotify_episode_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_chapter_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_chapter_title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub reason_start: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub reason_end: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_bool")]
    pub shuffle: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub skipped: Option<bool>,
    #[serde(deserialize_with = "lenient_bool")]
    pub offline: Option<bool>,
    #[serde(deserialize_with = "lenient_i64")]
    pub offline_timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_bool")]
    pub incognito_mode: Option<bool>,
}

/// One row of `StreamingHistory_music_*.json`, `StreamingHistory_podcast_*.json` or
/// `StreamingHistory_audiobook_*.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountRow<'a> {
    #[serde(borrow)]
    pub end_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub artist_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub track_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub podcast_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub episode_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiobook_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub chapter_name: Option<Cow<'a, str>>,
    #[serde(deserialize_with = "lenient_i64")]
    pub ms_played: Option<i64>,
}

/// [`ExtendedRow`] for the streaming reader.
pub struct Extended;
impl RowType for Extended {
    type Row<'de> = ExtendedRow<'de>;
}

/// [`AccountRow`] for the streaming reader.
pub struct Account;
impl RowType for Account {
    type Row<'de> = AccountRow<'de>;
}

/// Why a row was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// No `ts` / `endTime`, or one that is not a time (counted, not named).
    NoTime,
    /// A time no play can have (its text, and why).
    Implausible(String, Implausible),
    /// A value longer than [`MAX_VALUE`] (the field).
    TooLong(&'static str),
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::NoTime => f.write_str("no time"),
            Rejected::Implausible(t, Implausible::BeforeSpotify) => {
                write!(f, "stamped {t}, before Spotify existed")
            }
            Rejected::Implausible(t, Implausible::InTheFuture) => {
                write!(f, "stamped {t}, more than a day in the future")
            }
            Rejected::TooLong(field) => {
                write!(f, "`{field}` longer than {} KiB", MAX_VALUE / 1024)
            }
        }
    }
}

/// A kept text field: trimmed, empty as none, at most [`MAX_VALUE`] bytes.
fn text(s: Option<Cow<'_, str>>, field: &'static str) -> Result<Option<String>, Rejected> {
    let Some(s) = s else { return Ok(None) };
    if s.len() > MAX_VALUE {
        return Err(Rejected::TooLong(field));
    }
    let t = s.trim();
    Ok(match t.len() {
        0 => None,
        n if n == s.len() => Some(s.into_owned()),
        _ => Some(t.to_owned()),
    })
}

/// The Spotify id of `spotify:track:ID` / `spotify:episode:ID` when it looks like one.
pub fn uri_id(uri: &str, kind: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("spotify:")?
        .strip_prefix(kind)?
        .strip_prefix(':')?;
    (rest.len() == 22 && rest.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| rest.to_owned())
}

/// The time of a row: readable and plausible at `now` (Unix ms).
fn time_of(raw: Option<&str>, parse: fn(&str) -> Option<i64>, now: i64) -> Result<i64, Rejected> {
    let raw = raw.ok_or(Rejected::NoTime)?;
    let ended = parse(raw).ok_or(Rejected::NoTime)?;
    plausible(ended, now).map_err(|why| Rejected::Implausible(raw.trim().to_owned(), why))?;
    Ok(ended)
}

/// What an extended row says was played: type, URI, id, title, artist (or show), album.
struct Item {
    item_type: Option<ItemType>,
    uri: Option<String>,
    id: Option<String>,
    track: Option<String>,
    artist: Option<String>,
    album: Option<String>,
}

impl ExtendedRow<'_> {
    /// The item played: a track, else an episode, else an audiobook chapter, else nothing named.
    fn item(&mut self) -> Result<Item, Rejected> {
        let track_uri = text(self.spotify_track_uri.take(), "spotify_track_uri")?;
        if track_uri.is_some() || self.master_metadata_track_name.is_some() {
            return Ok(Item {
                item_type: Some(ItemType::Track),
                id: track_uri.as_deref().and_then(|u| uri_id(u, "track")),
                uri: track_uri,
                track: text(
                    self.master_metadata_track_name.take(),
                    "master_metadata_track_name",
                )?,
                artist: text(
                    self.master_metadata_album_artist_name.take(),
                    "master_metadata_album_artist_name",
                )?,
                album: text(
                    self.master_metadata_album_album_name.take(),
                    "master_metadata_album_album_name",
                )?,
            });
        }
        let episode_uri = text(self.spotify_episode_uri.take(), "spotify_episode_uri")?;
        if episode_uri.is_some() || self.episode_name.is_some() {
            return Ok(Item {
                item_type: Some(ItemType::Episode),
                id: episode_uri.as_deref().and_then(|u| uri_id(u, "episode")),
                uri: episode_uri,
                track: text(self.episode_name.take(), "episode_name")?,
                artist: text(self.episode_show_name.take(), "episode_show_name")?,
                album: None,
            });
        }
        let chapter_uri = text(self.audiobook_chapter_uri.take(), "audiobook_chapter_uri")?;
        if chapter_uri.is_some() || self.audiobook_chapter_title.is_some() {
            let book_uri = text(self.audiobook_uri.take(), "audiobook_uri")?;
            return Ok(Item {
                item_type: Some(ItemType::Chapter),
                uri: chapter_uri.or(book_uri),
                id: None,
                track: text(
                    self.audiobook_chapter_title.take(),
                    "audiobook_chapter_title",
                )?,
                artist: text(self.audiobook_title.take(), "audiobook_title")?,
                album: None,
            });
        }
        Ok(Item {
            item_type: None,
            uri: None,
            id: None,
            track: None,
            artist: None,
            album: None,
        })
    }

    /// The row as a [`Record`], or why not; `now` (Unix ms) bounds the plausible times.
    pub fn into_record(mut self, now: i64) -> Result<Record, Rejected> {
        let ended = time_of(self.ts.as_deref(), parse_export_ts, now)?;
        let item = self.item()?;
        let ms_played = self.ms_played.filter(|m| *m >= 0);
        let offline_at = self.offline_timestamp.and_then(offline_ms);
        let ms_text = ms_played.map(|m| m.to_string()).unwrap_or_default();
        let ts_text = ended.to_string();
        let key = match &item.uri {
            Some(u) => record_key(ended, &["x", &ts_text, u, &ms_text]),
            None => record_key(
                ended,
                &[
                    "x",
                    &ts_text,
                    "",
                    &norm(item.track.as_deref().unwrap_or("")),
                    &norm(item.artist.as_deref().unwrap_or("")),
                    &ms_text,
                ],
            ),
        };
        Ok(Record {
            ended,
            item_type: item.item_type,
            uri: item.uri,
            id: item.id,
            track_name: item.track,
            artist_name: item.artist,
            album_name: item.album,
            ms_played,
            reason_start: text(self.reason_start, "reason_start")?,
            reason_end: text(self.reason_end, "reason_end")?,
            shuffle: self.shuffle,
            skipped: self.skipped,
            offline: self.offline,
            offline_at,
            incognito: self.incognito_mode,
            platform: text(self.platform, "platform")?,
            conn_country: text(self.conn_country, "conn_country")?,
            key,
            ended_text: fmt_ms(ended),
            offline_at_text: offline_at.map(fmt_ms),
        })
    }
}

impl AccountRow<'_> {
    /// The row as a [`Record`] (`ended` is the minute it names), or why not; `now` (Unix ms)
    /// bounds the plausible times.
    pub fn into_record(self, now: i64) -> Result<Record, Rejected> {
        let ended = time_of(self.end_time.as_deref(), parse_end_time, now)?;
        let ended = ended - ended.rem_euclid(MINUTE_MS);
        let (item_type, track_name, artist_name) =
            if self.podcast_name.is_some() || self.episode_name.is_some() {
                (
                    ItemType::Episode,
                    text(self.episode_name, "episodeName")?,
                    text(self.podcast_name, "podcastName")?,
                )
            } else if self.audiobook_name.is_some() || self.chapter_name.is_some() {
                (
                    ItemType::Chapter,
                    text(self.chapter_name, "chapterName")?,
                    text(self.audiobook_name, "audiobookName")?,
                )
            } else {
                (
                    ItemType::Track,
                    text(self.track_name, "trackName")?,
                    text(self.artist_name, "artistName")?,
                )
            };
        let ms_played = self.ms_played.filter(|m| *m >= 0);
        let key = record_key(
            ended,
            &[
                "a",
                &ended.to_string(),
                &norm(artist_name.as_deref().unwrap_or("")),
                &norm(track_name.as_deref().unwrap_or("")),
                &ms_played.map(|m| m.to_string()).unwrap_or_default(),
            ],
        );
        Ok(Record {
            ended,
            item_type: Some(item_type),
            uri: None,
            id: None,
            track_name,
            artist_name,
            album_name: None,
            ms_played,
            reason_start: None,
            reason_end: None,
            shuffle: None,
            skipped: None,
            offline: None,
            offline_at: None,
            incognito: None,
            platform: None,
            conn_country: None,
            key,
            ended_text: fmt_ms(ended),
            offline_at_text: None,
        })
    }
}

#[cfg(test)]
mod tests;
