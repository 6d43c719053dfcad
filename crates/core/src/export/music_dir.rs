//! `export --format m3u8 --music-dir DIR`: playlists onto your own audio files. DIR is indexed
//! once per run (every audio file's tags, read with lofty, on every core), then each entry is
//! matched to a file:
//!
//! 1. by ISRC: a file tagged with the track's ISRC;
//! 2. else by artist, title and length: the same artist (the file's artist or album artist,
//!    without a "feat." part, equal to the track's first artist or to all its artists) and the
//!    same title (without a "(feat. …)" part), compared case-, accent- and punctuation-blind,
//!    and a length within 3 seconds of the track's.
//!
//! Of several candidates the one nearest in length wins (then the first path). Unreadable files
//! are counted and skipped; nothing in DIR is written.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use lofty::config::ParseOptions;
use lofty::file::{AudioFile as _, TaggedFileExt as _};
use lofty::tag::{Accessor as _, ItemKey};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::ExportError;
use super::model::Entry;
use super::query::normalise_isrc;

/// How far apart a file's and a track's lengths may be for a match by names.
pub const LENGTH_TOLERANCE_MS: u64 = 3000;

/// Extensions of the audio files indexed (lower case).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "flac", "ogg", "oga", "opus", "m4a", "mp4", "aac", "alac", "wav", "aif", "aiff", "wv",
    "ape", "mpc", "spx",
];

/// One audio file's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFile {
    pub path: PathBuf,
    pub isrc: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub title: Option<String>,
    pub duration_ms: Option<u64>,
}

/// Every audio file under a folder, by ISRC and by names.
#[derive(Debug, Default)]
pub struct MusicIndex {
    files: Vec<AudioFile>,
    by_isrc: HashMap<String, Vec<usize>>,
    by_name: HashMap<(String, String), Vec<usize>>,
    /// Audio files whose tags could not be read.
    pub unreadable: usize,
}

