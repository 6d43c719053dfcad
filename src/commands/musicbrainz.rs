//! `spotsync musicbrainz`: the library's MusicBrainz recording ids, looked up by ISRC through
//! the MusicBrainz web service (never Spotify), cached in the database. Shows progress (a bar on
//! a terminal, JSON lines with `--json`), stops cleanly on Ctrl-C or SIGTERM keeping every
//! answer, and resumes where it stopped.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use color_eyre::eyre::Result;
use spotsync_core::musicbrainz::{self, MbClient, MbConfig, Progress, Summary};
use tokio_util::sync::CancellationToken;

use super::signals::StopSignals;
use crate::cli::{GlobalArgs, MusicbrainzArgs, MusicbrainzServer};
use crate::config::Paths;
use crate::exit;

/// The client for `server`'s options.
pub fn client(server: &MusicbrainzServer) -> Result<MbClient, musicbrainz::MbError> {
    let config = MbConfig::new(
        Some(&server.musicbrainz_url),
        server.contact.as_deref(),
        server.musicbrainz_interval_ms.map(Duration::from_millis),
    )?;
    MbClient::new(config)
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "MusicBrainz {bar:30} {pos}/{len} ISRCs  {msg}  (about {eta} left)",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Run the resolution against `db` with `server`, reporting progress as asked; stops on a
/// signal. Shared by `spotsync musicbrainz` and `spotsync export --resolve-mbid`.
pub async fn resolve(
    db: &Path,
    server: &MusicbrainzServer,
    retry_misses: bool,
    limit: Option<usize>,
    json: bool,
) -> Result<Summary> {
    let client = client(server)?;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let watcher = tokio::spawn(async move {
        StopSignals::new().any().await;
        stop.cancel();
    });
    let bar = if json { None } else { progress_bar() };
    let report = |p: &Progress| {
        if json {
            if let Ok(line) = serde_json::to_string(&serde_json::json!({"progress": p})) {
                outln!("{line}");
            }
        } else if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(format!("{} found, {} unknown", p.found, p.not_found));
        }
    };
    let result =
        musicbrainz::resolve(db, &client, retry_misses, limit, report, cancel.clone()).await;
    watcher.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}

/// `spotsync musicbrainz`.
pub async fn run(global: &GlobalArgs, args: &MusicbrainzArgs) -> Result<i32> {
    let paths = Paths::resolve(global)?;
    if !paths.db.exists() {
        errln!(
            "spotsync musicbrainz: no database at {}: run `spotsync sync` first",
            paths.db.display()
        );
        return Ok(exit::ERROR);
    }
    let s = resolve(
        &paths.db,
        &args.server,
        args.retry_misses,
        args.limit,
        args.json,
    )
    .await?;
    let p = &s.progress;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string(&serde_json::json!({"summary": s}))?
        );
    } else {
        outln!(
            "Looked up {} of {} ISRC{} in {:.0} s ({} request{}, {} slowed down): {} found, {} unknown \
             to MusicBrainz, {} malformed{}",
            p.done,
            p.total,
            if p.total == 1 { "" } else { "s" },
            s.elapsed_secs,
            p.requests,
            if p.requests == 1 { "" } else { "s" },
            p.slowed,
            p.found,
            p.not_found,
            p.invalid,
            if s.interrupted {
                "; stopped — run again to resume"
            } else {
                ""
            }
        );
    }
    Ok(if s.interrupted {
        exit::INTERRUPTED
    } else {
        exit::OK
    })
}
