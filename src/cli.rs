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
    /// The account to work on (`spotsync accounts` lists them) [default: the first account].
    #[arg(long, global = true, env = "SPOTSYNC_ACCOUNT", value_name = "NAME",
          value_parser = parse_account)]
    pub account: Option<String>,
    /// The terminal app leaves the mouse to the terminal (no wheel scrolling, no click to select).
    #[arg(long, global = true)]
    pub no_mouse: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sync now, headless: resumes an unfinished run, else starts a new one, and runs until done.
    Sync(SyncArgs),
    /// Show the current or last run, per phase.
    Status(StatusArgs),
    /// Show what the next sync needs: requests per phase, the daily quota, and how long it takes.
    Plan(PlanArgs),
    /// Show past runs.
    History(HistoryArgs),
    /// Show what changed in the library, as journaled by syncs.
    Changes(ChangesArgs),
    /// Import Spotify's data export (a zip, its folder, or single files): your whole listening history.
    Import(ImportArgs),
    /// Run incremental syncs and listening-history polls on a schedule (for systemd / cron).
    Daemon(DaemonArgs),
    /// Export the library from the database (no Spotify request, no token): CSV, JSON, M3U8,
    /// JSPF, XSPF, ListenBrainz listens.
    Export(ExportArgs),
    /// Look the library's MusicBrainz recording ids up by ISRC (for JSPF and ListenBrainz
    /// exports): one request a second to MusicBrainz, cached in the database, resumable.
    Musicbrainz(MusicbrainzArgs),
    /// Put the library back into the account as of a date: a plan first, `--apply` to write it.
    ///
    /// With `--from NAME` the library restored is another account's of the household (its
    /// mirror, as of `--as-of` if given), written into the account of `--to` (else
    /// `--account`): moving to a new account. Its own playlists are created as copies owned by
    /// the account written; the playlists of others it follows are followed.
    Restore(RestoreArgs),
    /// Connect a Spotify account (Authorization Code with PKCE), or show its status.
    Auth(AuthArgs),
    /// Forget the stored Spotify token.
    Logout,
    /// List the accounts of this household: Spotify user, token, database, last sync, plays.
    Accounts(AccountsArgs),
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
    #[value(name = "albums_saved")]
    AlbumsSaved,
    #[value(name = "artists_followed")]
    ArtistsFollowed,
    Shows,
    Episodes,
    Audiobooks,
    Top,
    Albums,
    Artists,
    History,
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
    /// One JSON object per event on stdout (with --dry-run: the plan as one JSON object).
    #[arg(long)]
    pub json: bool,
    /// Send nothing: print the plan of this sync from what the database knows, and exit 0.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Plan a fresh full run instead of resuming / incremental.
    #[arg(long, conflicts_with = "incremental")]
    pub full: bool,
    /// Plan an incremental run.
    #[arg(long)]
    pub incremental: bool,
    /// Plan only these phases (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "PHASES")]
    pub only: Vec<PhaseArg>,
    /// Never ask Spotify: plan from what the database knows (totals it lacks stay unknown).
    #[arg(long)]
    pub no_probe: bool,
    /// The plan as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Every account of the household: what each still needs and when the shared quota gets
    /// it done, and the total.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub json: bool,
    /// Every account of the household, and the quota they share.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AccountsArgs {
    /// One JSON array on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[arg(long)]
    pub json: bool,
    /// How many runs to show (at least 1).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
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
    /// How many changes to show, newest first (at least 1).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
}

/// The daemon's schedule. Each flag overrides its key in the config file's `[daemon]` table.
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
    /// Interval between incremental syncs [default: `[daemon] every` in the config, else 30m].
    #[arg(long, value_parser = parse_interval, value_name = "DURATION")]
    pub every: Option<Duration>,
    /// Interval between listening-history polls [default: `[daemon] plays_every` in the
    /// config, else 10m].
    #[arg(long, value_parser = parse_interval, value_name = "DURATION")]
    pub plays_every: Option<Duration>,
}