/// Lower case, accents and other marks removed, `&` as "and", punctuation as spaces, spaces
/// collapsed.
pub fn normalise(s: &str) -> String {
    let folded: String = s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let spaced = folded.replace('&', " and ");
    let mut out = String::with_capacity(spaced.len());
    for word in spaced
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

const FEAT_WORDS: &[&str] = &["feat.", "feat", "ft.", "featuring"];

/// `s` without a featured-artist part: a bracketed `(feat. …)` / `[ft. …]`, or everything from a
/// bare ` feat. ` on.
pub fn strip_feat(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = lower.clone();
    for open in ['(', '['] {
        for w in FEAT_WORDS {
            let pat = format!("{open}{w} ");
            if let Some(i) = out.find(&pat) {
                let close = if open == '(' { ')' } else { ']' };
                let end = out[i..].find(close).map_or(out.len(), |j| i + j + 1);
                out.replace_range(i..end, "");
            }
        }
    }
    for w in FEAT_WORDS {
        let pat = format!(" {w} ");
        if let Some(i) = out.find(&pat) {
            out.truncate(i);
        }
    }
    out
}

/// The keys a file's artist tag is known by.
fn file_artist_keys(artist: &str) -> Vec<String> {
    let main = strip_feat(artist);
    let first = main
        .split([',', ';', '/', '&'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut keys = vec![normalise(&main), normalise(&first)];
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    keys
}

fn read_file(path: &Path) -> Option<AudioFile> {
    let options = ParseOptions::new().read_cover_art(false);
    let tagged = lofty::probe::Probe::open(path)
        .ok()?
        .options(options)
        .read()
        .ok()?;
    let tag = tagged.primary_tag().or_else(|| tagged.first_tag());
    let text = |k: ItemKey| tag.and_then(|t| t.get_string(k)).map(str::to_string);
    let ms = tagged.properties().duration().as_millis();
    Some(AudioFile {
        path: path.to_owned(),
        isrc: text(ItemKey::Isrc)
            .map(|i| normalise_isrc(&i))
            .filter(|i| !i.is_empty()),
        artist: tag.and_then(|t| t.artist()).map(|a| a.into_owned()),
        album_artist: text(ItemKey::AlbumArtist),
        title: tag.and_then(|t| t.title()).map(|t| t.into_owned()),
        duration_ms: u64::try_from(ms).ok().filter(|ms| *ms > 0),
    })
}

fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

impl MusicIndex {
    /// Index every audio file under `root` (symbolic links followed, loops skipped).
    pub fn build(root: &Path) -> Result<MusicIndex, ExportError> {
        let io = |source: std::io::Error| ExportError::Io {
            path: root.to_owned(),
            source,
        };
        let root = root.canonicalize().map_err(io)?;
        if !root.is_dir() {
            return Err(io(std::io::Error::other("not a directory")));
        }
        let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&root)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && is_audio(e.path()))
            .map(walkdir::DirEntry::into_path)
            .collect();
        paths.sort();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
        let chunk = paths.len().div_ceil(workers).max(1);
        let read: Vec<Option<AudioFile>> = std::thread::scope(|s| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|p| read_file(p)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut index = MusicIndex {
            unreadable: paths.len().saturating_sub(read.iter().flatten().count()),
            ..MusicIndex::default()
        };
        for f in read.into_iter().flatten() {
            index.add(f);
        }
        Ok(index)
    }

    fn add(&mut self, f: AudioFile) {
        let i = self.files.len();
        if let Some(isrc) = &f.isrc {
            self.by_isrc.entry(isrc.clone()).or_default().push(i);
        }
        if let Some(title) = f.title.as_deref().map(|t| normalise(&strip_feat(t))) {
            let mut artists: Vec<String> = Vec::new();
            for a in [f.artist.as_deref(), f.album_artist.as_deref()]
                .into_iter()
                .flatten()
            {
                artists.extend(file_artist_keys(a));
            }
            artists.sort();
            artists.dedup();
            for a in artists {
                self.by_name.entry((a, title.clone())).or_default().push(i);
            }
        }
        self.files.push(f);
    }

    /// Audio files indexed (with readable tags).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file for `e`, if one matches (see the module's rules).
    pub fn find(&self, e: &Entry) -> Option<&AudioFile> {
        let want_ms = e.duration_ms().and_then(|d| u64::try_from(d).ok());
        let distance = |f: &AudioFile| match (f.duration_ms, want_ms) {
            (Some(a), Some(b)) => a.abs_diff(b),
            _ => u64::MAX,
        };
        let best = |ids: &mut dyn Iterator<Item = usize>, within: bool| {
            ids.map(|i| &self.files[i])
                .filter(|f| !within || distance(f) <= LENGTH_TOLERANCE_MS)
                .min_by(|a, b| distance(a).cmp(&distance(b)).then(a.path.cmp(&b.path)))
        };
        if let Some(isrc) = e.isrc().map(normalise_isrc)
            && let Some(ids) = self.by_isrc.get(&isrc)
        {
            return best(&mut ids.iter().copied(), false);
        }
        want_ms?;
        let title = normalise(&strip_feat(&e.title()?));
        let names = e.artist_names();
        let first = names.first()?;
        let mut keys = vec![normalise(&strip_feat(first)), normalise(&names.join(" "))];
        keys.dedup();
        let mut ids: Vec<usize> = keys
            .iter()
            .filter_map(|a| self.by_name.get(&(a.clone(), title.clone())))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        best(&mut ids.into_iter(), true)
    }
}

/// `to` relative to the folder `from` (both absolute), with `/` separators, for a playlist
/// line; `None` when they share no root.
pub fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_accents_punctuation_and_feat() {
        assert_eq!(normalise("Björk"), "bjork");
        assert_eq!(normalise("  Simon & Garfunkel!! "), "simon and garfunkel");
        assert_eq!(normalise("Beyoncé"), normalise("BEYONCE"));
        assert_eq!(strip_feat("Song (feat. Someone)"), "song ");
        assert_eq!(strip_feat("Song [ft. A, B] (Live)"), "song  (live)");
        assert_eq!(strip_feat("Artist feat. Other"), "artist");
        assert_eq!(strip_feat("Featherweight"), "featherweight");
        assert_eq!(file_artist_keys("A & B feat. C"), vec!["a and b", "a"]);
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        let p = relative_path(
            Path::new("/m/out/playlists"),
            Path::new("/m/music/A/b.flac"),
        );
        assert_eq!(p.as_deref(), Some("../../music/A/b.flac"));
        let p = relative_path(Path::new("/m/out"), Path::new("/m/out/x.mp3"));
        assert_eq!(p.as_deref(), Some("x.mp3"));
    }
}
