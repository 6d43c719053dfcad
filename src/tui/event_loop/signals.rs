//! The signals that stop the app: SIGHUP, SIGTERM and SIGINT on Unix; Ctrl-C elsewhere (the
//! crates build on Windows, where only Ctrl-C and Ctrl-Break exist).

use color_eyre::eyre::Result;

/// A signal that stops the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(unix), allow(dead_code))] // only Ctrl-C arrives there
pub(super) enum Stop {
    /// SIGHUP: the terminal was closed (nothing can be drawn any more).
    HangUp,
    /// SIGTERM.
    Terminate,
    /// SIGINT (Ctrl-C from outside the app, which reads Ctrl-C as a key).
    Interrupt,
}

impl Stop {
    pub(super) fn name(self) -> &'static str {
        match self {
            Stop::HangUp => "hang-up (terminal closed)",
            Stop::Terminate => "SIGTERM",
            Stop::Interrupt => "SIGINT",
        }
    }
}

/// The stop signals: SIGHUP, SIGTERM and SIGINT on Unix; Ctrl-C elsewhere.
pub(super) struct Signals {
    #[cfg(unix)]
    unix: [(Stop, tokio::signal::unix::Signal); 3],
}

impl Signals {
    #[cfg(unix)]
    pub(super) fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            unix: [
                (Stop::HangUp, signal(SignalKind::hangup())?),
                (Stop::Terminate, signal(SignalKind::terminate())?),
                (Stop::Interrupt, signal(SignalKind::interrupt())?),
            ],
        })
    }

    #[cfg(not(unix))]
    pub(super) fn new() -> Result<Signals> {
        Ok(Signals {})
    }

    /// The next stop signal.
    #[cfg(unix)]
    pub(super) async fn recv(&mut self) -> Stop {
        let [(a, hup), (b, term), (c, int)] = &mut self.unix;
        tokio::select! {
            _ = hup.recv() => *a,
            _ = term.recv() => *b,
            _ = int.recv() => *c,
        }
    }

    /// The next Ctrl-C (or Ctrl-Break) from outside; pending if it cannot be watched.
    #[cfg(not(unix))]
    pub(super) async fn recv(&mut self) -> Stop {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Stop::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
