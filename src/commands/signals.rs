//! The stop signals every long-running command obeys: SIGINT (Ctrl-C) and SIGTERM.
//!
//! SIGTERM exists on Unix only. Elsewhere (Windows) Ctrl-C is the one stop signal, and
//! [`StopSignals::sigterm`] never fires.

/// Watches SIGINT and SIGTERM. A signal that cannot be watched is logged and never fires.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    #[cfg(unix)]
    pub(crate) fn new() -> StopSignals {
        use tokio::signal::unix::{SignalKind, signal};
        let term = match signal(SignalKind::terminate()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("cannot watch for SIGTERM: {e}");
                None
            }
        };
        StopSignals { term }
    }

    #[cfg(not(unix))]
    pub(crate) fn new() -> StopSignals {
        StopSignals {}
    }

    /// The next SIGINT (Ctrl-C).
    pub(crate) async fn sigint() {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot watch for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    }

    /// The next SIGTERM.
    #[cfg(unix)]
    pub(crate) async fn sigterm(&mut self) {
        match self.term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }

    /// Never: there is no SIGTERM here.
    #[cfg(not(unix))]
    pub(crate) async fn sigterm(&mut self) {
        std::future::pending::<()>().await
    }

    /// The next SIGINT or SIGTERM, whichever comes first.
    pub(crate) async fn any(&mut self) {
        tokio::select! {
            _ = Self::sigint() => {}
            _ = self.sigterm() => {}
        }
    }

    /// The engine's next event, or `None` once it is gone. The first SIGINT or SIGTERM cancels
    /// the run (it stops at once, keeping what `kept` says) and the events are still followed
    /// to the end; `interrupted` records that one came.
    pub(crate) async fn next_event(
        &mut self,
        handle: &mut spotsync_core::sync::EngineHandle,
        interrupted: &mut bool,
        kept: &str,
    ) -> Option<spotsync_core::sync::SyncEvent> {
        loop {
            tokio::select! {
                ev = handle.events.recv() => return ev,
                _ = Self::sigint(), if !*interrupted => {
                    *interrupted = true;
                    errln!("interrupted: stopping now; {kept}");
                    handle.cancel.cancel();
                }
                _ = self.sigterm(), if !*interrupted => {
                    *interrupted = true;
                    errln!("terminated: stopping now; {kept}");
                    handle.cancel.cancel();
                }
            }
        }
    }
}
