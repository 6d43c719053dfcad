//! One module per subcommand; the helpers they share live here (config loading, starting and
//! stopping the engine) and in [`describe`] (wording of events, times and exit codes).

pub mod auth;
pub mod changes;
pub mod daemon;
mod dates;
pub mod demo;
pub mod describe;
pub mod export;
pub mod history;
pub mod import;
pub mod musicbrainz;
pub mod plan;
mod signals;
pub mod simulate;
pub mod status;
pub mod sync;

use color_eyre::eyre::Result;
use spotsync_core::sync::{EngineHandle, SpawnError, SyncCommand};

pub(crate) use crate::config::engine_options;

pub use self::describe::exit_code_for;
pub(crate) use self::describe::{describe_event, human_wait, local, progress};

use crate::cli::GlobalArgs;
use crate::config::{Config, Paths};
use crate::exit;

/// An error and its causes in one line, each said once: an error whose message already quotes
/// its cause (`cannot write X: File exists (os error 17)`) is not followed by that cause again.
pub fn error_words(e: &color_eyre::eyre::Report) -> String {
    let mut words = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !words.contains(&cause) {
            words.push_str(": ");
            words.push_str(&cause);
        }
    }
    words
}

/// Run `read` (SQLite reads, file reads) on a blocking thread, off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| color_eyre::eyre::eyre!("reading the database stopped: {e}"))?
}

/// Load paths and config, or explain what is wrong.
pub(crate) fn setup(global: &GlobalArgs) -> Result<(Paths, Config)> {
    let paths = Paths::resolve(global)?;
    let config = Config::load(&paths.config_file)?;
    Ok((paths, config))
}

/// Load the stored authorization and start the engine on the database (taking its lock).
/// `Err(exit code)` once the reason is on stderr; `locked` words the message for a database
/// another process holds.
pub(crate) async fn start_engine(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
    locked: impl FnOnce(&std::path::Path) -> String,
) -> std::result::Result<EngineHandle, i32> {
    let credentials = match spotsync_core::spotify::auth::load_credentials(
        &paths.token_file,
        config.client_id().as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            errln!("spotsync: {e}");
            return Err(exit::AUTH_NEEDED);
        }
    };
    spotsync_core::spotify::auth::warn_if_authorization_ends_soon(&paths.token_file);
    match spotsync_core::sync::spawn(engine_options(global, paths, config, credentials)).await {
        Ok(h) => Ok(h),
        Err(SpawnError::Locked(p)) => {
            errln!("spotsync: {}", locked(&p));
            Err(exit::LOCKED)
        }
        Err(SpawnError::Other(m)) => {
            errln!("spotsync: {m}");
            Err(exit::ERROR)
        }
    }
}

/// Send a command to the engine. An error means the engine task has ended (it never drops its
/// receiver otherwise): the caller learns why from [`finish_engine`].
pub(crate) async fn send(handle: &EngineHandle, command: SyncCommand) -> bool {
    match handle.commands.send(command).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!("the sync engine stopped before it got {:?}", e.0);
            false
        }
    }
}

/// Wait for the engine task to end. False (after logging why) when it did not end cleanly.
pub(crate) async fn finish_engine(handle: EngineHandle) -> bool {
    match handle.task.await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!("the sync engine ended abnormally: {e}");
            errln!("spotsync: the sync engine ended abnormally: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use color_eyre::eyre::{Report, WrapErr};

    use super::error_words;

    #[test]
    fn each_cause_is_said_once() {
        let quoted = Report::new(spotsync_core::export::ExportError::Io {
            path: "out".into(),
            source: std::io::Error::from_raw_os_error(17),
        });
        let words = error_words(&quoted);
        assert_eq!(words.matches("os error 17").count(), 1, "{words}");
        assert!(words.starts_with("cannot write out: "), "{words}");

        let wrapped: Result<(), std::io::Error> = Err(std::io::Error::from_raw_os_error(2));
        let words = error_words(&wrapped.wrap_err("cannot open the log").unwrap_err());
        assert!(
            words.starts_with("cannot open the log: ") && words.contains("os error 2"),
            "{words}"
        );
    }
}
