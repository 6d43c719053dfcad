//! Logging in to Spotify from the terminal app, when there is no usable token.
//!
//! `a` opens the login screen: the authorize URL (wrapped, never cut, and also written to the log
//! file), the `ssh -L` line for a browser on another machine, and an input for the redirected URL.
//! A task owned by the event loop drives [`auth::LoginSession`]: the redirect caught on the
//! loopback port or the pasted URL, whichever comes first, completes the login; the app then
//! starts the sync engine with the new token. Esc cancels (the listener stops).
//!
//! - state: [`LoginView`] in [`App::login`], changed only through [`App::update`]
//!   ([`Msg::Login`] in, [`Action::Login`] / [`Action::StartEngine`] out);
//! - drawing: [`draw_login`] reads `&App`;
//! - the work: [`LoginTask`], spawned by the event loop, reports [`LoginEvent`]s.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tokio::sync::mpsc;

use super::app::{Action, App, EngineState, Notice, NoticeLevel, Overlay};
use super::ui::Theme;
use crate::config::{self, Config, Paths, SyncConfig};
use crate::spotify::auth::{self, AuthError, FlowError, LoginSession};

/// What the login task reports (arrives as [`super::app::Msg::Login`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginEvent {
    /// The login is ready: show the link and wait for the redirect or a paste.
    Ready {
        authorize_url: String,
        redirect_uri: String,
        /// The `ssh -L` line, when spotsync listens on the redirect URI's port.
        ssh_hint: Option<String>,
        /// Why the port could not be used (then only pasting works).
        listen_problem: Option<String>,
    },
    /// No client id is configured: the setup guide to show instead.
    SetupNeeded(String),
    /// The pasted text is not the redirected URL; the person can paste again.
    NotARedirect(String),
    /// A code arrived (caught or pasted); it is being exchanged for a token.
    Exchanging,
    /// The token is saved; `user` is the Spotify display name or user id.
    Connected { user: String },
    /// The login ended without a token.
    Failed(String),
}

/// What the event loop must do for the login (inside [`Action::Login`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginCommand {
    /// Start a login task.
    Start,
    /// Give this pasted text to the login task.
    Paste(String),
    /// Stop the login task (and its listener).
    Cancel,
}

/// Where the login screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStage {
    /// Waiting for the task to prepare the link.
    Starting,
    /// The link is shown; waiting for the redirect or a pasted URL.
    Waiting,
    /// A code is being exchanged for a token.
    Exchanging,
    /// No client id: the text of the setup guide.
    Setup(String),
    /// The login failed; Enter tries again.
    Failed(String),
}

/// The login screen's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginView {
    pub stage: LoginStage,
    pub authorize_url: Option<String>,
    pub redirect_uri: Option<String>,
    pub ssh_hint: Option<String>,
    pub listen_problem: Option<String>,
    /// What has been typed or pasted so far.
    pub input: String,
    /// Why the last paste was refused.
    pub problem: Option<String>,
}

impl LoginView {
    fn starting() -> LoginView {
        LoginView {
            stage: LoginStage::Starting,
            authorize_url: None,
            redirect_uri: None,
            ssh_hint: None,
            listen_problem: None,
            input: String::new(),
            problem: None,
        }
    }
}

