//! The podcast and audiobook tabs: saved shows, saved episodes and saved audiobooks (what was
//! un-saved keeps its `removed_at` and is hidden unless asked for), and their details: a show
//! with its saved episodes, an episode with its show, length and resume position, an audiobook
//! with its authors, narrators, publisher and chapters.

use rusqlite::{Row as SqlRow, params};

use super::super::Sql;
use super::super::row::FromRow;
use super::fields::{field, length, missing, names, saved};
use super::{DETAIL_ITEMS, Detail, Row, Tab};

/// Saved shows, newest first: the publisher as `artist`, the episodes as `count`.
const SHOWS: &str = "SELECT sh.id AS id, COALESCE(sh.name, sh.id) AS name,
        COALESCE(sh.publisher, '') AS artist, '' AS album, NULL AS released,
        s.added_at AS added, s.removed_at AS removed, 0 AS plays,
        COALESCE(sh.total_episodes, 0) AS count, '' AS playlists
 FROM saved_shows s JOIN shows sh ON sh.id = s.show_id
 ORDER BY s.added_at DESC, sh.id";

/// Saved episodes, newest first: the show as `artist`, the release date as `album`, the length
/// in milliseconds as `count`.
const EPISODES: &str = "SELECT e.id AS id, COALESCE(e.name, e.id) AS name,
        COALESCE(sh.name, e.show_name, '') AS artist, COALESCE(e.release_date, '') AS album,
        e.release_date AS released, s.added_at AS added, s.removed_at AS removed, 0 AS plays,
        COALESCE(e.duration_ms, 0) AS count, '' AS playlists
 FROM saved_episodes s JOIN episodes e ON e.id = s.episode_id
 LEFT JOIN shows sh ON sh.id = e.show_id
 ORDER BY s.added_at DESC, e.id";

/// Saved audiobooks, newest first: the authors as `artist`, the publisher as `album`, the
/// chapters as `count`.
fn audiobooks() -> String {
    format!(
        "SELECT a.id AS id, COALESCE(a.name, a.id) AS name, {} AS artist,
                COALESCE(a.publisher, '') AS album, NULL AS released, s.added_at AS added,
                s.removed_at AS removed, 0 AS plays, COALESCE(a.total_chapters, 0) AS count,
                '' AS playlists
         FROM saved_audiobooks s JOIN audiobooks a ON a.id = s.audiobook_id
         ORDER BY s.added_at DESC, a.id",
        names("a.authors")
    )
}

/// A show's own fields.
struct ShowHead {
    name: String,
    publisher: Option<String>,
    about: Option<String>,
    episodes: Option<i64>,
    added: Option<String>,
    removed: Option<String>,
}

impl FromRow for ShowHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(ShowHead {
            name: r.get("name")?,
            publisher: r.get("publisher")?,
            about: r.get("about")?,
            episodes: r.get("episodes")?,
            added: r.get("added")?,
            removed: r.get("removed")?,
        })
    }
}

/// An episode's own fields.
struct EpisodeHead {
    name: String,
    show: String,
    released: Option<String>,
    duration_ms: Option<i64>,
    resume_ms: Option<i64>,
    fully_played: Option<i64>,
    added: Option<String>,
    removed: Option<String>,
}

impl FromRow for EpisodeHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(EpisodeHead {
            name: r.get("name")?,
            show: r.get("show")?,
            released: r.get("released")?,
            duration_ms: r.get("duration_ms")?,
            resume_ms: r.get("resume_ms")?,
            fully_played: r.get("fully_played")?,
            added: r.get("added")?,
            removed: r.get("removed")?,
        })
    }
}

impl EpisodeHead {
    /// Where listening stopped.
    fn resume(&self) -> String {
        match (self.fully_played, self.resume_ms) {
            (Some(1), _) => "fully played".to_string(),
            (_, Some(ms)) if ms > 0 => match self.duration_ms {
                Some(d) => format!("at {} of {}", length(ms), length(d)),
                None => format!("at {}", length(ms)),
            },
            (Some(_), _) | (_, Some(_)) => "not started".to_string(),
            (None, None) => "not known".to_string(),
        }
    }
}

/// An audiobook's own fields.
struct BookHead {
    name: String,
    authors: String,
    narrators: String,
    publisher: Option<String>,
    edition: Option<String>,
    chapters: Option<i64>,
    added: Option<String>,
    removed: Option<String>,
}

impl FromRow for BookHead {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(BookHead {
            name: r.get("name")?,
            authors: r.get("authors")?,
            narrators: r.get("narrators")?,
            publisher: r.get("publisher")?,
            edition: r.get("edition")?,
            chapters: r.get("chapters")?,
            added: r.get("added")?,
            removed: r.get("removed")?,
        })
    }
}

