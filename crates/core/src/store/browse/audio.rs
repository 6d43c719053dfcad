//! The podcast and audiobook tabs: saved shows, saved episodes and saved audiobooks (what was
//! un-saved keeps its `removed_at` and is hidden unless asked for), and their details: a show
//! with its saved episodes, an episode with its show, length and resume position, an audiobook
//! with its authors, narrators, publisher and chapters.

use rusqlite::{Connection, OptionalExtension, params};

use super::detail::field;
use super::{DETAIL_ITEMS, Detail, DetailItem, Row, Tab, year};

/// `col` holds a JSON array of names (`["A","B"]`): the names comma-separated. A value that is
/// not such an array (an older or foreign database) is shown as stored.
fn names(col: &str) -> String {
    format!(
        "COALESCE(CASE WHEN json_valid({col}) AND json_type({col}) = 'array'
                       THEN (SELECT group_concat(value, ', ') FROM json_each({col}))
                       ELSE {col} END, '')"
    )
}

/// The rows of the Shows, Episodes or Audiobooks tab, newest saved first (empty for the others).
pub(super) fn rows(conn: &Connection, tab: Tab) -> rusqlite::Result<Vec<Row>> {
    let sql = match tab {
        Tab::Shows => "SELECT sh.id, COALESCE(sh.name, sh.id), COALESCE(sh.publisher, ''), '',
                              NULL, s.added_at, s.removed_at, COALESCE(sh.total_episodes, 0)
                       FROM saved_shows s JOIN shows sh ON sh.id = s.show_id
                       ORDER BY s.added_at DESC, sh.id"
            .to_string(),
        Tab::Episodes => "SELECT e.id, COALESCE(e.name, e.id), COALESCE(sh.name, e.show_name, ''),
                                 COALESCE(e.release_date, ''), e.release_date, s.added_at,
                                 s.removed_at, COALESCE(e.duration_ms, 0)
                          FROM saved_episodes s JOIN episodes e ON e.id = s.episode_id
                          LEFT JOIN shows sh ON sh.id = e.show_id
                          ORDER BY s.added_at DESC, e.id"
            .to_string(),
        Tab::Audiobooks => format!(
            "SELECT a.id, COALESCE(a.name, a.id), {}, COALESCE(a.publisher, ''), NULL,
                    s.added_at, s.removed_at, COALESCE(a.total_chapters, 0)
             FROM saved_audiobooks s JOIN audiobooks a ON a.id = s.audiobook_id
             ORDER BY s.added_at DESC, a.id",
            names("a.authors")
        ),
        _ => return Ok(Vec::new()),
    };
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map([], |r| {
        Ok(Row {
            id: r.get(0)?,
            name: r.get(1)?,
            artist: r.get(2)?,
            album: r.get(3)?,
            year: year(r.get(4)?),
            added: r.get(5)?,
            removed: r.get(6)?,
            count: r.get(7)?,
            ..Row::default()
        })
    })?;
    rows.collect()
}