/// What `spotsync export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// Liked songs (`Liked Songs.<ext>`).
    Liked,
    /// Every playlist (or those given by --playlist), one file each.
    Playlists,
    /// The albums of the liked songs and playlist tracks, and the saved albums (in JSON with
    /// when each was saved and its track list).
    Albums,
    /// The artists of those tracks and albums.
    Artists,
    /// The listening history (`Listening History.<ext>`).
    Plays,
    /// All of the above.
    All,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Json,
    M3u8,
    Jspf,
    Xspf,
    /// ListenBrainz listens (the listening history): JSON lines, and a ZIP for its import.
    Listenbrainz,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// What to export [default: all].
    #[arg(value_enum, value_name = "WHAT")]
    pub what: Vec<ExportWhat>,
    /// Output formats (comma separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        required = true,
        value_name = "FORMAT"
    )]
    pub format: Vec<ExportFormatArg>,
    /// Directory to write into, or `-` for one file on stdout.
    #[arg(long, default_value = spotsync_core::export::DEFAULT_DIR, value_name = "DIR|-")]
    pub out: PathBuf,
    /// The library as it was at this date (YYYY-MM-DD, the end of that day in UTC) or time
    /// (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Only this playlist (name, id or spotify:playlist: URI); repeatable.
    #[arg(long = "playlist", value_name = "NAME_OR_ID")]
    pub playlists: Vec<String>,
    /// A JSON summary of the files written on stdout.
    #[arg(long)]
    pub json: bool,
    /// Look MusicBrainz recording ids up first (as `spotsync musicbrainz`), for JSPF and
    /// ListenBrainz.
    #[arg(long)]
    pub resolve_mbid: bool,
    /// M3U8 onto your own audio files: match each track to a file under DIR by its tags and
    /// write relative paths.
    #[arg(long, value_name = "DIR")]
    pub music_dir: Option<PathBuf>,
    #[command(flatten)]
    pub musicbrainz: MusicbrainzServer,
}

/// Where MusicBrainz is and who asks it.
#[derive(Debug, Clone, Args)]
pub struct MusicbrainzServer {
    /// The MusicBrainz server (a mirror of your own, or the simulator).
    #[arg(
        long,
        env = "SPOTSYNC_MUSICBRAINZ_URL",
        default_value = spotsync_core::musicbrainz::DEFAULT_URL,
        value_name = "URL"
    )]
    pub musicbrainz_url: String,
    /// Your email or a URL, sent in the User-Agent as MusicBrainz asks.
    #[arg(long, env = "SPOTSYNC_MUSICBRAINZ_CONTACT", value_name = "CONTACT")]
    pub contact: Option<String>,
    /// Milliseconds between requests' starts, for a server other than musicbrainz.org (which
    /// is always asked at most once a second).
    #[arg(long, env = "SPOTSYNC_MUSICBRAINZ_INTERVAL_MS", hide = true)]
    pub musicbrainz_interval_ms: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct MusicbrainzArgs {
    /// Ask again for the ISRCs MusicBrainz did not know last time.
    #[arg(long)]
    pub retry_misses: bool,
    /// Look up at most N ISRCs this run (the most valuable first).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// One JSON object per line on stdout: progress, then the summary.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub server: MusicbrainzServer,
}

/// What `spotsync restore` puts back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RestoreWhat {
    /// Liked songs.
    Liked,
    /// Your own playlists (others' you followed: followed again).
    Playlists,
    /// Saved albums.
    Albums,
    /// Saved shows (podcasts).
    Shows,
    /// Saved episodes.
    Episodes,
    /// Saved audiobooks.
    Audiobooks,
    /// Followed artists.
    Artists,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// What to restore [default: everything].
    #[arg(value_enum, value_name = "WHAT")]
    pub what: Vec<RestoreWhat>,
    /// The library as it was at this date (YYYY-MM-DD, the end of that day in UTC) or time
    /// (RFC 3339) [default: the unfinished restore, else the mirror as it is now].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write it (without: only the plan, nothing is written).
    #[arg(long)]
    pub apply: bool,
    /// Only this playlist (name, id or spotify:playlist: URI); repeatable.
    #[arg(long = "playlist", value_name = "NAME_OR_ID")]
    pub playlists: Vec<String>,
    /// Also remove what the account has and the target has not (never by default).
    #[arg(long)]
    pub remove_extra: bool,
    /// Playlists that differ are created as copies, "NAME (restored DATE)".
    #[arg(long)]
    pub as_copy: bool,
    /// Saved lists one item per request, so each keeps its own `added_at`.
    #[arg(long)]
    pub exact_order: bool,
    /// Restore this household account's library (its mirror) instead of the account's own;
    /// the account written needs the write scopes (`spotsync auth --account NAME --write`).
    #[arg(long, value_name = "NAME", value_parser = parse_account)]
    pub from: Option<String>,
    /// The account to write into (the same as `--account NAME`).
    #[arg(long, value_name = "NAME", value_parser = parse_account)]
    pub to: Option<String>,
    /// Longest rate-limit or quota hold to wait out before exiting with 75 (resumable).
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub max_wait: Duration,
    /// The plan and the outcome as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
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
    /// Also ask for the scopes a restore writes with (playlists, library, follows, covers).
    #[arg(long)]
    pub write: bool,
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

