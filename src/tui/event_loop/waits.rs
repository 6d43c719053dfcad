//! Futures the event loop's `select!` waits on that may have nothing to wait for: each is
//! pending for ever while its source is absent.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use spotsync_core::sync::SyncEvent;

use crate::tui::login_task::LoginTask;
use crate::tui::panes::login::LoginEvent;

/// The next report of the login task; pending while there is none.
pub(super) async fn login_recv(login: &mut Option<LoginTask>) -> Option<LoginEvent> {
    match login {
        Some(l) => l.events.recv().await,
        None => std::future::pending().await,
    }
}

pub(super) async fn recv_opt(rx: &mut Option<mpsc::Receiver<SyncEvent>>) -> Option<SyncEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The answer of the engine being started; pending while none is.
pub(super) async fn join_opt<T>(
    starting: &mut Option<JoinHandle<T>>,
) -> Result<T, tokio::task::JoinError> {
    match starting {
        Some(h) => h.await,
        None => std::future::pending().await,
    }
}

pub(super) async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
