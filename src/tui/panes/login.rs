//! The login screen, when there is no usable token.
//!
//! `a` opens it: the authorize URL (wrapped, never cut, and also written to the log file), the
//! `ssh -L` line for a browser on another machine, and an input for the redirected URL. The
//! work is done by the login task (`tui::login_task`, owned by the event loop), which reports
//! [`LoginEvent`]s; Esc cancels it.
//!
//! - state: [`LoginState`], changed only by [`LoginState::on_key`] and [`LoginState::on_event`]
//!   (called from `App::update`, which also opens and closes the screen);
//! - drawing: [`LoginWidget`] reads it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::spotify::auth::AuthError;
use crate::tui::theme::Theme;

/// What the login task reports (arrives as `Msg::Login`).
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

/// What the event loop must do for the login (inside `Action::Login`).
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
pub struct LoginState {
    stage: LoginStage,
    authorize_url: Option<String>,
    redirect_uri: Option<String>,
    ssh_hint: Option<String>,
    listen_problem: Option<String>,
    /// What has been typed or pasted so far.
    input: String,
    /// Why the last paste was refused.
    problem: Option<String>,
}

impl LoginState {
    /// Waiting for the task to prepare the link.
    pub fn starting() -> LoginState {
        LoginState {
            stage: LoginStage::Starting,
            authorize_url: None,
            redirect_uri: None,
            ssh_hint: None,
            listen_problem: None,
            input: String::new(),
            problem: None,
        }
    }

    /// Where the login is.
    pub fn stage(&self) -> &LoginStage {
        &self.stage
    }

    /// The link to open in a browser, once the login is ready.
    pub fn authorize_url(&self) -> Option<&str> {
        self.authorize_url.as_deref()
    }

    /// What has been typed or pasted so far.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why the last paste was refused.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
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
        AuthError::Unusable(u) => {
            format!("{}; or press a to log in again", capitalize(&u.to_string()))
        }
        _ => "Not connected to Spotify: press a to log in (or run `spotsync auth`)".to_string(),
    }
}

/// `the token…` → `The token…`.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl LoginState {
    /// A key other than Esc (which the app handles: it closes the screen).
    pub fn on_key(&mut self, key: KeyEvent) -> Option<LoginCommand> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match &self.stage {
            LoginStage::Waiting => match key.code {
                KeyCode::Enter => {
                    let pasted = self.input.trim().to_string();
                    if pasted.is_empty() {
                        self.problem = Some(
                            "Paste the whole address from the browser's address bar first".into(),
                        );
                        return None;
                    }
                    self.input.clear();
                    self.problem = None;
                    self.stage = LoginStage::Exchanging;
                    Some(LoginCommand::Paste(pasted))
                }
                KeyCode::Backspace => {
                    self.input.pop();
                    None
                }
                KeyCode::Char('u') if ctrl => {
                    self.input.clear();
                    None
                }
                KeyCode::Char(c) if !ctrl => {
                    self.input.push(c);
                    None
                }
                _ => None,
            },
            LoginStage::Failed(_) if matches!(key.code, KeyCode::Enter | KeyCode::Char('a')) => {
                *self = LoginState::starting();
                Some(LoginCommand::Start)
            }
            _ => None,
        }
    }

    /// A report from the login task (`Connected` is the app's: it closes the screen).
    pub fn on_event(&mut self, event: LoginEvent) {
        match event {
            LoginEvent::Ready {
                authorize_url,
                redirect_uri,
                ssh_hint,
                listen_problem,
            } => {
                self.stage = LoginStage::Waiting;
                self.authorize_url = Some(authorize_url);
                self.redirect_uri = Some(redirect_uri);
                self.ssh_hint = ssh_hint;
                self.listen_problem = listen_problem;
            }
            LoginEvent::SetupNeeded(text) => self.stage = LoginStage::Setup(text),
            LoginEvent::NotARedirect(text) => {
                self.stage = LoginStage::Waiting;
                self.problem = Some(text);
            }
            LoginEvent::Exchanging => self.stage = LoginStage::Exchanging,
            LoginEvent::Failed(text) => self.stage = LoginStage::Failed(text),
            LoginEvent::Connected { .. } => {}
        }
    }
}

// ---- drawing ---------------------------------------------------------------------------------

/// Draws [`LoginState`] over the whole terminal, without side borders so the link can be
/// selected.
pub struct LoginWidget<'a> {
    pub state: &'a LoginState,
    /// The log file, where the link is written too.
    pub log_file: Option<&'a str>,
    pub theme: Theme,
}

impl Widget for LoginWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (view, theme) = (self.state, self.theme);
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
                waiting_lines(&mut lines, self.log_file, view, theme);
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
        Clear.render(area, buf);
        let block = Block::new()
            .borders(Borders::TOP | Borders::BOTTOM)
            .border_style(theme.dim())
            .title(Span::styled(" Connect to Spotify ", theme.title()))
            .title_bottom(footer);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(area, buf);
    }
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

fn waiting_lines(
    lines: &mut Vec<Line<'static>>,
    log_file: Option<&str>,
    view: &LoginState,
    theme: Theme,
) {
    let redirect = view.redirect_uri.clone().unwrap_or_default();
    lines.push(Line::from(
        "1. Open this link in a browser, log in to Spotify and approve:",
    ));
    // One logical line: it wraps at the screen's edge and is never cut.
    lines.push(Line::from(Span::styled(
        view.authorize_url.clone().unwrap_or_default(),
        theme.busy(),
    )));
    if let Some(log) = log_file {
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
