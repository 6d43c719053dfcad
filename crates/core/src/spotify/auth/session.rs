//! A login as a front end drives it (the CLI's `spotsync auth`, the TUI's connect screen):
//! start it, show the authorize URL and the ssh hint, then feed it whichever comes first —
//! the redirect caught by the loopback listener or a URL the person pasted — and complete it.

use std::sync::Arc;

use super::flow::{self, FlowError, PkceLogin, RedirectListener};
use super::store::{self, StoredToken};

/// One login in progress. Dropping it stops the listener.
pub struct LoginSession {
    login: Arc<PkceLogin>,
    listener: Option<RedirectListener>,
    /// Why the loopback port could not be used (then only pasting works).
    pub listen_problem: Option<String>,
    accounts_url: String,
    api_url: String,
    token_file: std::path::PathBuf,
}

impl LoginSession {
    /// Prepare the login; with `listen`, bind the redirect URI's loopback port when it has one.
    pub async fn start(
        client_id: &str,
        redirect_uri: &str,
        accounts_url: &str,
        api_url: &str,
        token_file: &std::path::Path,
        listen: bool,
    ) -> Result<LoginSession, FlowError> {
        Self::start_with_scopes(
            client_id,
            redirect_uri,
            accounts_url,
            api_url,
            token_file,
            listen,
            &flow::SCOPES,
        )
        .await
    }

    /// [`LoginSession::start`] asking for `scopes` (`spotsync auth --write`: [`flow::scopes`]).
    pub async fn start_with_scopes(
        client_id: &str,
        redirect_uri: &str,
        accounts_url: &str,
        api_url: &str,
        token_file: &std::path::Path,
        listen: bool,
        scopes: &[&str],
    ) -> Result<LoginSession, FlowError> {
        let login = Arc::new(PkceLogin::with_scopes(
            client_id,
            redirect_uri,
            accounts_url,
            scopes,
        )?);
        let mut listener = None;
        let mut listen_problem = None;
        if listen && let Some((addr, path)) = flow::loopback_target(redirect_uri) {
            let l = login.clone();
            match RedirectListener::bind(addr, path, move |q| l.code_from_query(q)).await {
                Ok(r) => listener = Some(r),
                Err(e) => listen_problem = Some(format!("cannot listen on {addr} ({e})")),
            }
        }
        Ok(LoginSession {
            login,
            listener,
            listen_problem,
            accounts_url: accounts_url.to_string(),
            api_url: api_url.to_string(),
            token_file: token_file.to_path_buf(),
        })
    }

    pub fn authorize_url(&self) -> &str {
        self.login.authorize_url()
    }

    pub fn redirect_uri(&self) -> &str {
        self.login.redirect_uri()
    }

    /// True while the loopback listener waits for the redirect.
    pub fn is_listening(&self) -> bool {
        self.listener.is_some()
    }

    /// The port-forwarding command for a browser on another machine, when listening.
    pub fn ssh_hint(&self) -> Option<String> {
        let port = self.listener.as_ref()?.addr.port();
        Some(format!(
            "ssh -L {port}:127.0.0.1:{port} {}@{}",
            std::env::var("USER").unwrap_or_else(|_| "you".into()),
            hostname()
        ))
    }

    /// The next redirect the listener received (a code, or why it was refused). Pending forever
    /// when not listening, so it can sit in a `select!` beside the paste input.
    pub async fn next_redirect(&mut self) -> Result<String, FlowError> {
        loop {
            match self.listener.as_mut() {
                Some(l) => match l.results.recv().await {
                    Some(r) => return r,
                    None => self.listener = None,
                },
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// The code from a pasted URL, after checking its `state`.
    pub fn code_from_pasted(&self, pasted: &str) -> Result<String, FlowError> {
        self.login.code_from_pasted(pasted)
    }

    /// Exchange the code, read the user, and save the token (mode 0600, atomically).
    pub async fn complete(&mut self, code: &str) -> Result<StoredToken, FlowError> {
        if let Some(l) = self.listener.take() {
            l.stop();
        }
        let stored = self
            .login
            .finish(code, &self.accounts_url, &self.api_url)
            .await?;
        store::write(&self.token_file, &stored).map_err(|e| FlowError::Http(e.to_string()))?;
        tracing::info!(user = %stored.user_id, "connected to Spotify");
        Ok(stored)
    }
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "this-machine".into())
}