/// An account name (`--account`, `SPOTSYNC_ACCOUNT`).
pub fn parse_account(s: &str) -> Result<String, String> {
    check_account_name(s)?;
    Ok(s.to_string())
}

/// The longest account name.
pub const MAX_ACCOUNT_NAME_LEN: usize = 32;

/// Whether `name` can name an account: 1 to 32 characters, lowercase ASCII letters, digits,
/// `-` and `_`, starting with a letter or a digit (it becomes a directory name).
pub fn check_account_name(name: &str) -> Result<(), String> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let all_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if name.is_empty() || name.len() > MAX_ACCOUNT_NAME_LEN || !first_ok || !all_ok {
        return Err(format!(
            "{name:?} is not an account name: use 1 to {MAX_ACCOUNT_NAME_LEN} lowercase letters, digits, \
             `-` or `_`, starting with a letter or a digit (e.g. \"alex\")"
        ));
    }
    Ok(())
}

/// The shortest interval a schedule accepts.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest interval a schedule accepts (a longer one is surely a typo).
pub const MAX_INTERVAL: Duration = Duration::from_secs(366 * 86_400);

/// A schedule's interval (`--every`, `[daemon] every`, ...): a duration with its unit, from
/// [`MIN_INTERVAL`] to [`MAX_INTERVAL`]. Anything else is refused, never rounded.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < MIN_INTERVAL {
        return Err(format!(
            "{s:?} is shorter than 1s, the shortest interval; use e.g. \"30m\""
        ));
    }
    if d > MAX_INTERVAL {
        return Err(format!(
            "{s:?} is longer than {} days; use e.g. \"30m\"",
            MAX_INTERVAL.as_secs() / 86_400
        ));
    }
    Ok(d)
}

impl From<PhaseArg> for spotsync_core::sync::Phase {
    fn from(p: PhaseArg) -> Self {
        use PhaseArg as A;
        use spotsync_core::sync::Phase;
        match p {
            A::Tracks => Phase::Tracks,
            A::Playlists => Phase::Playlists,
            A::AlbumsSaved => Phase::AlbumsSaved,
            A::ArtistsFollowed => Phase::ArtistsFollowed,
            A::Shows => Phase::Shows,
            A::Episodes => Phase::Episodes,
            A::Audiobooks => Phase::Audiobooks,
            A::Top => Phase::Top,
            A::Albums => Phase::Albums,
            A::Artists => Phase::Artists,
            A::History => Phase::History,
            A::Plays => Phase::Plays,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_positive_and_bounded() {
        assert_eq!(parse_interval("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("366d"), Ok(MAX_INTERVAL));
        assert!(
            parse_interval("0s")
                .unwrap_err()
                .contains("shorter than 1s")
        );
        assert!(
            parse_interval("1ms")
                .unwrap_err()
                .contains("shorter than 1s")
        );
        assert!(
            parse_interval("999ms")
                .unwrap_err()
                .contains("shorter than 1s")
        );
        assert!(parse_interval("5").unwrap_err().contains("no unit"));
        assert!(parse_interval("367d").unwrap_err().contains("366 days"));
        assert!(parse_interval("soon").is_err());
    }

    #[test]
    fn daemon_flags_are_optional() {
        let cli = Cli::try_parse_from(["spotsync", "daemon"]).unwrap();
        let Some(Command::Daemon(a)) = cli.command else {
            panic!("daemon")
        };
        assert_eq!((a.every, a.plays_every), (None, None));
        let cli = Cli::try_parse_from(["spotsync", "daemon", "--plays-every", "90s"]).unwrap();
        let Some(Command::Daemon(a)) = cli.command else {
            panic!("daemon")
        };
        assert_eq!(a.plays_every, Some(Duration::from_secs(90)));
        assert!(Cli::try_parse_from(["spotsync", "daemon", "--every", "0"]).is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
