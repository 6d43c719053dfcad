//! The full-screen terminal app and `spotsync demo`.
//!
//! - [`app`]: the state and its one transition, `App::update(msg) -> Option<Action>`.
//! - [`ui`]: widgets that draw `&App`.
//! - this module: the event loop — one `tokio::select!` over terminal input, signals, engine
//!   events, log lines and a clock tick that only runs while something on screen depends on time.
//!   It redraws only after a change, once the queues are drained, at most every
//!   [`MIN_FRAME`]; the terminal is restored on every way out (quit, error, panic, SIGTERM, SIGHUP).

pub mod app;
pub mod changes;
mod demo;
pub mod login;
pub mod ui;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::cli::GlobalArgs;
use crate::config::{Config, Paths};
use crate::logging::LogLine;
use crate::spotify::auth::{self, AuthError};
use crate::sync::{self, EngineHandle, EngineOptions, SyncCommand, SyncEvent};
use crate::{exit, logging, store};

use app::{Action, App, EngineState, Locations, Msg, Notice, NoticeLevel};
use login::{LoginCommand, LoginContext, LoginTask};

pub use demo::run_demo;

/// The shortest time between two frames: bursts of events become one frame (kind to slow links).
pub const MIN_FRAME: Duration = Duration::from_millis(50);
/// How long quitting waits for the engine to reach a batch boundary before cancelling it.
const QUIT_GRACE: Duration = Duration::from_secs(10);
/// Runs shown in the history pane.
const HISTORY_ROWS: u32 = 50;

/// Set by the panic hook: stop drawing (the hook has restored the terminal).
static PANICKED: AtomicBool = AtomicBool::new(false);

/// True when colours are allowed (<https://no-color.org>: `NO_COLOR` set and non-empty disables).
pub fn colors_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The full-screen app needs a terminal for its keys and its screen: say so plainly (instead of an OS error
/// such as "No such device or address") when run from a script, a pipe or cron.
pub(crate) fn require_terminal(what: &str) -> Result<()> {
    use std::io::IsTerminal;
    // Keys are read from stdin when it is a terminal, else from the controlling terminal.
    let keys = std::io::stdin().is_terminal()
        || std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok();
    if keys && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(eyre!(
        "{what} is a full-screen terminal app, and its input or output is not a terminal. \
         Run it in a terminal (over ssh: `ssh -t`), or use the headless commands: \
         `spotsync sync`, `spotsync status`, `spotsync daemon` (see `spotsync --help`)"
    ))
}

/// `spotsync` with no subcommand.
pub async fn run_tui(global: &GlobalArgs) -> Result<i32> {
    require_terminal("`spotsync` without a subcommand")?;
    let paths = Paths::resolve(global)?;
    let config = Config::load(&paths.config_file)?;
    let (log_tx, log_rx) = mpsc::channel(4096);
    let (_log_guard, log_file) = logging::init_tui(&paths.log_dir, log_tx);

    let mut app = new_app(&paths.db, load_snapshot(&paths.db, &config));
    app.locations = Locations {
        db: paths.db.display().to_string(),
        log_file: log_file.map(|p| p.display().to_string()),
        config_file: Some(paths.config_file.display().to_string()),
    };

    app.pacing = Some(config.sync.requests_per_window);
    if let Some(w) = auth::refresh_expiry_warning(&paths.token_file) {
        app.notice = Some(Notice {
            level: NoticeLevel::Warn,
            text: w,
        });
    }
    let engine = match auth::load_credentials(&paths.token_file, config.client_id().as_deref()) {
        Err(e @ (AuthError::NoToken | AuthError::InvalidGrant(_) | AuthError::TokenFile(_))) => {
            let text = login::no_auth_text(&e);
            app.notice = Some(Notice {
                level: NoticeLevel::Error,
                text: text.clone(),
            });
            app.engine = EngineState::NoAuth(text);
            None
        }
        Err(e) => {
            app.engine = EngineState::Unavailable(e.to_string());
            app.notice = Some(Notice {
                level: NoticeLevel::Error,
                text: e.to_string(),
            });
            None
        }
        Ok(credentials) => {
            start_engine(
                &mut app,
                EngineOptions {
                    db: paths.db.clone(),
                    api_url: global.api_url.clone(),
                    accounts_url: global.accounts_url.clone(),
                    credentials,
                    config: config.sync.clone(),
                },
            )
            .await
        }
    };
    tracing::info!(db = %paths.db.display(), "terminal app started");
    let login = LoginContext {
        paths: paths.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        sync: config.sync.clone(),
    };
    run_app(app, engine, log_rx, None, Some(login)).await
}

fn load_snapshot(db: &std::path::Path, config: &Config) -> Result<sync::StatusSnapshot, String> {
    let budget = Some(config.sync.max_calls_per_day).filter(|b| *b > 0);
    sync::load_status_with_budget(db, HISTORY_ROWS, budget)
}

fn new_app(db: &std::path::Path, snapshot: Result<sync::StatusSnapshot, String>) -> App {
    let (snapshot, error) = match snapshot {
        Ok(s) => (s, None),
        Err(e) => (sync::StatusSnapshot::default(), Some(e)),
    };
    let mut app = App::new(snapshot, Utc::now());
    app.color = colors_enabled();
    app.utc_offset = *chrono::Local::now().offset();
    if let Some(e) = error {
        tracing::warn!(db = %db.display(), error = %e, "cannot read the sync status");
        app.notice = Some(Notice {
            level: NoticeLevel::Warn,
            text: format!("Cannot read the status from {}: {e}", db.display()),
        });
    }
    app
}

async fn start_engine(app: &mut App, options: EngineOptions) -> Option<EngineHandle> {
    engine_started(app, sync::spawn(options).await)
}

/// Take a started engine, or show why it could not start.
fn engine_started(
    app: &mut App,
    started: Result<EngineHandle, sync::SpawnError>,
) -> Option<EngineHandle> {
    match started {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "the sync engine could not start");
            app.engine = EngineState::Unavailable(e.to_string());
            app.notice = Some(Notice {
                level: NoticeLevel::Error,
                text: format!("Cannot sync: {e}"),
            });
            None
        }
    }
}

