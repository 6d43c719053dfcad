//! Logging: always to a daily file under the log dir (tracing-appender), never to the TUI's
//! screen; headless commands also log to stderr. `RUST_LOG` filters (default `info`).

use std::io::IsTerminal;
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
    let (writer, guard) = file_writer(log_dir).unzip();
    let file_layer = writer.map(|w| {
        tracing_subscriber::fmt::layer()
            .with_writer(w)
            .with_ansi(false)
    });
    let colour = stderr_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let stderr_layer = (stderr || guard.is_none()).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(colour)
    });
    let installed = tracing_subscriber::registry()
        .with(env_filter())
        .with(tracing_subscriber::filter::filter_fn(|m| !leaks_tokens(m)))
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if let Err(e) = installed {
        errln!("spotsync: logging is not set up: {e}");
    }
    guard
}

/// Colour in stderr's log lines only for a person at a terminal: never into a file, a pipe or
/// journald, and never when `NO_COLOR` is set to anything but an empty string (no-color.org).
pub fn stderr_colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// One formatted log event, for a front end's log pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: chrono::DateTime<chrono::Utc>,
    pub level: tracing::Level,
    pub target: String,
    pub message: String,
}

/// A tracing layer that forwards every event it sees to a channel as a [`LogLine`]. Never blocks:
/// when the receiver lags behind, lines are dropped from the pane (the log file keeps them).
pub struct ForwardLayer {
    tx: tokio::sync::mpsc::Sender<LogLine>,
}

impl ForwardLayer {
    pub fn new(tx: tokio::sync::mpsc::Sender<LogLine>) -> Self {
        ForwardLayer { tx }
    }
}

#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
}

impl tracing::field::Visit for LineVisitor {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.push_field(field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message.push_str(&text);
        } else {
            self.push_field(field.name(), &text);
        }
    }
}

impl LineVisitor {
    fn push_field(&mut self, name: &str, value: &str) {
        // Records bridged from the `log` crate carry their origin as `log.*` fields: noise here.
        if name.starts_with("log.") {
            return;
        }
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
        self.fields.push_str(name);
        self.fields.push('=');
        self.fields.push_str(value);
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ForwardLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut visitor = LineVisitor::default();
        event.record(&mut visitor);
        let mut message = visitor.message;
        if !visitor.fields.is_empty() {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(&visitor.fields);
        }
        // Keep the pane to one line per event.
        if message.contains('\n') {
            message = message.replace('\n', " ");
        }
        // A full channel drops the line from the pane (the file keeps it); a closed one means
        // the pane is gone.
        self.tx
            .try_send(LogLine {
                at: chrono::Utc::now(),
                level: *event.metadata().level(),
                target: event.metadata().target().to_string(),
                message,
            })
            .ok();
    }
}

/// Install the global subscriber for the terminal app: the daily log file as in [`init`] (never
/// stderr: the screen belongs to the app) plus a [`ForwardLayer`] feeding the log pane.
/// Returns the file guard (keep it alive until exit) and the log file's path when there is one.
pub fn init_tui(
    log_dir: &Path,
    tx: tokio::sync::mpsc::Sender<LogLine>,
) -> (Option<WorkerGuard>, Option<std::path::PathBuf>) {
    let (writer, guard) = file_writer(log_dir).unzip();
    let file_layer = writer.map(|w| {
        tracing_subscriber::fmt::layer()
            .with_writer(w)
            .with_ansi(false)
    });
    let path = guard.as_ref().map(|_| {
        log_dir.join(format!(
            "spotsync.log.{}",
            chrono::Utc::now().format("%Y-%m-%d")
        ))
    });
    let installed = tracing_subscriber::registry()
        .with(env_filter())
        .with(tracing_subscriber::filter::filter_fn(|m| !leaks_tokens(m)))
        .with(file_layer)
        .with(ForwardLayer::new(tx))
        .try_init();
    if let Err(e) = installed {
        // Only when a subscriber is already installed (a second app in one process): that
        // one keeps logging.
        tracing::debug!("the log pane's subscriber is not installed: {e}");
    }
    (guard, path)
}

/// `RUST_LOG` (default `info`), with rspotify held at warn: it logs each request with its
/// headers (the bearer token) at info/debug.
fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive(quiet("rspotify"))
        .add_directive(quiet("rspotify_http"))
}

/// The daily log file's writer, or `None` when the log directory cannot be created.
fn file_writer(
    log_dir: &Path,
) -> Option<(tracing_appender::non_blocking::NonBlocking, WorkerGuard)> {
    std::fs::create_dir_all(log_dir).ok()?;
    Some(tracing_appender::non_blocking(
        tracing_appender::rolling::daily(log_dir, "spotsync.log"),
    ))
}

fn quiet(target: &str) -> tracing_subscriber::filter::Directive {
    format!("{target}=warn")
        .parse()
        .unwrap_or_else(|_| tracing_subscriber::filter::LevelFilter::WARN.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_at_a_terminal_without_no_color() {
        assert!(stderr_colour(true, None));
        assert!(stderr_colour(true, Some(OsStr::new(""))));
        assert!(!stderr_colour(true, Some(OsStr::new("1"))));
        assert!(!stderr_colour(false, None));
        assert!(!stderr_colour(false, Some(OsStr::new("1"))));
    }
}
