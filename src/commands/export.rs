//! `spotsync export`: the library out of the database, in CSV (Exportify's layout), JSON, M3U8
//! (Spotify URIs, or your own audio files with `--music-dir`), JSPF (ListenBrainz's), XSPF and
//! ListenBrainz listens. Reads only the database (a read-only connection beside any running
//! sync): no Spotify request, no token; `--resolve-mbid` asks MusicBrainz first.

use std::path::Path;

use color_eyre::eyre::{Result, eyre};
use spotsync_core::export::{self, Format, OutFile, Selection};

use crate::cli::{ExportArgs, ExportFormatArg, ExportWhat, GlobalArgs};
use crate::config::Paths;
use crate::exit;

impl From<ExportFormatArg> for Format {
    fn from(f: ExportFormatArg) -> Format {
        match f {
            ExportFormatArg::Csv => Format::Csv,
            ExportFormatArg::Json => Format::Json,
            ExportFormatArg::M3u8 => Format::M3u8,
            ExportFormatArg::Jspf => Format::Jspf,
            ExportFormatArg::Xspf => Format::Xspf,
            ExportFormatArg::Listenbrainz => Format::ListenBrainz,
        }
    }
}

/// `--as-of`: a date means the end of that day (UTC); an RFC 3339 time is taken as given.
pub fn parse_as_of(s: &str) -> Result<String, String> {
    super::dates::parse_date("--as-of", s, super::dates::DayEdge::End)
}

/// The selection the arguments ask for, or why they contradict each other.
fn selection(args: &ExportArgs, formats: &[Format]) -> Result<Selection, String> {
    let mut what = args.what.clone();
    if what.is_empty() {
        what.push(if args.playlists.is_empty() {
            ExportWhat::All
        } else {
            ExportWhat::Playlists
        });
    }
    let has = |w: ExportWhat| what.contains(&w) || what.contains(&ExportWhat::All);
    if !args.playlists.is_empty() && !has(ExportWhat::Playlists) {
        return Err("--playlist needs `playlists` (or `all`) among what to export".into());
    }
    let tables_only = what
        .iter()
        .all(|w| matches!(w, ExportWhat::Albums | ExportWhat::Artists));
    if tables_only && formats.iter().all(|f| f.track_lists_only()) {
        return Err("albums and artists are not track lists: export them as csv or json".into());
    }
    if formats.contains(&Format::ListenBrainz) && !has(ExportWhat::Plays) {
        return Err("listenbrainz holds the listening history: export `plays` (or `all`)".into());
    }
    if args.music_dir.is_some() && !formats.contains(&Format::M3u8) {
        return Err("--music-dir matches tracks to audio files for m3u8: add --format m3u8".into());
    }
    let as_of = args.as_of.as_deref().map(parse_as_of).transpose()?;
    Ok(Selection {
        liked: has(ExportWhat::Liked),
        playlists: has(ExportWhat::Playlists),
        albums: has(ExportWhat::Albums),
        artists: has(ExportWhat::Artists),
        plays: has(ExportWhat::Plays),
        playlist_filter: args.playlists.clone(),
        as_of,
    })
}

fn usage(msg: &str) -> i32 {
    errln!("spotsync export: {msg}");
    exit::USAGE
}

