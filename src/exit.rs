//! Process exit codes, documented in the README. Scripts and systemd depend on them: never renumber.

/// The work finished.
pub const OK: i32 = 0;
/// An error that is not one of the below.
pub const ERROR: i32 = 1;
/// The command line was wrong (clap uses 2 too).
pub const USAGE: i32 = 2;
/// No usable Spotify authorization: run `spotsync auth`.
pub const AUTH_NEEDED: i32 = 3;
/// Another spotsync process holds this database.
pub const LOCKED: i32 = 4;
/// Stopped by a rate limit or quota longer than `--max-wait`; the run is resumable (EX_TEMPFAIL).
pub const RATE_LIMITED: i32 = 75;
/// Interrupted by Ctrl-C / SIGINT / SIGTERM; everything committed is kept.
pub const INTERRUPTED: i32 = 130;

/// The exit code for an authorization error: [`AUTH_NEEDED`] when only a new login helps.
pub fn for_auth(e: &spotsync_core::spotify::auth::AuthError) -> i32 {
    if e.needs_login() { AUTH_NEEDED } else { ERROR }
}
