//! The login task: owned by the event loop, it drives [`auth::LoginSession`]. The redirect
//! caught on the loopback port or the pasted URL, whichever comes first, completes the login;
//! the app then starts the sync engine with the new token. Dropping the task stops it (and its
//! listener). It reports [`LoginEvent`]s, which arrive at `App::update` as `Msg::Login`.

use tokio::sync::mpsc;

use super::panes::login::{LoginEvent, capitalize};
use crate::config::{self, Config, Paths, SyncConfig};
use crate::spotify::auth::{self, AuthError, FlowError, LoginSession};

/// What a login needs from the app's start.
#[derive(Debug, Clone)]
pub struct LoginContext {
    pub paths: Paths,
    pub api_url: String,
    pub accounts_url: String,
    /// The sync settings the engine starts with after the login.
    pub sync: SyncConfig,
    /// The whole config at start: the account's share of a household's quota, the client id
    /// its requests count against.
    pub config: Config,
}

/// A running login: its reports, its paste input. Dropping it stops it (and its listener).
pub struct LoginTask {
    pub events: mpsc::Receiver<LoginEvent>,
    pastes: mpsc::Sender<String>,
    handle: tokio::task::JoinHandle<()>,
}

impl LoginTask {
    pub fn spawn(ctx: &LoginContext) -> LoginTask {
        let (tx, events) = mpsc::channel(16);
        let (pastes, paste_rx) = mpsc::channel(4);
        let handle = tokio::spawn(run_login(ctx.clone(), tx, paste_rx));
        LoginTask {
            events,
            pastes,
            handle,
        }
    }

    /// Hand a pasted URL to the task.
    pub fn paste(&self, text: String) {
        let _ = self.pastes.try_send(text);
    }
}

impl Drop for LoginTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn run_login(
    ctx: LoginContext,
    tx: mpsc::Sender<LoginEvent>,
    mut pastes: mpsc::Receiver<String>,
) {
    let result = login(&ctx, &tx, &mut pastes).await;
    let event = match result {
        Ok(Some(user)) => LoginEvent::Connected { user },
        Ok(None) => return,
        Err(text) => {
            tracing::warn!("login from the terminal app failed: {text}");
            LoginEvent::Failed(text)
        }
    };
    let _ = tx.send(event).await;
}

/// The login itself; `Ok(None)` when it ended without a result to report.
async fn login(
    ctx: &LoginContext,
    tx: &mpsc::Sender<LoginEvent>,
    pastes: &mut mpsc::Receiver<String>,
) -> Result<Option<String>, String> {
    // Read the config anew: the client id may have been saved since the app started.
    let config = Config::load(&ctx.paths.config_file).map_err(|e| e.to_string())?;
    let Some(client_id) = config.client_id() else {
        let guide = config::setup_guide(&ctx.paths.config_file, &config.redirect_uri);
        let _ = tx.send(LoginEvent::SetupNeeded(guide)).await;
        return Ok(None);
    };
    config::check_client_id(&client_id)
        .map_err(|m| format!("the client id (SPOTIFY_CLIENT_ID or client_id) {m}"))?;
    let mut session = LoginSession::start(
        &client_id,
        &config.redirect_uri,
        &ctx.accounts_url,
        &ctx.api_url,
        &ctx.paths.token_file,
        true,
    )
    .await
    .map_err(|e| e.to_string())?;
    tracing::info!(
        "log in to Spotify: open this link in a browser: {}",
        session.authorize_url()
    );
    if let Some(ssh) = session.ssh_hint() {
        tracing::info!("browser on another machine: forward the port first with `{ssh}`");
    }
    let ready = LoginEvent::Ready {
        authorize_url: session.authorize_url().to_string(),
        redirect_uri: session.redirect_uri().to_string(),
        ssh_hint: session.ssh_hint(),
        listen_problem: session.listen_problem.clone(),
    };
    if tx.send(ready).await.is_err() {
        return Ok(None);
    }
    let code = loop {
        tokio::select! {
            r = session.next_redirect() => match r {
                Ok(code) => {
                    tracing::info!("received Spotify's redirect on {}", session.redirect_uri());
                    break code;
                }
                Err(e) => return Err(e.to_string()),
            },
            pasted = pastes.recv() => match pasted {
                None => return Ok(None),
                Some(text) => match session.code_from_pasted(&text) {
                    Ok(code) => break code,
                    Err(e @ FlowError::NotARedirect(_)) => {
                        let _ = tx.send(LoginEvent::NotARedirect(capitalize(&e.to_string()))).await;
                    }
                    Err(e) => return Err(e.to_string()),
                },
            },
        }
    };
    let _ = tx.send(LoginEvent::Exchanging).await;
    let stored = session.complete(&code).await.map_err(|e| e.to_string())?;
    Ok(Some(stored.user_name.clone().unwrap_or(stored.user_id)))
}

/// Credentials from the token the login just saved.
pub fn credentials_after_login(
    ctx: &LoginContext,
) -> Result<crate::spotify::Credentials, AuthError> {
    let config = Config::load(&ctx.paths.config_file).unwrap_or_default();
    auth::load_credentials(&ctx.paths.token_file, config.client_id().as_deref())
}