/// The text shown when there is no usable authorization (the key `a` logs in).
pub fn no_auth_text(e: &AuthError) -> String {
    match e {
        AuthError::InvalidGrant(reason) => format!(
            "Spotify refused the stored authorization ({reason}): press a to log in again \
             (or run `spotsync auth`)"
        ),
        AuthError::TokenFile(m) => {
            format!(
                "{}; or press a to log in again (replaces it)",
                capitalize(m)
            )
        }
        _ => "Not connected to Spotify: press a to log in (or run `spotsync auth`)".to_string(),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---- state transitions (called from App::update) ---------------------------------------------

impl App {
    /// `a` on the main screen.
    pub(super) fn open_login(&mut self) -> Option<Action> {
        match &self.engine {
            EngineState::NoAuth(_) => {
                self.overlay = Overlay::Login;
                self.login = Some(LoginView::starting());
                Some(Action::Login(LoginCommand::Start))
            }
            EngineState::Ready => {
                self.notice = Some(Notice {
                    level: NoticeLevel::Info,
                    text: "Already connected to Spotify (`spotsync auth` logs in as someone else)"
                        .into(),
                });
                None
            }
            EngineState::Unavailable(text) => {
                self.notice = Some(Notice {
                    level: NoticeLevel::Error,
                    text: format!("Cannot sync: {text}"),
                });
                None
            }
        }
    }

    /// A key while the login screen is open.
    pub(super) fn login_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.code == KeyCode::Esc {
            self.overlay = Overlay::None;
            self.login = None;
            self.notice = Some(Notice {
                level: NoticeLevel::Info,
                text: "Login cancelled: press a to log in".into(),
            });
            return Some(Action::Login(LoginCommand::Cancel));
        }
        let view = self.login.as_mut()?;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match &view.stage {
            LoginStage::Waiting => match key.code {
                KeyCode::Enter => {
                    let pasted = view.input.trim().to_string();
                    if pasted.is_empty() {
                        view.problem = Some(
                            "Paste the whole address from the browser's address bar first".into(),
                        );
                        return None;
                    }
                    view.input.clear();
                    view.problem = None;
                    view.stage = LoginStage::Exchanging;
                    Some(Action::Login(LoginCommand::Paste(pasted)))
                }
                KeyCode::Backspace => {
                    view.input.pop();
                    None
                }
                KeyCode::Char('u') if ctrl => {
                    view.input.clear();
                    None
                }
                KeyCode::Char(c) if !ctrl => {
                    view.input.push(c);
                    None
                }
                _ => None,
            },
            LoginStage::Failed(_) if matches!(key.code, KeyCode::Enter | KeyCode::Char('a')) => {
                *view = LoginView::starting();
                Some(Action::Login(LoginCommand::Start))
            }
            _ => None,
        }
    }

    /// A report from the login task.
    pub(super) fn on_login(&mut self, event: LoginEvent) -> Option<Action> {
        if let LoginEvent::Connected { user } = event {
            // The token is saved even if the screen was closed meanwhile: use it.
            self.overlay = Overlay::None;
            self.login = None;
            self.engine = EngineState::Ready;
            self.notice = Some(Notice {
                level: NoticeLevel::Info,
                text: format!("Connected to Spotify as {user}: press s to sync"),
            });
            return Some(Action::StartEngine);
        }
        // Reports from a login that was cancelled are stale.
        let view = self.login.as_mut()?;
        match event {
            LoginEvent::Ready {
                authorize_url,
                redirect_uri,
                ssh_hint,
                listen_problem,
            } => {
                view.stage = LoginStage::Waiting;
                view.authorize_url = Some(authorize_url);
                view.redirect_uri = Some(redirect_uri);
                view.ssh_hint = ssh_hint;
                view.listen_problem = listen_problem;
            }
            LoginEvent::SetupNeeded(text) => view.stage = LoginStage::Setup(text),
            LoginEvent::NotARedirect(text) => {
                view.stage = LoginStage::Waiting;
                view.problem = Some(text);
            }
            LoginEvent::Exchanging => view.stage = LoginStage::Exchanging,
            LoginEvent::Failed(text) => view.stage = LoginStage::Failed(text),
            LoginEvent::Connected { .. } => {}
        }
        None
    }
}

// ---- drawing ---------------------------------------------------------------------------------

/// The login screen: the whole terminal, without side borders so the link can be selected.
pub fn draw_login(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let Some(view) = &app.login else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    let key = |k: &'static str| Span::styled(k, theme.key());
    let footer = match &view.stage {
        LoginStage::Starting => {
            lines.push(Line::from("Preparing the login…"));
            Line::from(vec![key("Esc"), Span::raw(" cancel")])
        }
        LoginStage::Setup(guide) => {
            lines.extend(reflow(guide).into_iter().map(Line::from));
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "Then press a here again (spotsync reads the config file anew).",
                theme.title(),
            )));
            Line::from(vec![key("Esc"), Span::raw(" close")])
        }
        LoginStage::Waiting | LoginStage::Exchanging | LoginStage::Failed(_) => {
            waiting_lines(&mut lines, app, view, theme);
            match &view.stage {
                LoginStage::Failed(_) => Line::from(vec![
                    key("Enter"),
                    Span::raw(" try again · "),
                    key("Esc"),
                    Span::raw(" close"),
                ]),
                _ => Line::from(vec![
                    key("Enter"),
                    Span::raw(" use the pasted URL · "),
                    key("Ctrl-U"),
                    Span::raw(" clear · "),
                    key("Esc"),
                    Span::raw(" cancel"),
                ]),
            }
        }
    };
    frame.render_widget(Clear, area);
    let block = Block::new()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(theme.dim())
        .title(Span::styled(" Connect to Spotify ", theme.title()))
        .title_bottom(footer);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// Join the guide's continuation lines (indented by 5) to the line before, so the text wraps at
