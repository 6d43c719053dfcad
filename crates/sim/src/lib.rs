//! A local HTTP server that speaks Spotify's Web API: a deterministic library from a seed,
//! Development Mode / Extended Quota behaviour, Authorization Code with PKCE, the rolling rate
//! window and the daily quota, faults on demand, and a control API under `/__sim/`.
//!
//! One port serves the Web API (`/v1/...`, reads and writes), the accounts service
//! (`/authorize`, `/api/token`), the control API (`/__sim/...`) and the image CDN of playlist
//! covers (`/__cdn/...`). Several users of one app can be served (`SimOptions::users`), each
//! with their own library, sharing one rate window and one daily quota.
//!
//! Public contract used by tests, the demo and `spotsync simulate`:
//! - [`SimConfig`] (from [`crate::SimOptions`]),
//! - [`start`] → [`RunningSim`] with `api_url()`, `accounts_url()`, `base_url()`,
//!   `issue_token()`, `issue_token_for(user, scope)`, `truth_of(user)`, `shutdown()`,
//! - [`Stats`] (`GET /__sim/stats`, with [`UserStats`] per user) and [`model::LibraryTruth`]
//!   (`GET /__sim/library?user=N`).

// Handlers return a ready `Response` as their error: boxing it would only add noise.
#![allow(clippy::result_large_err)]

pub mod accounts;
pub mod api;
mod cdn;
pub mod control;
mod control_library;
mod control_loss;
pub mod covers;
pub mod export_zip;
pub mod fast;
pub mod faults;
pub mod generate;
pub mod library_api;
pub mod library_write;
pub mod model;
pub mod musicbrainz;
pub mod playlist_write;
pub mod read_api;
pub mod render;
pub mod replay;
pub mod state;
pub mod stats;
pub mod tracks_api;
pub mod uris;
pub mod users;

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod options;

pub use faults::{FaultKind, FaultMethod};
pub use model::LibraryTruth;
pub use options::{SimMode, SimOptions};
pub use state::{Settings, SettingsPatch, TokenResponse};
pub use stats::{Stats, UserStats};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("generating the simulated library failed: {0}")]
    Generate(String),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: io::Error },
}

/// Everything the simulator can be told at start.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    pub options: SimOptions,
}

impl SimConfig {
    pub fn new(options: SimOptions) -> Self {
        SimConfig { options }
    }
}

impl From<SimOptions> for SimConfig {
    fn from(options: SimOptions) -> Self {
        SimConfig { options }
    }
}

