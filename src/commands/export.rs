//! `spotsync export`: the library out of the database, in CSV (Exportify's layout), JSON, M3U8,
//! JSPF and XSPF. Reads only the database (a read-only connection beside any running sync): no
//! request, no token, no HTTP client.

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
    super::require_account(global, &paths)?;
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
    let db = paths.db.clone();
    let fmts = formats.clone();
    let (lib, files) = tokio::task::spawn_blocking(move || {
        let conn = export::open(&db)?;
        let lib = export::load(&conn, &sel)?;
        let files = export::render(&lib, &fmts)?;
        Ok::<_, export::ExportError>((lib, files))
    })
    .await
    .map_err(|e| eyre!("the export stopped: {e}"))??;
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
    if args.json {
        print_json(
            &args.out,
            lib.as_of.as_deref(),
            &files,
            &written,
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
        for f in &files {
            outln!("  {}  ({} {})", f.name, f.items, unit(f));
        }
    }
    Ok(exit::OK)
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
                "format": f.format.ext(),
                "section": f.section,
                "items": f.items,
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