/// Restores the terminal when dropped: covers `?` returns and unwinding.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Quit,
    Signal,
    Panicked,
}

/// Take over the terminal, run the loop, give the terminal back, stop the engine.
async fn run_app(
    mut app: App,
    engine: Option<EngineHandle>,
    log_rx: mpsc::Receiver<LogLine>,
    first_run: Option<oneshot::Sender<()>>,
    login: Option<LoginContext>,
) -> Result<i32> {
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        previous(info);
    }));
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let (exit, task) =
        event_loop(&mut terminal, &mut app, engine, log_rx, first_run, login).await?;
    drop(_guard);
    if let Some(task) = task {
        match tokio::time::timeout(Duration::from_secs(2), task).await {
            Ok(Err(e)) if e.is_panic() => {
                return Err(eyre!("the sync engine crashed; see the log for details"));
            }
            _ => {}
        }
    }
    tracing::info!(?exit, "terminal app stopped");
    Ok(match exit {
        Exit::Quit => exit::OK,
        Exit::Signal => exit::INTERRUPTED,
        Exit::Panicked => exit::ERROR,
    })
}

/// The next whole second of the wall clock (ticks land when countdown digits change).
fn next_second() -> Instant {
    let now = Utc::now();
    let ms_left = 1000 - u64::from(now.timestamp_subsec_millis()).min(999);
    Instant::now() + Duration::from_millis(ms_left + 5)
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    engine: Option<EngineHandle>,
    mut log_rx: mpsc::Receiver<LogLine>,
    mut first_run: Option<oneshot::Sender<()>>,
    login_ctx: Option<LoginContext>,
) -> Result<(Exit, Option<tokio::task::JoinHandle<()>>)> {
    let mut input = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let (mut commands, mut events, mut cancel, mut task) = match engine {
        Some(EngineHandle {
            commands,
            events,
            cancel,
            task,
        }) => (Some(commands), Some(events), Some(cancel), Some(task)),
        None => (None, None, None, None),
    };
    let mut exit = Exit::Quit;
    let mut terminal_gone = false;
    let mut quit_deadline: Option<Instant> = None;
    let mut cancelled = false;
    let mut next_tick = next_second();
    let mut last_draw: Option<Instant> = None;
    // Answers of reads done off the UI thread (a run's changes, the play gaps).
    let (loaded_tx, mut loaded_rx) = mpsc::unbounded_channel::<Msg>();
    let mut login: Option<LoginTask> = None;
    // A login replaced the engine's refused token: start a new engine once the old one stopped.
    let mut restart_engine = false;
    // An engine starting after a login (its database being opened).
    let mut starting: Option<tokio::task::JoinHandle<Result<EngineHandle, sync::SpawnError>>> =
        None;

    loop {
        if PANICKED.load(Ordering::SeqCst) && exit != Exit::Panicked {
            exit = Exit::Panicked;
            terminal_gone = true;
            begin_quit(app, &commands, &mut quit_deadline);
        }
        // Done quitting once the engine has stopped (its channel closed) or there is none.
        if app.quitting && events.is_none() {
            break;
        }
        let frame_due = last_draw.is_none_or(|t| t.elapsed() >= MIN_FRAME);
        if app.dirty && !terminal_gone && frame_due {
            if let Err(e) = terminal.draw(|f| ui::draw(f, app)) {
                // The terminal went away (e.g. the ssh connection dropped): stop cleanly.
                tracing::warn!(error = %e, "cannot draw; stopping");
                terminal_gone = true;
                exit = Exit::Signal;
                begin_quit(app, &commands, &mut quit_deadline);
                continue;
            }
            app.dirty = false;
            last_draw = Some(Instant::now());
        }
        let draw_at = (app.dirty && !terminal_gone)
            .then(|| last_draw.map_or_else(Instant::now, |t| t + MIN_FRAME));
        let ticking = app.needs_tick();
        if !ticking {
            next_tick = next_second();
        }

        let mut msgs: Vec<Msg> = Vec::new();
        tokio::select! {
            biased;
            ev = input.next(), if !terminal_gone => match ev {
                Some(Ok(ev)) => msgs.extend(input_msg(ev)),
                Some(Err(_)) | None => {
                    terminal_gone = true;
                    exit = Exit::Signal;
                    begin_quit(app, &commands, &mut quit_deadline);
                }
            },
            _ = sighup.recv() => {
                tracing::info!("hang-up received (terminal closed); stopping");
                terminal_gone = true;
                exit = Exit::Signal;
                begin_quit(app, &commands, &mut quit_deadline);
            }
            _ = sigterm.recv() => {
                tracing::info!("SIGTERM received; stopping");
                exit = Exit::Signal;
                begin_quit(app, &commands, &mut quit_deadline);
            }
            _ = sigint.recv() => {
                exit = Exit::Signal;
                begin_quit(app, &commands, &mut quit_deadline);
            }
            ev = recv_opt(&mut events) => match ev {
                Some(ev) => msgs.push(Msg::Engine(ev, Utc::now())),
                None => {
                    events = None;
                    if !restart_engine {
                        msgs.push(Msg::EngineStopped(None));
                    }
                }
            },
            started = join_opt(&mut starting) => {
                starting = None;
                let started = started
                    .unwrap_or_else(|e| Err(sync::SpawnError::Other(e.to_string())));
                if let Some(h) = engine_started(app, started) {
                    commands = Some(h.commands);
                    events = Some(h.events);
                    cancel = Some(h.cancel);
                    task = Some(h.task);
                }
                app.dirty = true;
            }
            Some(line) = log_rx.recv() => msgs.push(Msg::Log(line)),
            Some(msg) = loaded_rx.recv() => msgs.push(msg),
            ev = login_recv(&mut login) => match ev {
                Some(ev) => msgs.push(Msg::Login(ev)),
                None => login = None,
            },
            _ = tokio::time::sleep_until(next_tick), if ticking => {
                next_tick = next_second();
                msgs.push(Msg::Tick(Utc::now()));
            }
            _ = sleep_opt(draw_at), if draw_at.is_some() => {}
            _ = sleep_opt(quit_deadline), if quit_deadline.is_some() => {
                if !cancelled && let Some(c) = &cancel {
                    tracing::warn!("the engine did not stop in time; cancelling it");
                    c.cancel();
                    cancelled = true;
                    quit_deadline = Some(Instant::now() + Duration::from_secs(5));
                } else {
                    tracing::warn!("the engine still did not stop; abandoning it");
                    if let Some(t) = task.take() {
                        t.abort();
                    }
                    break;
                }
            }
        }

        // Drain whatever else is already waiting before the next frame. (Terminal input is not
        // drained here: the biased select takes it first, and frames are at most every
        // MIN_FRAME, so a burst of keys still costs one frame.)
        if let Some(rx) = &mut events {
            loop {
                match rx.try_recv() {
                    Ok(ev) => msgs.push(Msg::Engine(ev, Utc::now())),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        events = None;
                        if !restart_engine {
                            msgs.push(Msg::EngineStopped(None));
                        }
                        break;
                    }
                }
            }
        }
        while let Ok(line) = log_rx.try_recv() {
            msgs.push(Msg::Log(line));
        }
        if restart_engine && events.is_none() {
            restart_engine = false;
            // Wait for the old engine to let go of the database before the new one opens it.
            if let Some(t) = task.take() {
                let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
            }
            // Opening the database may take a while (a large file is checked): the engine
            // starts in the background and the loop keeps drawing and reading keys.
            if !app.quitting
                && let Some(ctx) = &login_ctx
                && let Some(options) = options_after_login(app, ctx)
            {
                starting = Some(tokio::spawn(sync::spawn(options)));
            }
        }

        for msg in msgs {
            if let Msg::Engine(SyncEvent::RunStarted { .. }, _) = &msg
                && let Some(tx) = first_run.take()
            {
                let _ = tx.send(());
            }
            match app.update(msg) {
                Some(Action::Send(cmd)) => send(app, &commands, cmd),
                Some(Action::Quit) => begin_quit(app, &commands, &mut quit_deadline),
                Some(Action::Repaint) => {
                    let _ = terminal.clear();
                    app.dirty = true;
                }
                Some(Action::LoadChanges(run_id)) => {
                    load(app, &loaded_tx, move |db| Msg::Changes {
                        run_id,
                        rows: store::journal::run_changes(db, run_id, changes::CHANGES_SHOWN),
                    })
                }
                Some(Action::LoadPlayGaps) => load(app, &loaded_tx, |db| {
                    Msg::PlayGaps(
                        store::journal::load_play_gaps(db, sync::PLAY_GAPS_SHOWN)
                            .unwrap_or_default(),
                    )
                }),
                Some(Action::Login(LoginCommand::Start)) => {
                    login = login_ctx.as_ref().map(LoginTask::spawn);
                }
                Some(Action::Login(LoginCommand::Paste(text))) => {
                    if let Some(l) = &login {
                        l.paste(text);
                    }
                }
                Some(Action::Login(LoginCommand::Cancel)) => login = None,
                Some(Action::StartEngine) if events.is_some() => {
                    // The running engine holds the refused token: stop it, then start anew.
                    login = None;
                    if let Some(tx) = commands.take() {
                        let _ = tx.try_send(SyncCommand::Shutdown);
                    }
                    restart_engine = true;
                }
                Some(Action::StartEngine) => {
                    login = None;
                    if let Some(ctx) = &login_ctx
                        && let Some(options) = options_after_login(app, ctx)
                    {
                        starting = Some(tokio::spawn(sync::spawn(options)));
                    }
                }
                None => {}
            }
        }
    }
    Ok((exit, task))
}

