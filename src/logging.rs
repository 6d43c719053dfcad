//! Logging: always to a daily file under the log dir (tracing-appender), never to the TUI's
//! screen; headless commands also log to stderr. `RUST_LOG` filters (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// True for records that may carry a token: rspotify's below warn level log request headers
/// (the bearer token). Every subscriber drops them with a filter of its own
/// (`filter_fn(|m| !leaks_tokens(m))`), so that no `RUST_LOG` directive, however specific
/// (`rspotify::clients::base=debug`), lets them through.
pub fn leaks_tokens(meta: &tracing::Metadata<'_>) -> bool {
    meta.target().starts_with("rspotify") && *meta.level() > tracing::Level::WARN
}

/// Install the global subscriber. Keep the guard alive until exit so the file is flushed.
/// Falls back to stderr only when the log directory cannot be created.
pub fn init(log_dir: &Path, stderr: bool) -> Option<WorkerGuard> {
    // rspotify logs each request with its headers (the bearer token) at info/debug: keep its
    // records out of the logs whatever RUST_LOG says.
    let filter = || {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info"))
            .add_directive(quiet("rspotify"))
            .add_directive(quiet("rspotify_http"))
    };
    let file = std::fs::create_dir_all(log_dir)
        .ok()
        .map(|_| tracing_appender::rolling::daily(log_dir, "spotsync.log"));
    let (file_layer, guard) = match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_writer(writer)
                        .with_ansi(false),
                ),
                Some(guard),
            )
        }
        None => (None, None),
    };
    let stderr_layer = (stderr || guard.is_none()).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
    });
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(tracing_subscriber::filter::filter_fn(|m| !leaks_tokens(m)))
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    guard
}

fn quiet(target: &str) -> tracing_subscriber::filter::Directive {
    format!("{target}=warn")
        .parse()
        .unwrap_or_else(|_| tracing_subscriber::filter::LevelFilter::WARN.into())
}