/// `spotsync export`.
pub async fn run(global: &GlobalArgs, args: &ExportArgs) -> Result<i32> {
    let paths = Paths::resolve(global)?;
    let mut formats: Vec<Format> = Vec::new();
    for f in &args.format {
        let f = Format::from(*f);
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let sel = match selection(args, &formats) {
        Ok(s) => s,
        Err(msg) => return Ok(usage(&msg)),
    };
    let to_stdout = args.out.as_os_str() == "-";
    if to_stdout && formats.len() != 1 {
        return Ok(usage("--out - writes one format: give one --format"));
    }
    if args.resolve_mbid && paths.db.exists() {
        resolve_first(&paths.db, args).await;
    }
    let db = paths.db.clone();
    let fmts = formats.clone();
    let layout = if to_stdout {
        export::Layout::Flat
    } else {
        export::Layout::Folders
    };
    let music = match &args.music_dir {
        Some(dir) => Some(index_music(dir.clone(), args.json).await?),
        None => None,
    };
    let out_dir = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    let (lib, files) = tokio::task::spawn_blocking(move || {
        let conn = export::open(&db)?;
        let lib = export::load(&conn, &sel)?;
        let opts = export::RenderOptions {
            layout,
            music: music.as_ref().map(|m| (m, out_dir.as_path())),
        };
        let files = export::render_with(&lib, &fmts, &opts)?;
        Ok::<_, export::ExportError>((lib, files))
    })
    .await
    .map_err(|e| eyre!("the export stopped: {e}"))??;
    // On stdout, ListenBrainz's listens are the JSON lines (the ZIP is for a directory).
    let files: Vec<OutFile> = files
        .into_iter()
        .filter(|f| !(to_stdout && f.name.ends_with(".zip")))
        .collect();
    for s in &lib.skipped {
        errln!(
            "note: playlist {:?} ({}) left out: {}",
            s.name.as_deref().unwrap_or_default(),
            s.id,
            s.reason
        );
    }
    if to_stdout {
        return Ok(write_stdout(&files));
    }
    let dir = args.out.clone();
    let to_write = files.clone();
    let written = tokio::task::spawn_blocking(move || export::write_atomically(&dir, &to_write))
        .await
        .map_err(|e| eyre!("the export stopped: {e}"))??;
    print_summary(args, &lib, &files, &written)?;
    Ok(exit::OK)
}

/// What was written: the JSON summary, or a line per file with what it left out.
fn print_summary(
    args: &ExportArgs,
    lib: &export::Library,
    files: &[OutFile],
    written: &[std::path::PathBuf],
) -> Result<()> {
    if args.json {
        print_json(
            &args.out,
            lib.as_of.as_deref(),
            files,
            written,
            &lib.skipped,
        )?;
    } else {
        outln!(
            "Exported {} file{} to {}{}",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            args.out.display(),
            lib.as_of
                .as_deref()
                .map(|t| format!(" (as of {t})"))
                .unwrap_or_default()
        );
        for f in files {
            outln!("  {}  ({} {}{})", f.name, f.items, unit(f), notes(f));
            for u in f.unmatched.iter().take(UNMATCHED_SHOWN) {
                outln!("      not found: {u}");
            }
            if f.unmatched.len() > UNMATCHED_SHOWN {
                outln!(
                    "      … and {} more (each is a `# not found:` comment in the file)",
                    f.unmatched.len() - UNMATCHED_SHOWN
                );
            }
        }
        let jspf_empty = files
            .iter()
            .any(|f| f.format == Format::Jspf && f.items == 0 && f.left_out > 0);
        if jspf_empty && !args.resolve_mbid {
            errln!(
                "note: JSPF holds only tracks with a MusicBrainz recording id, as ListenBrainz \
                 requires; look them up with `spotsync musicbrainz` or `--resolve-mbid`"
            );
        }
    }
    Ok(())
}

/// Unmatched entries listed per file in the summary (the file has them all).
const UNMATCHED_SHOWN: usize = 10;

/// What the summary says of a file's left-out and unmatched entries.
fn notes(f: &OutFile) -> String {
    let mut parts = Vec::new();
    if f.left_out > 0 {
        parts.push(match f.format {
            Format::Csv => format!("{} unavailable left out", f.left_out),
            Format::Jspf => format!("{} without a MusicBrainz id left out", f.left_out),
            _ => format!("{} left out", f.left_out),
        });
    }
    if !f.unmatched.is_empty() {
        parts.push(format!(
            "{} not found in the music folder",
            f.unmatched.len()
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// Index the audio files under `dir` (off the runtime), saying how many and how long.
async fn index_music(dir: std::path::PathBuf, json: bool) -> Result<export::music_dir::MusicIndex> {
    let started = std::time::Instant::now();
    let shown = dir.clone();
    let index = tokio::task::spawn_blocking(move || export::music_dir::MusicIndex::build(&dir))
        .await
        .map_err(|e| eyre!("indexing stopped: {e}"))??;
    if !json {
        errln!(
            "Indexed {} audio file{} under {} in {:.1} s{}",
            index.len(),
            if index.len() == 1 { "" } else { "s" },
            shown.display(),
            started.elapsed().as_secs_f64(),
            if index.unreadable > 0 {
                format!(" ({} unreadable, skipped)", index.unreadable)
            } else {
                String::new()
            }
        );
    }
    Ok(index)
}

/// `--resolve-mbid`: MusicBrainz only (no Spotify request); what it cannot do now, a later run
/// resumes, and the export goes on with what is cached.
async fn resolve_first(db: &Path, args: &ExportArgs) {
    match super::musicbrainz::resolve(db, &args.musicbrainz, false, None, false).await {
        Ok(s) if !args.json => errln!(
            "MusicBrainz: {} ISRC{} looked up ({} found){}",
            s.progress.done,
            if s.progress.done == 1 { "" } else { "s" },
            s.progress.found,
            if s.interrupted { ", stopped" } else { "" }
        ),
        Ok(_) => {}
        Err(e) => errln!("note: MusicBrainz ids not looked up: {e}"),
    }
}

fn unit(f: &OutFile) -> &'static str {
    use export::Section as S;
    match (f.section, f.items == 1) {
        (S::Albums, true) => "album",
        (S::Albums, false) => "albums",
        (S::Artists, true) => "artist",
        (S::Artists, false) => "artists",
        (S::Plays, true) => "play",
        (S::Plays, false) => "plays",
        (S::Library, _) => "entries",
        (_, true) => "item",
        (_, false) => "items",
    }
}

fn write_stdout(files: &[OutFile]) -> i32 {
    let [file] = files else {
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        return usage(&format!(
            "--out - writes one file, and this export has {}{}: choose one of liked, plays, \
             albums, artists, or one --playlist (or use --format json)",
            files.len(),
            if names.is_empty() {
                String::new()
            } else {
                format!(" ({})", names.join(", "))
            }
        ));
    };
    // A failure is said (or, for a reader that went away, not) by `output::finish`.
    crate::output::stdout_bytes(&file.bytes);
    exit::OK
}

fn print_json(
    dir: &Path,
    as_of: Option<&str>,
    files: &[OutFile],
    written: &[std::path::PathBuf],
    skipped: &[export::model::Skipped],
) -> Result<()> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .zip(written)
        .map(|(f, p)| {
            serde_json::json!({
                "path": p,
                "format": f.format.name(),
                "section": f.section,
                "items": f.items,
                "left_out": f.left_out,
                "unmatched": f.unmatched,
                "bytes": f.bytes.len(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "out": dir,
        "as_of": as_of,
        "files": files,
        "skipped_playlists": skipped,
    });
    outln!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_dates() {
        assert_eq!(parse_as_of("2026-06-01").unwrap(), "2026-06-01T23:59:59Z");
        assert_eq!(
            parse_as_of("2026-06-01T12:00:00+02:00").unwrap(),
            "2026-06-01T10:00:00Z"
        );
        assert!(parse_as_of("June").is_err());
    }
}