/// Read the database on a blocking thread through a read-only connection (it works while the
/// engine writes) and deliver the answer as a message.
fn load(
    app: &App,
    tx: &mpsc::UnboundedSender<Msg>,
    read: impl FnOnce(&std::path::Path) -> Msg + Send + 'static,
) {
    let db = std::path::PathBuf::from(&app.locations.db);
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let _ = tx.send(read(&db));
    });
}

fn input_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// The next report of the login task; pending while there is none.
async fn login_recv(login: &mut Option<LoginTask>) -> Option<login::LoginEvent> {
    match login {
        Some(l) => l.events.recv().await,
        None => std::future::pending().await,
    }
}

/// Start the engine with the token a login just saved.
/// The engine's options after a login (the new token), or `None` with the reason shown.
fn options_after_login(app: &mut App, ctx: &LoginContext) -> Option<EngineOptions> {
    match login::credentials_after_login(ctx) {
        Ok(credentials) => Some(EngineOptions {
            db: ctx.paths.db.clone(),
            api_url: ctx.api_url.clone(),
            accounts_url: ctx.accounts_url.clone(),
            credentials,
            config: ctx.sync.clone(),
        }),
        Err(e) => {
            app.engine = EngineState::NoAuth(login::no_auth_text(&e));
            app.notice = Some(Notice {
                level: NoticeLevel::Error,
                text: format!("Logged in, but the saved token cannot be used: {e}"),
            });
            None
        }
    }
}

