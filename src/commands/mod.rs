//! One module per subcommand; the helpers they share live here (config loading, starting and
//! stopping the engine) and in [`describe`] (wording of events, times and exit codes).

pub mod accounts;
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
pub mod restore;
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

/// [`setup`] for a command that reads an account's files: an account named with `--account`
/// that has neither a token nor a database (a typo, most likely) is refused with the way out,
/// instead of being shown as empty.
pub(crate) fn setup_existing(global: &GlobalArgs) -> Result<(Paths, Config)> {
    let (paths, config) = setup(global)?;
    require_account(global, &paths)?;
    Ok((paths, config))
}

/// Refuse an account named with `--account` that does not exist (see [`setup_existing`]).
pub(crate) fn require_account(global: &GlobalArgs, paths: &Paths) -> Result<()> {
    let files = crate::config::accounts::AccountFiles::of(&paths.data_dir, &paths.account);
    if paths.is_default_account() || global.db.is_some() || files.exists() {
        return Ok(());
    }
    let known = crate::config::accounts::discover(&paths.data_dir)
        .map(|a| a.into_iter().map(|a| a.name).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    Err(color_eyre::eyre::eyre!(
        "no account {name} (accounts: {known}); `spotsync accounts` lists them, \
         `spotsync auth --account {name}` connects a new one",
        name = paths.account,
        known = if known.is_empty() {
            "none yet".into()
        } else {
            known
        },
    ))
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
            if paths.is_default_account() {
                errln!("spotsync: {e}");
            } else {
                errln!(
                    "spotsync: account {}: {e} (for this account: `{}`)",
                    paths.account,
                    accounts::auth_command(&paths.account)
                );
            }
            return Err(exit::AUTH_NEEDED);
        }
    };
    spotsync_core::spotify::auth::warn_if_authorization_ends_soon(&paths.token_file);
    match spawn_engine(global, paths, config, credentials).await {
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

/// Start the engine on the account's database with `credentials`: in a household, its
/// requests are admitted by the quota ledger the accounts share, every account of the app
/// enrolled in it first (what each database knows of the quota counts from the first request).
pub(crate) async fn spawn_engine(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
    credentials: spotsync_core::spotify::Credentials,
) -> std::result::Result<EngineHandle, SpawnError> {
    let shared = crate::household::shared_quota(paths, config, &credentials);
    let (p, c) = (paths.clone(), config.clone());
    blocking(move || Ok(crate::household::open_ledger(&p, &c)?))
        .await
        .map_err(|e| SpawnError::Other(error_words(&e)))?;
    let options = engine_options(global, paths, config, credentials);
    spotsync_core::sync::spawn_shared(options, Some(shared)).await
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

/// Wait for the engine task to end; the exit code of a command that followed one run or
/// restore to `code` (what its events said): 130 when it was interrupted, 1 when the engine
/// did not end cleanly or said nothing.
pub(crate) async fn finish_followed(
    handle: EngineHandle,
    code: Option<i32>,
    interrupted: bool,
) -> i32 {
    let clean = finish_engine(handle).await;
    match code {
        _ if interrupted => exit::INTERRUPTED,
        Some(c) if clean => c,
        _ => exit::ERROR,
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