/// A length in milliseconds as `m:ss` or `h:mm:ss`.
pub fn length(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// When it was saved, and un-saved.
fn saved(added: Option<String>, removed: Option<String>) -> String {
    match (added, removed) {
        (Some(a), Some(r)) => format!("{a}, un-saved {r}"),
        (None, Some(r)) => format!("un-saved {r}"),
        (Some(a), None) => a,
        (None, None) => "no".to_string(),
    }
}

fn missing(kind: &str, id: &str) -> Detail {
    Detail {
        title: id.to_string(),
        fields: vec![field(kind, "not in the mirror")],
        ..Detail::default()
    }
}

/// A show: publisher, episodes, when saved, what it is about, and its saved episodes.
pub(super) fn show(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    type ShowFields = (
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let found: Option<ShowFields> = conn
        .query_row(
            "SELECT COALESCE(sh.name, sh.id), sh.publisher, sh.description, sh.total_episodes,
                    s.added_at, s.removed_at
             FROM shows sh LEFT JOIN saved_shows s ON s.show_id = sh.id WHERE sh.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((name, publisher, about, total, added, removed)) = found else {
        return Ok(missing("Show", id));
    };
    let mut fields = vec![field("Publisher", publisher.unwrap_or_default())];
    if let Some(n) = total {
        fields.push(field("Episodes", n.max(0).to_string()));
    }
    fields.push(field("Saved", saved(added, removed)));
    if let Some(a) = about.filter(|a| !a.is_empty()) {
        fields.push(field("About", a));
    }
    let mut st = conn.prepare(
        "SELECT COALESCE(e.name, e.id), COALESCE(e.release_date, ''),
                CASE WHEN e.fully_played = 1 THEN 'played'
                     WHEN e.resume_position_ms > 0 THEN 'started' ELSE 'saved' END
         FROM saved_episodes s JOIN episodes e ON e.id = s.episode_id
         WHERE e.show_id = ?1 AND s.removed_at IS NULL
         ORDER BY e.release_date DESC, e.id LIMIT ?2",
    )?;
    let items = st
        .query_map(params![id, DETAIL_ITEMS], |r| {
            Ok(DetailItem {
                position: None,
                kind: r.get(2)?,
                name: r.get(0)?,
                sub: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Detail {
        title: name,
        fields,
        items_title: format!("{} saved episode(s), newest first", items.len()),
        items,
        ..Detail::default()
    })
}

/// An episode: its show, release date, length, where listening stopped, when saved.
pub(super) fn episode(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    type EpisodeFields = (
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let found: Option<EpisodeFields> = conn
        .query_row(
            "SELECT COALESCE(e.name, e.id), COALESCE(sh.name, e.show_name, ''), e.release_date,
                    e.duration_ms, e.resume_position_ms, e.fully_played, s.added_at,
                    s.removed_at
             FROM episodes e LEFT JOIN shows sh ON sh.id = e.show_id
             LEFT JOIN saved_episodes s ON s.episode_id = e.id WHERE e.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((name, show, released, duration, resume, fully, added, removed)) = found else {
        return Ok(missing("Episode", id));
    };
    let mut fields = vec![field("Show", show)];
    if let Some(r) = released {
        fields.push(field("Released", r));
    }
    if let Some(ms) = duration {
        fields.push(field("Length", length(ms)));
    }
    fields.push(field(
        "Resume",
        match (fully, resume) {
            (Some(1), _) => "fully played".to_string(),
            (_, Some(ms)) if ms > 0 => match duration {
                Some(d) => format!("at {} of {}", length(ms), length(d)),
                None => format!("at {}", length(ms)),
            },
            (Some(_), _) | (_, Some(_)) => "not started".to_string(),
            (None, None) => "not known".to_string(),
        },
    ));
    fields.push(field("Saved", saved(added, removed)));
    Ok(Detail {
        title: name,
        fields,
        ..Detail::default()
    })
}

/// An audiobook: authors, narrators, publisher, edition, chapters, when saved.
pub(super) fn audiobook(conn: &Connection, id: &str) -> rusqlite::Result<Detail> {
    type BookFields = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let sql = format!(
        "SELECT COALESCE(a.name, a.id), {}, {}, a.publisher, a.edition, a.total_chapters,
                s.added_at, s.removed_at
         FROM audiobooks a LEFT JOIN saved_audiobooks s ON s.audiobook_id = a.id
         WHERE a.id = ?1",
        names("a.authors"),
        names("a.narrators")
    );
    let found: Option<BookFields> = conn
        .query_row(&sql, [id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .optional()?;
    let Some((name, authors, narrators, publisher, edition, chapters, added, removed)) = found
    else {
        return Ok(missing("Audiobook", id));
    };
    let mut fields = vec![field("Authors", authors), field("Narrators", narrators)];
    if let Some(p) = publisher {
        fields.push(field("Publisher", p));
    }
    if let Some(e) = edition.filter(|e| !e.is_empty()) {
        fields.push(field("Edition", e));
    }
    fields.push(field(
        "Chapters",
        chapters.map_or_else(|| "not known".to_string(), |c| c.max(0).to_string()),
    ));
    fields.push(field("Saved", saved(added, removed)));
    Ok(Detail {
        title: name,
        fields,
        ..Detail::default()
    })
}
