//! The simulator's options, shared by `spotsync simulate` and `spotsync demo` (clap `Args`).

use clap::{Args, ValueEnum};

/// Simulator behaviour (Development Mode or Extended Quota app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SimMode {
    #[default]
    Dev,
    Extended,
}

/// Options of the simulator, shared by `simulate` and `demo`.
#[derive(Debug, Clone, Args)]
pub struct SimOptions {
    /// Seed of the generated library (same seed, same library).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of saved tracks.
    #[arg(long, default_value_t = 2000)]
    pub tracks: usize,
    /// Number of playlists in the user's list.
    #[arg(long, default_value_t = 20)]
    pub playlists: usize,
    /// Development Mode (2026 restrictions) or Extended Quota behaviour.
    #[arg(long, value_enum, default_value_t = SimMode::Dev)]
    pub mode: SimMode,
    /// Requests allowed per rolling 30-second window (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub window: u32,
    /// Requests allowed per rolling 24 hours before QUOTA_EXCEEDED (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub quota: u32,
    /// Retry-After (seconds) sent with QUOTA_EXCEEDED.
    #[arg(long, default_value_t = 79_892)]
    pub quota_retry_after: u64,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl: u64,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction of requests answered 500/502/503 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Fraction of requests whose connection is closed without a response (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Send rate-limit 429s without a `Retry-After` header.
    #[arg(long)]
    pub no_retry_after: bool,
    /// Users of the app (each with their own library, listening and tokens; one rate window
    /// and one daily quota for all). User 0 has the library of `--seed`, `--tracks`,
    /// `--playlists`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub users: u16,
    /// Saved tracks of user 0, 1, 2, … (comma-separated); users beyond the list get `--tracks`.
    #[arg(long, value_delimiter = ',')]
    pub user_tracks: Vec<usize>,
    /// Playlists of user 0, 1, 2, … (comma-separated); users beyond the list get `--playlists`.
    #[arg(long, value_delimiter = ',')]
    pub user_playlists: Vec<usize>,
}

impl SimOptions {
    /// The seed of user `u`'s library: `--seed` for user 0, one derived from it for the others.
    pub fn user_seed(&self, u: usize) -> u64 {
        if u == 0 {
            self.seed
        } else {
            self.seed ^ (u as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        }
    }

    /// Saved tracks of user `u`.
    pub fn user_track_count(&self, u: usize) -> usize {
        self.user_tracks.get(u).copied().unwrap_or(self.tracks)
    }

    /// Playlists of user `u`.
    pub fn user_playlist_count(&self, u: usize) -> usize {
        self.user_playlists
            .get(u)
            .copied()
            .unwrap_or(self.playlists)
    }
}

impl Default for SimOptions {
    /// The same values as the command line's defaults.
    fn default() -> Self {
        SimOptions {
            seed: 42,
            tracks: 2000,
            playlists: 20,
            mode: SimMode::Dev,
            window: 0,
            quota: 0,
            quota_retry_after: 79_892,
            token_ttl: 3600,
            latency_ms: 0,
            fail_rate: 0.0,
            drop_rate: 0.0,
            no_retry_after: false,
            users: 1,
            user_tracks: Vec::new(),
            user_playlists: Vec::new(),
        }
    }
}
