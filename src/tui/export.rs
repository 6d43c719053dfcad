//! `e` on the Library screen: export what is selected (the tab's list, or the selected
//! playlist) with the engine's exporter (`spotsync_core::export`, the same as `spotsync export`).
//! It reads the database only: no request, no token. [`run`] is what the event loop runs on a
//! blocking thread for an [`Action::Export`](super::app::Action::Export).

use std::path::{Path, PathBuf};

use spotsync_core::export::{self, Format, Section, Selection, Written};

use crate::store::browse::Tab;

/// What `e` exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportWhat {
    Liked,
    Playlist { id: String, name: String },
    Albums,
    Artists,
    Plays,
}

impl ExportWhat {
    /// What `e` exports on `tab`, `selected` being the selected row's id and name (needed on
    /// the Playlists tab only). `Err` says why there is nothing to export.
    pub fn for_tab(tab: Tab, selected: Option<(&str, &str)>) -> Result<ExportWhat, String> {
        Ok(match tab {
            Tab::Liked => ExportWhat::Liked,
            Tab::Albums => ExportWhat::Albums,
            Tab::Artists => ExportWhat::Artists,
            Tab::Plays => ExportWhat::Plays,
            Tab::Playlists => match selected {
                Some((id, name)) if !id.is_empty() => ExportWhat::Playlist {
                    id: id.to_owned(),
                    name: name.to_owned(),
                },
                _ => return Err("No playlist selected: nothing to export".into()),
            },
            Tab::Changes | Tab::Shows | Tab::Episodes | Tab::Audiobooks => {
                return Err(format!(
                    "The {} are not exported: e exports the liked songs, a playlist, the \
                     albums, the artists or the plays",
                    tab.title().to_lowercase()
                ));
            }
        })
    }

    /// For the notice: "the liked songs", "playlist “Road trip”"…
    pub fn label(&self) -> String {
        match self {
            ExportWhat::Liked => "the liked songs".into(),
            ExportWhat::Playlist { name, .. } => format!("playlist “{name}”"),
            ExportWhat::Albums => "the albums".into(),
            ExportWhat::Artists => "the artists".into(),
            ExportWhat::Plays => "the listening history".into(),
        }
    }

    /// Albums and artists are tables, not track lists: M3U8, JSPF and XSPF cannot hold them.
    pub fn is_table(&self) -> bool {
        matches!(self, ExportWhat::Albums | ExportWhat::Artists)
    }

    /// The exporter's selection.
    pub fn selection(&self) -> Selection {
        let mut sel = Selection::default();
        match self {
            ExportWhat::Liked => sel.liked = true,
            ExportWhat::Playlist { id, .. } => {
                sel.playlists = true;
                sel.playlist_filter = vec![id.clone()];
            }
            ExportWhat::Albums => sel.albums = true,
            ExportWhat::Artists => sel.artists = true,
            ExportWhat::Plays => sel.plays = true,
        }
        sel
    }
}

/// One export asked for with `e`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub what: ExportWhat,
    pub format: Format,
    /// The directory the files go into.
    pub dir: PathBuf,
}

impl ExportRequest {
    /// `what` in `format` into `dir`; albums and artists in a track-list format (M3U8, JSPF,
    /// XSPF, ListenBrainz) are written as CSV instead, and a track list other than the plays in
    /// ListenBrainz's format (which holds listens only) as JSPF, the playlists ListenBrainz takes.
    pub fn new(what: ExportWhat, format: Format, dir: PathBuf) -> ExportRequest {
        let format = match format {
            f if what.is_table() && f.track_lists_only() => Format::Csv,
            Format::ListenBrainz if !matches!(what, ExportWhat::Plays) => Format::Jspf,
            f => f,
        };
        ExportRequest { what, format, dir }
    }
}

/// The format after `f` in the order `E` cycles through (CSV, JSON, M3U8, JSPF, XSPF,
/// ListenBrainz).
pub fn next_format(f: Format) -> Format {
    let i = Format::ALL.iter().position(|x| *x == f).unwrap_or(0);
    Format::ALL[(i + 1) % Format::ALL.len()]
}

/// A format's name as shown.
pub fn format_name(f: Format) -> String {
    match f {
        Format::ListenBrainz => "ListenBrainz".to_string(),
        f => f.ext().to_uppercase(),
    }
}

/// Carry out `req` on the database at `db` (read-only; works while a sync writes): the files
/// written, or why not.
pub fn run(db: &Path, req: &ExportRequest) -> Result<Vec<Written>, String> {
    let written = export::export_to_dir(db, &req.what.selection(), &[req.format], &req.dir)
        .map_err(|e| e.to_string())?;
    for f in &written {
        tracing::info!(path = %f.path.display(), items = f.items, "exported");
    }
    if written.is_empty() {
        return Err(format!("{} hold nothing to write", req.what.label()));
    }
    Ok(written)
}

/// The notice after an export: where the files went, or why it failed.
/// What the files left out of their lists, and how to get it in.
fn left_out_text(files: &[Written]) -> String {
    let left_out: usize = files.iter().map(|f| f.left_out).sum();
    if left_out == 0 {
        return String::new();
    }
    match files.first().map(|f| f.format) {
        Some(Format::Csv) => format!("; {left_out} unavailable left out"),
        Some(Format::Jspf) => format!(
            "; {left_out} without a MusicBrainz id left out: `spotsync musicbrainz` looks them up"
        ),
        _ => format!("; {left_out} left out"),
    }
}

pub fn outcome_text(req: &ExportRequest, result: &Result<Vec<Written>, String>) -> String {
    match result {
        Err(e) => format!("Export of {} failed: {e}", req.what.label()),
        Ok(files) => {
            let items: usize = files.iter().map(|f| f.items).sum();
            let unit = match (files.first().map(|f| f.section), items == 1) {
                (Some(Section::Albums), true) => "album",
                (Some(Section::Albums), false) => "albums",
                (Some(Section::Artists), true) => "artist",
                (Some(Section::Artists), false) => "artists",
                (Some(Section::Plays), true) => "play",
                (Some(Section::Plays), false) => "plays",
                (_, true) => "item",
                (_, false) => "items",
            };
            let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
            // The path first: on a narrow screen the end of the line is what gets cut.
            format!(
                "Wrote {} ({}, {items} {unit}{})",
                paths.join(", "),
                req.what.label(),
                left_out_text(files)
            )
        }
    }
}
