//! The stop signals every long-running command obeys: SIGINT (Ctrl-C) and SIGTERM.

/// Watches SIGINT and SIGTERM. A signal that cannot be watched is logged and never fires.
pub(crate) struct StopSignals {
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    pub(crate) fn new() -> StopSignals {
        let term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("cannot watch for SIGTERM: {e}");
                None
            }
        };
        StopSignals { term }
    }

    /// The next SIGINT (Ctrl-C).
    pub(crate) async fn sigint() {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot watch for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    }

    /// The next SIGTERM.
    pub(crate) async fn sigterm(&mut self) {
        match self.term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }

    /// The next SIGINT or SIGTERM, whichever comes first.
    pub(crate) async fn any(&mut self) {
        tokio::select! {
            _ = Self::sigint() => {}
            _ = self.sigterm() => {}
        }
    }
}