/// A simulator serving on 127.0.0.1.
pub struct RunningSim {
    pub addr: SocketAddr,
    shared: Arc<state::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
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
    /// A valid access token for the simulated user 0 (as `POST /__sim/token` gives).
    pub fn issue_token(&self) -> String {
        self.issue_token_full().access_token
    }
    /// Access token, refresh token (usable with any client id), lifetime and scope, for user 0.
    pub fn issue_token_full(&self) -> TokenResponse {
        self.issue_token_for(0, state::ALL_SCOPES)
    }
    /// A token for the simulated user 0 granting only `scopes` (as `POST /__sim/token
    /// {"scopes": [...]}`); scopes the simulator does not know are ignored.
    pub fn issue_token_with_scopes(&self, scopes: &[&str]) -> TokenResponse {
        self.issue_token_for(0, &scopes.join(" "))
    }
    /// A token of user `user` (0, 1, …; a user that does not exist gets user 0's) granting
    /// `scope` (space-separated).
    pub fn issue_token_for(&self, user: usize, scope: &str) -> TokenResponse {
        let user = if user < self.users() { user } else { 0 };
        self.shared.issue(Some(""), scope, Some(user))
    }
    /// How many users the simulator serves.
    pub fn users(&self) -> usize {
        self.shared.users()
    }
    /// Request statistics so far.
    pub fn stats(&self) -> Stats {
        state::lock(&self.shared.stats).clone()
    }
    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }
    /// User 0's library as it is now (what `GET /__sim/library` serves).
    pub fn truth(&self) -> LibraryTruth {
        self.shared.read().truth()
    }
    /// User `user`'s library as it is now (`GET /__sim/library?user=N`).
    pub fn truth_of(&self, user: usize) -> LibraryTruth {
        self.shared.read_user(user).truth()
    }
    pub fn settings(&self) -> Settings {
        self.shared.settings()
    }
    /// Change behaviour while running (as `POST /__sim/settings`).
    pub fn update_settings(&self, patch: SettingsPatch) -> Result<Settings, String> {
        let mut s = state::lock(&self.shared.settings);
        s.apply(patch)?;
        Ok(s.clone())
    }
    /// Start a quota block now (as `POST /__sim/quota/exhaust`).
    pub fn exhaust_quota(&self, retry_after_secs: u64) {
        self.shared.exhaust_quota(retry_after_secs);
    }
    /// End any block and clear window/quota usage (as `POST /__sim/quota/reset`).
    pub fn reset_limits(&self) {
        self.shared.reset_limits();
    }
    /// Fault the next `count` `/v1` requests (as `POST /__sim/faults/next`).
    pub fn inject_faults(&self, kind: FaultKind, count: u32) {
        self.inject_faults_when(kind, count, FaultMethod::Any, 0);
    }
    /// Fault `count` requests of `method`, after `after` of them succeeded (as
    /// `POST /__sim/faults/next {"kind", "count", "method", "after"}`).
    pub fn inject_faults_when(&self, kind: FaultKind, count: u32, method: FaultMethod, after: u32) {
        state::lock(&self.shared.faults).push(kind, method, after, count);
    }
    /// Write a data export of the simulated user 0 (see [`export_zip`]) to `path`.
    pub fn write_export_zip(
        &self,
        path: &std::path::Path,
    ) -> Result<export_zip::ExportSummary, export_zip::ExportError> {
        export_zip::write_export_zip(&self.shared.read(), path)
    }
    /// Write a data export of the simulated user 0 with `years` of listening before the
    /// simulated history (see [`export_zip::write_export_zip_with_years`]) to `path`.
    pub fn write_export_zip_with_years(
        &self,
        path: &std::path::Path,
        years: u32,
    ) -> Result<export_zip::ExportSummary, export_zip::ExportError> {
        export_zip::write_export_zip_with_years(&self.shared.read(), path, years)
    }
    /// Write a data export of the simulated user `user` to `path`.
    pub fn write_export_zip_of(
        &self,
        user: usize,
        path: &std::path::Path,
    ) -> Result<export_zip::ExportSummary, export_zip::ExportError> {
        export_zip::write_export_zip(&self.shared.read_user(user), path)
    }
    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(mut self) {
        self.stop_and_wait().await;
    }

    async fn stop_and_wait(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Idle keep-alive connections are closed by the graceful shutdown; do not wait
            // forever on a client that holds a request open.
            if tokio::time::timeout(std::time::Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("simulator did not stop within 5 s");
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Build the settings a config starts with.
fn initial_settings(o: &SimOptions) -> Settings {
    Settings {
        mode: state::mode_name(o.mode).to_string(),
        window: o.window,
        quota: o.quota,
        quota_retry_after: o.quota_retry_after,
        token_ttl: o.token_ttl,
        latency_ms: o.latency_ms,
        fail_rate: o.fail_rate.clamp(0.0, 1.0),
        drop_rate: o.drop_rate.clamp(0.0, 1.0),
        omit_retry_after: o.no_retry_after,
    }
}

/// The whole HTTP application.
pub fn app(shared: Arc<state::Shared>) -> Router {
    let mut endpoints = library_api::endpoints();
    endpoints.extend(read_api::endpoints());
    endpoints.extend(library_write::endpoints());
    endpoints.extend(playlist_write::endpoints());
    endpoints.extend(tracks_api::endpoints());
    Router::new()
        .merge(api::routes(shared.clone(), endpoints))
        .merge(accounts::routes(shared.clone()))
        .merge(control::routes())
        .merge(control_library::routes())
        .merge(control_loss::routes())
        .merge(cdn::routes())
        .merge(musicbrainz::routes())
        .fallback(api::not_found)
        .with_state(shared)
}

/// The largest library the simulator generates (saved tracks; playlists).
pub const MAX_TRACKS: usize = 10_000_000;
pub const MAX_PLAYLISTS: usize = 100_000;

/// Every user's library: user 0's from `--seed`, `--tracks`, `--playlists` (exactly the
/// library of a single-user simulator), the others' from seeds derived from it.
fn generate_all(o: &SimOptions) -> Result<Vec<model::Library>, StartError> {
    let users = usize::from(o.users.max(1));
    let mut libs = Vec::with_capacity(users);
    for u in 0..users {
        let (tracks, playlists) = (o.user_track_count(u), o.user_playlist_count(u));
        if tracks > MAX_TRACKS || playlists > MAX_PLAYLISTS {
            return Err(StartError::Generate(format!(
                "at most {MAX_TRACKS} tracks and {MAX_PLAYLISTS} playlists, not {tracks} and \
                 {playlists} (user {u})"
            )));
        }
        let mut lib = generate::generate(generate::GenParams {
            seed: o.user_seed(u),
            tracks,
            playlists,
        });
        if u > 0 {
            lib.users[0].display_name = Some(format!("Sim Listener {} 🎧", u + 1).into());
        }
        libs.push(lib);
    }
    Ok(libs)
}

/// Start serving on `127.0.0.1:port` (0 = any free port). A library larger than
/// [`MAX_TRACKS`] / [`MAX_PLAYLISTS`] is refused.
pub async fn start(config: SimConfig, port: u16) -> Result<RunningSim, StartError> {
    let o = config.options.clone();
    let libs = tokio::task::spawn_blocking(move || generate_all(&o))
        .await
        .map_err(|e| StartError::Generate(e.to_string()))??;
    let o = &config.options;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| StartError::Listen { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { port, source })?;
    let shared = Arc::new(state::Shared::new(
        libs,
        initial_settings(o),
        o.seed,
        format!("http://{addr}/"),
    ));
    let router = app(shared.clone());
    Ok(serve(listener, addr, router, shared, "simulator"))
}

/// Serve `router` on `listener` (bound at `addr`) until the handle is stopped or dropped; `what`
/// names it in the log if serving fails.
pub(crate) fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    shared: Arc<state::Shared>,
    what: &'static str,
) -> RunningSim {
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            SimListener { inner: listener },
            router.into_make_service_with_connect_info::<ConnInfo>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("{what} stopped: {e}");
        }
    });
    RunningSim {
        addr,
        shared,
        stop: Some(tx),
        task: Some(task),
    }
}

// --- a listener whose connections can be dropped on purpose ------------------------------------

/// Connection info attached to every request: the peer and a switch that closes the
/// connection without a response (the `drop` fault).
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub remote: SocketAddr,
    kill: Arc<AtomicBool>,
}

struct SimListener {
    inner: TcpListener,
}

impl Listener for SimListener {
    type Io = KillableIo;
    type Addr = ConnInfo;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let kill = Arc::new(AtomicBool::new(false));
                    return (
                        KillableIo {
                            inner: stream,
                            kill: kill.clone(),
                        },
                        ConnInfo { remote, kill },
                    );
                }
                // Out of file descriptors and the like: back off briefly and retry.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnInfo {
            remote: self.inner.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.remote_addr().clone()
    }
}

struct KillableIo {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped (fault)",
    )
}

impl AsyncRead for KillableIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