/// the screen's width instead of the width it was written for; commands (indented by 7) and the
/// lines after them stay on their own.
fn reflow(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let joins = indent == 5
            && out
                .last()
                .is_some_and(|prev| prev.len() - prev.trim_start().len() < 5);
        match out.last_mut() {
            Some(prev) if joins => {
                prev.push(' ');
                prev.push_str(line.trim_start());
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

fn waiting_lines(lines: &mut Vec<Line<'static>>, app: &App, view: &LoginView, theme: Theme) {
    let redirect = view.redirect_uri.clone().unwrap_or_default();
    lines.push(Line::from(
        "1. Open this link in a browser, log in to Spotify and approve:",
    ));
    // One logical line: it wraps at the screen's edge and is never cut.
    lines.push(Line::from(Span::styled(
        view.authorize_url.clone().unwrap_or_default(),
        theme.busy(),
    )));
    if let Some(log) = &app.locations.log_file {
        lines.push(Line::from(Span::styled(
            format!("(The link is also in the log file {log})"),
            theme.dim(),
        )));
    }
    match &view.ssh_hint {
        Some(ssh) => {
            lines.push(Line::from(format!(
                "2. Spotify then sends the browser to {redirect}, where spotsync listens."
            )));
            lines.push(Line::from(
                "   Browser on another machine? Forward the port first, from that machine:",
            ));
            lines.push(Line::from(vec![
                Span::raw("   "),
                Span::styled(ssh.clone(), theme.title()),
            ]));
            lines.push(Line::from(
                "   or copy the address of the page that fails to load and paste it below.",
            ));
        }
        None => {
            if let Some(p) = &view.listen_problem {
                lines.push(Line::from(Span::styled(
                    format!("   (spotsync {p}, so it cannot catch the redirect itself.)"),
                    theme.dim(),
                )));
            }
            lines.push(Line::from(format!(
                "2. Spotify then sends the browser to {redirect}?code=… (the page may fail"
            )));
            lines.push(Line::from(
                "   to load: that is expected). Copy the whole address and paste it below.",
            ));
        }
    }
    lines.push(Line::from(""));
    match &view.stage {
        LoginStage::Exchanging => lines.push(Line::from(Span::styled(
            "Checking the authorization with Spotify…",
            theme.busy(),
        ))),
        LoginStage::Failed(text) => lines.push(Line::from(Span::styled(
            format!("Not connected: {text}"),
            theme.bad(),
        ))),
        _ => {
            lines.push(Line::from(vec![
                Span::styled("Redirected URL: ", theme.title()),
                Span::raw(view.input.clone()),
                Span::styled("▏", theme.key()),
            ]));
            if let Some(p) = &view.problem {
                lines.push(Line::from(Span::styled(p.clone(), theme.warn())));
            }
        }
    }
}

// ---- the work (owned by the event loop) ------------------------------------------------------

/// What a login needs from the app's start.
#[derive(Debug, Clone)]
pub struct LoginContext {
    pub paths: Paths,
    pub api_url: String,
    pub accounts_url: String,
    /// The sync settings the engine starts with after the login.
    pub sync: SyncConfig,
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
