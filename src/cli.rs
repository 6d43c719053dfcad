//! The command line. `spotsync` with no subcommand opens the TUI; every subcommand is headless.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
pub use spotsync_sim::{SimMode, SimOptions};

/// Mirror your Spotify library into a local SQLite database you own, and keep it current.
#[derive(Debug, Parser)]
#[command(name = "spotsync", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten, next_help_heading = "Global options")]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every subcommand understands.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The SQLite database to mirror into [default: in the XDG data dir].
    #[arg(long, global = true, env = "SPOTSYNC_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Base URL of the Web API.
    #[arg(
        long,
        global = true,
        env = "SPOTSYNC_API_URL",
        default_value = "https://api.spotify.com/v1/",
        value_name = "URL"
    )]
    pub api_url: String,
    /// Base URL of the accounts service (authorize and token endpoints).
    #[arg(
        long,
        global = true,
        env = "SPOTSYNC_ACCOUNTS_URL",
        default_value = "https://accounts.spotify.com/",
        value_name = "URL"
    )]
    pub accounts_url: String,
    /// Config file [default: $XDG_CONFIG_HOME/spotsync/config.toml].
    #[arg(long, global = true, env = "SPOTSYNC_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sync now, headless: resumes an unfinished run, else starts a new one, and runs until done.
    Sync(SyncArgs),
    /// Show the current or last run, per phase.
    Status(StatusArgs),
    /// Show past runs.
    History(HistoryArgs),
    /// Show what changed in the library, as journaled by syncs.
    Changes(ChangesArgs),
    /// Import Spotify's data export (a zip, its folder, or single files): your whole listening history.
    Import(ImportArgs),
    /// Run incremental syncs and listening-history polls on a schedule (for systemd / cron).
    Daemon(DaemonArgs),
    /// Connect a Spotify account (Authorization Code with PKCE), or show its status.
    Auth(AuthArgs),
    /// Forget the stored Spotify token.
    Logout,
    /// Run the built-in Spotify Web API simulator as an HTTP server.
    Simulate(SimulateArgs),
    /// Show the whole program on a simulated Spotify account: no account needed.
    Demo(DemoArgs),
}

/// Sync phases, in their default order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum PhaseArg {
    Tracks,
    Playlists,
    Albums,
    Artists,
    Plays,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Start a fresh full run (re-reads everything) instead of resuming / incremental.
    #[arg(long, conflicts_with = "incremental")]
    pub full: bool,
    /// Only fetch what changed since the last complete mirror.
    #[arg(long)]
    pub incremental: bool,
    /// Run only these phases (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "PHASES")]
    pub only: Vec<PhaseArg>,
    /// Longest rate-limit or quota block to wait out before exiting with 75 (resumable).
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub max_wait: Duration,
    /// One JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[arg(long)]
    pub json: bool,
    /// How many runs to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ChangesArgs {
    /// Only changes at or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only the changes of this run (the number `spotsync history` shows).
    #[arg(long, value_name = "ID")]
    pub run: Option<i64>,
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// `my_spotify_data.zip`, its unzipped folder, or single `.json` files of the export.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DaemonArgs {
    /// Interval between incremental syncs.
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub every: Duration,
    /// Interval between listening-history polls.
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub plays_every: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub command: Option<AuthCommand>,
    /// Do not listen on the redirect URI's loopback port; only accept a pasted URL.
    #[arg(long)]
    pub no_listen: bool,
    /// Save this client id (from the Spotify developer dashboard) in the config file, then log in.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuthCommand {
    /// Show the connected user, scopes and token lifetimes.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Refresh the access token now (checks that the stored authorization still works).
    Refresh,
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8899)]
    pub port: u16,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Also write a data export of the simulated account (a `my_spotify_data.zip` whose plays
    /// overlap the simulated recently-played history) to PATH, for `spotsync import`.
    #[arg(long, value_name = "PATH")]
    pub export_zip: Option<PathBuf>,
}

/// `spotsync demo`: the simulator's options with defaults that make a watchable demo (a few
/// thousand tracks, a realistic rate window, some latency per request).
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("tracks", |a| a.default_value("3000")),
    mut_arg("window", |a| a.default_value("120")),
    mut_arg("latency_ms", |a| a.default_value("60")),
    mut_arg("quota_retry_after", |a| a.default_value("60"))
)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimOptions,
    /// Seconds after the first sync starts at which the simulator imposes a short quota block
    /// (0 = never). The default falls in the album enrichment of the default demo library.
    #[arg(long, default_value_t = 75)]
    pub quota_block_after: u64,
    /// Length of that quota block, in seconds.
    #[arg(long, default_value_t = 60)]
    pub quota_block_secs: u64,
    /// Port of the simulated Spotify on 127.0.0.1 (0 = any free port; the banner shows it).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

pub use spotsync_core::duration::parse_duration;

impl From<PhaseArg> for spotsync_core::sync::Phase {
    fn from(p: PhaseArg) -> Self {
        use PhaseArg as A;
        use spotsync_core::sync::Phase;
        match p {
            A::Tracks => Phase::Tracks,
            A::Playlists => Phase::Playlists,
            A::Albums => Phase::Albums,
            A::Artists => Phase::Artists,
            A::Plays => Phase::Plays,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