impl Sql<'_> {
    /// The rows of the Shows, Episodes or Audiobooks tab (empty for the others).
    pub(super) fn audio_rows(&self, tab: Tab) -> rusqlite::Result<Vec<Row>> {
        match tab {
            Tab::Shows => self.all(SHOWS, []),
            Tab::Episodes => self.all(EPISODES, []),
            Tab::Audiobooks => self.all(&audiobooks(), []),
            _ => Ok(Vec::new()),
        }
    }

    /// A show: publisher, episodes, when saved, what it is about, and its saved episodes.
    pub(super) fn show_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let found: Option<ShowHead> = self.one(
            "SELECT COALESCE(sh.name, sh.id) AS name, sh.publisher AS publisher, sh.description AS about,
                    sh.total_episodes AS episodes, s.added_at AS added, s.removed_at AS removed
             FROM shows sh LEFT JOIN saved_shows s ON s.show_id = sh.id WHERE sh.id = ?1",
            [id],
        )?;
        let Some(h) = found else {
            return Ok(missing("Show", id));
        };
        let mut fields = vec![field("Publisher", h.publisher.unwrap_or_default())];
        if let Some(n) = h.episodes {
            fields.push(field("Episodes", n.max(0).to_string()));
        }
        fields.push(field("Saved", saved("un-saved", h.added, h.removed)));
        if let Some(a) = h.about.filter(|a| !a.is_empty()) {
            fields.push(field("About", a));
        }
        let items = self.all(
            "SELECT NULL AS position,
                    CASE WHEN e.fully_played = 1 THEN 'played'
                         WHEN e.resume_position_ms > 0 THEN 'started' ELSE 'saved' END AS kind,
                    COALESCE(e.name, e.id) AS name, COALESCE(e.release_date, '') AS sub
             FROM saved_episodes s JOIN episodes e ON e.id = s.episode_id
             WHERE e.show_id = ?1 AND s.removed_at IS NULL
             ORDER BY e.release_date DESC, e.id LIMIT ?2",
            params![id, DETAIL_ITEMS],
        )?;
        Ok(Detail {
            title: h.name,
            fields,
            items_title: format!("{} saved episode(s), newest first", items.len()),
            items,
            ..Detail::default()
        })
    }

    /// An episode: its show, release date, length, where listening stopped, when saved.
    pub(super) fn episode_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let found: Option<EpisodeHead> = self.one(
            "SELECT COALESCE(e.name, e.id) AS name, COALESCE(sh.name, e.show_name, '') AS show,
                    e.release_date AS released, e.duration_ms AS duration_ms,
                    e.resume_position_ms AS resume_ms, e.fully_played AS fully_played,
                    s.added_at AS added,
                    s.removed_at AS removed
             FROM episodes e LEFT JOIN shows sh ON sh.id = e.show_id
             LEFT JOIN saved_episodes s ON s.episode_id = e.id WHERE e.id = ?1",
            [id],
        )?;
        let Some(h) = found else {
            return Ok(missing("Episode", id));
        };
        let resume = h.resume();
        let mut fields = vec![field("Show", h.show)];
        if let Some(r) = h.released {
            fields.push(field("Released", r));
        }
        if let Some(ms) = h.duration_ms {
            fields.push(field("Length", length(ms)));
        }
        fields.push(field("Resume", resume));
        fields.push(field("Saved", saved("un-saved", h.added, h.removed)));
        Ok(Detail {
            title: h.name,
            fields,
            ..Detail::default()
        })
    }

    /// An audiobook: authors, narrators, publisher, edition, chapters, when saved.
    pub(super) fn audiobook_detail(&self, id: &str) -> rusqlite::Result<Detail> {
        let sql = format!(
            "SELECT COALESCE(a.name, a.id) AS name, {} AS authors, {} AS narrators,
                    a.publisher AS publisher, a.edition AS edition, a.total_chapters AS chapters,
                    s.added_at AS added,
                    s.removed_at AS removed
             FROM audiobooks a LEFT JOIN saved_audiobooks s ON s.audiobook_id = a.id
             WHERE a.id = ?1",
            names("a.authors"),
            names("a.narrators")
        );
        let Some(h) = self.one::<BookHead>(&sql, [id])? else {
            return Ok(missing("Audiobook", id));
        };
        let mut fields = vec![field("Authors", h.authors), field("Narrators", h.narrators)];
        if let Some(p) = h.publisher {
            fields.push(field("Publisher", p));
        }
        if let Some(e) = h.edition.filter(|e| !e.is_empty()) {
            fields.push(field("Edition", e));
        }
        let chapters = h
            .chapters
            .map_or_else(|| "not known".to_string(), |c| c.max(0).to_string());
        fields.push(field("Chapters", chapters));
        fields.push(field("Saved", saved("un-saved", h.added, h.removed)));
        Ok(Detail {
            title: h.name,
            fields,
            ..Detail::default()
        })
    }
}
