//! A local HTTP server that speaks Spotify's Web API (issue 2): deterministic library from a
//! seed, Development Mode / Extended Quota behaviour, PKCE auth, rate window and daily quota,
//! faults on demand, and a control API under `/__sim/`.
//!
//! Public contract used by tests, the demo and `spotsync simulate`:
//! - [`SimConfig`] (from [`crate::cli::SimOptions`]),
//! - [`start`] → [`RunningSim`] with `api_url()`, `accounts_url()`, `base_url()`, `shutdown()`.

use color_eyre::eyre::{Result, eyre};

use crate::cli::{SimOptions, SimulateArgs};

/// Everything the simulator can be told at start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub options: SimOptions,
}

/// A simulator serving on 127.0.0.1.
pub struct RunningSim {
    pub addr: std::net::SocketAddr,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }
    /// `http://127.0.0.1:PORT/v1/` — pass as `--api-url`.
    pub fn api_url(&self) -> String {
        format!("http://{}/v1/", self.addr)
    }
    /// `http://127.0.0.1:PORT/` — pass as `--accounts-url`.
    pub fn accounts_url(&self) -> String {
        self.base_url()
    }
    /// A valid access token for the simulated user (as `POST /__sim/token` gives).
    pub fn issue_token(&self) -> String {
        String::new()
    }
    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(self) {}
}

/// Start serving on `127.0.0.1:port` (0 = any free port).
pub async fn start(_config: SimConfig, _port: u16) -> Result<RunningSim> {
    Err(eyre!("the simulator is not available yet"))
}

/// `spotsync simulate`.
pub async fn run_simulate(_args: &SimulateArgs) -> Result<i32> {
    Err(eyre!("`spotsync simulate` is not available yet"))
}