async fn recv_opt(rx: &mut Option<mpsc::Receiver<SyncEvent>>) -> Option<SyncEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn join_opt<T>(
    task: &mut Option<tokio::task::JoinHandle<T>>,
) -> Result<T, tokio::task::JoinError> {
    match task {
        Some(t) => t.await,
        None => std::future::pending().await,
    }
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn send(app: &mut App, commands: &Option<mpsc::Sender<SyncCommand>>, cmd: SyncCommand) {
    let Some(tx) = commands else {
        return;
    };
    tracing::debug!(?cmd, "command to the engine");
    if let Err(e) = tx.try_send(cmd) {
        app.update(Msg::EngineStopped(Some(format!(
            "it does not take commands ({e})"
        ))));
    }
}

/// Ask the engine to stop at the next batch boundary; the loop ends when it has.
fn begin_quit(
    app: &mut App,
    commands: &Option<mpsc::Sender<SyncCommand>>,
    deadline: &mut Option<Instant>,
) {
    if deadline.is_some() {
        return;
    }
    if !app.quitting {
        // The same path as the q key, so the screen says what is happening.
        app.quitting = true;
        app.dirty = true;
    }
    *deadline = Some(Instant::now() + QUIT_GRACE);
    if let Some(tx) = commands {
        let _ = tx.try_send(SyncCommand::Shutdown);
    }
}
