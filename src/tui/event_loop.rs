//! The event loop: [`EventLoop`] owns the terminal, the app's state, the engine's ends (commands,
//! events, cancel token, task), the log and login channels, and runs one biased
//! `tokio::select!` over terminal input, signals, engine events, log lines, answers of reads done
//! off the loop, login reports and a clock tick that only runs while something on screen depends
//! on time. State changes only in `App::update`; the loop carries out the [`Action`]s it
//! returns. It redraws only after a change, once the queues are drained, at most every
//! [`MIN_FRAME`]; the terminal is restored on every way out (quit, error, panic, SIGTERM, SIGHUP).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::app::{Action, App, EngineFailure, Msg};
use super::login_task::{LoginContext, LoginTask};
use super::panes::changes::CHANGES_SHOWN;
use super::panes::login::{LoginCommand, LoginEvent};
use super::startup::{options_after_login, spawn_engine};
use crate::logging::LogLine;
use crate::sync::{self, EngineHandle, SyncCommand, SyncEvent};
use crate::{exit, store};
use signals::{Signals, Stop};

mod signals;

/// The plan of a plain `spotsync sync` (read-only; `None` when the database cannot be read).
pub fn load_plan(
    db: &std::path::Path,
    config: &sync::SyncConfig,
) -> Option<Box<spotsync_core::plan::Plan>> {
    let req = spotsync_core::plan::Request::default();
    match spotsync_core::plan::load_plan(db, config, &req, Utc::now()) {
        Ok(p) => Some(Box::new(p)),
        Err(e) => {
            tracing::warn!("cannot plan the next sync: {e}");
            None
        }
    }
}

/// The shortest time between two frames: bursts of events become one frame (kind to slow links).
pub const MIN_FRAME: Duration = Duration::from_millis(50);
/// How long quitting waits for the engine to reach a batch boundary before cancelling it.
const QUIT_GRACE: Duration = Duration::from_secs(10);

/// Set by the panic hook: stop drawing (the hook has restored the terminal).
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when dropped: covers `?` returns and unwinding.
struct TerminalGuard {
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            release_mouse();
        }
        ratatui::restore();
    }
}

/// Stop reporting the mouse (the terminal's own selection works again).
fn release_mouse() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Quit,
    Signal,
    Panicked,
}

/// The loop and everything it owns.
pub struct EventLoop {
    terminal: DefaultTerminal,
    app: App,
    // The engine's ends (all `None` without an engine).
    commands: Option<mpsc::Sender<SyncCommand>>,
    events: Option<mpsc::Receiver<SyncEvent>>,
    cancel: Option<CancellationToken>,
    task: Option<JoinHandle<()>>,
    log_rx: mpsc::Receiver<LogLine>,
    /// Answers of reads done off the loop (a run's changes, the play gaps).
    loaded_tx: mpsc::UnboundedSender<Msg>,
    loaded_rx: mpsc::UnboundedReceiver<Msg>,
    /// Told when the first run starts (the demo times its quota block from it).
    first_run: Option<oneshot::Sender<()>>,
    /// What a login from the app needs (`None` in the demo).
    login_ctx: Option<LoginContext>,
    login: Option<LoginTask>,
    exit: Exit,
    terminal_gone: bool,
    quit_deadline: Option<Instant>,
    cancelled: bool,
    /// A login replaced the engine's refused token: start a new engine once the old one stopped.
    restart_engine: bool,
    /// An engine being started off the loop (after a login).
    starting: Option<JoinHandle<Result<EngineHandle, String>>>,
}

/// Take over the terminal, run the loop, give the terminal back, stop the engine; the exit code.
pub async fn run(
    mut app: App,
    engine: Option<EngineHandle>,
    log_rx: mpsc::Receiver<LogLine>,
    first_run: Option<oneshot::Sender<()>>,
    login_ctx: Option<LoginContext>,
) -> Result<i32> {
    let terminal = ratatui::try_init()?;
    let mouse = app.captures_mouse();
    let guard = TerminalGuard { mouse };
    if mouse {
        // Wheel and clicks (off with --no-mouse, which leaves the terminal's selection alone).
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        if mouse {
            release_mouse();
        }
        previous(info);
    }));
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let (loaded_tx, loaded_rx) = mpsc::unbounded_channel();
    let mut event_loop = EventLoop {
        terminal,
        app,
        commands: None,
        events: None,
        cancel: None,
        task: None,
        log_rx,
        loaded_tx,
        loaded_rx,
        first_run,
        login_ctx,
        login: None,
        exit: Exit::Quit,
        terminal_gone: false,
        quit_deadline: None,
        cancelled: false,
        restart_engine: false,
        starting: None,
    };
    if let Some(h) = engine {
        event_loop.attach(h);
    }
    // The plan of the next sync, read off the loop like everything from the database.
    event_loop.act(Action::LoadPlan);
    event_loop.run_loop().await?;
    drop(guard);
    if let Some(task) = event_loop.task.take() {
        match tokio::time::timeout(Duration::from_secs(2), task).await {
            Ok(Err(e)) if e.is_panic() => {
                return Err(eyre!("the sync engine crashed; see the log for details"));
            }
            _ => {}
        }
    }
    let exit = event_loop.exit;
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

impl EventLoop {
    /// Hold this engine's ends.
    fn attach(&mut self, h: EngineHandle) {
        self.commands = Some(h.commands);
        self.events = Some(h.events);
        self.cancel = Some(h.cancel);
        self.task = Some(h.task);
    }

    async fn run_loop(&mut self) -> Result<()> {
        let mut input = EventStream::new();
        let mut signals = Signals::new()?;
        let mut next_tick = next_second();
        let mut last_draw: Option<Instant> = None;
        loop {
            if PANICKED.load(Ordering::SeqCst) && self.exit != Exit::Panicked {
                self.stop(Exit::Panicked, true);
            }
            // Done quitting once the engine has stopped (its channel closed) or there is none.
            if self.app.is_quitting() && self.events.is_none() {
                break;
            }
            let draw_at = self.draw_if_due(&mut last_draw);
            let ticking = self.app.needs_tick();
            if !ticking {
                next_tick = next_second();
            }
            let mut msgs: Vec<Msg> = Vec::new();
            let wake = Wake {
                tick: ticking.then_some(next_tick),
                draw: draw_at,
            };
            match self.wait(&mut input, &mut signals, wake, &mut msgs).await {
                Woke::Tick => next_tick = next_second(),
                Woke::PastDeadline => break,
                Woke::Other => {}
            }
            self.drain(&mut msgs);
            if self.restart_engine && self.events.is_none() {
                // The old engine has stopped: start the new one once it let go of the database.
                self.restart_engine = false;
                let old = self.task.take();
                self.start_after_login(old);
            }
            for msg in msgs {
                if let Msg::Engine(SyncEvent::RunStarted { .. }, _) = &msg
                    && let Some(tx) = self.first_run.take()
                {
                    let _ = tx.send(());
                }
                if let Some(action) = self.app.update(msg) {
                    self.act(action);
                }
            }
        }
        Ok(())
    }

    /// Draw when something changed and the last frame is old enough; else, when to draw next.
    fn draw_if_due(&mut self, last_draw: &mut Option<Instant>) -> Option<Instant> {
        let frame_due = last_draw.is_none_or(|t| t.elapsed() >= MIN_FRAME);
        if self.app.needs_redraw() && !self.terminal_gone && frame_due {
            let app = &self.app;
            if let Err(e) = self.terminal.draw(|f| app.draw(f)) {
                // The terminal went away (e.g. the ssh connection dropped): stop cleanly.
                tracing::warn!(error = %e, "cannot draw; stopping");
                self.stop(Exit::Signal, true);
                return None;
            }
            self.app.mark_drawn();
            *last_draw = Some(Instant::now());
        }
        (self.app.needs_redraw() && !self.terminal_gone)
            .then(|| last_draw.map_or_else(Instant::now, |t| t + MIN_FRAME))
    }

    /// Wait for the next thing to happen (terminal input first), and turn it into messages.
    async fn wait(
        &mut self,
        input: &mut EventStream,
        signals: &mut Signals,
        wake: Wake,
        msgs: &mut Vec<Msg>,
    ) -> Woke {
        tokio::select! {
            biased;
            ev = input.next(), if !self.terminal_gone => match ev {
                Some(Ok(ev)) => msgs.extend(input_msg(ev)),
                Some(Err(_)) | None => self.stop(Exit::Signal, true),
            },
            stop = signals.recv() => {
                tracing::info!("{} received; stopping", stop.name());
                self.stop(Exit::Signal, stop == Stop::HangUp);
            }
            ev = recv_opt(&mut self.events) => match ev {
                Some(ev) => msgs.push(Msg::Engine(ev, Utc::now())),
                None => self.engine_closed(msgs),
            },
            Some(line) = self.log_rx.recv() => msgs.push(Msg::Log(line)),
            Some(msg) = self.loaded_rx.recv() => msgs.push(msg),
            ev = login_recv(&mut self.login) => match ev {
                Some(ev) => msgs.push(Msg::Login(ev)),
                None => self.login = None,
            },
            started = join_opt(&mut self.starting) => {
                self.starting = None;
                msgs.extend(self.engine_started(started));
            }
            _ = sleep_opt(wake.tick), if wake.tick.is_some() => {
                msgs.push(Msg::Tick(Utc::now()));
                return Woke::Tick;
            }
            _ = sleep_opt(wake.draw), if wake.draw.is_some() => {}
            _ = sleep_opt(self.quit_deadline), if self.quit_deadline.is_some() => {
                if self.past_deadline() {
                    return Woke::PastDeadline;
                }
            }
        }
        Woke::Other
    }

    /// An engine started off the loop answered: hold its ends, or say why it did not start.
    fn engine_started(
        &mut self,
        started: Result<Result<EngineHandle, String>, tokio::task::JoinError>,
    ) -> Option<Msg> {
        let failure = match started {
            Ok(Ok(h)) => {
                self.attach(h);
                return None;
            }
            Ok(Err(e)) => e,
            Err(e) => format!("the engine's start was interrupted ({e})"),
        };
        tracing::warn!(error = %failure, "the sync engine could not start");
        Some(Msg::EngineFailed(EngineFailure::Start(failure)))
    }

    /// Take whatever else is already waiting before the next frame. (Terminal input is not
    /// drained here: the biased select takes it first, and frames are at most every MIN_FRAME,
    /// so a burst of keys still costs one frame.)
    fn drain(&mut self, msgs: &mut Vec<Msg>) {
        if let Some(rx) = &mut self.events {
            loop {
                match rx.try_recv() {
                    Ok(ev) => msgs.push(Msg::Engine(ev, Utc::now())),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        self.engine_closed(msgs);
                        break;
                    }
                }
            }
        }
        while let Ok(line) = self.log_rx.try_recv() {
            msgs.push(Msg::Log(line));
        }
    }

    /// The engine's event channel closed: it stopped (unless a restart was asked for).
    fn engine_closed(&mut self, msgs: &mut Vec<Msg>) {
        self.events = None;
        if !self.restart_engine {
            msgs.push(Msg::EngineStopped(None));
        }
    }

    /// Start an engine with the token a login saved, off the loop (the answer arrives in the
    /// select); `old` is the previous engine's task, waited for first.
    fn start_after_login(&mut self, old: Option<JoinHandle<()>>) {
        if self.app.is_quitting() {
            return;
        }
        let Some(ctx) = &self.login_ctx else {
            return;
        };
        match options_after_login(ctx) {
            Ok(options) => {
                self.starting = Some(tokio::spawn(async move {
                    if let Some(t) = old {
                        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
                    }
                    spawn_engine(options).await
                }));
            }
            Err(failure) => {
                self.app.update(Msg::EngineFailed(failure));
            }
        }
    }

    /// Carry out what an update asked for.
    fn act(&mut self, action: Action) {
        match action {
            Action::Send(cmd) => self.send(cmd),
            Action::Quit => self.begin_quit(),
            Action::Repaint => {
                // The key that asked marked the redraw; the next frame draws every cell.
                let _ = self.terminal.clear();
            }
            Action::LoadChanges(run_id) => self.load(move |db| Msg::Changes {
                run_id,
                rows: store::Reader::read(db, |q| q.run_changes(run_id, CHANGES_SHOWN))
                    .map_err(|e| format!("cannot read the changes of run {run_id}: {e}")),
            }),
            Action::Browse(query) => self.load(move |db| Msg::Browse {
                answer: store::browse::run(db, &query),
                query,
            }),
            Action::Export(request) => self.load(move |db| Msg::Exported {
                result: super::export::run(db, &request),
                request,
            }),
            Action::Many(actions) => {
                for a in actions {
                    self.act(a);
                }
            }
            Action::LoadPlan => {
                if let Some(config) = self.app.plan_config().cloned() {
                    self.load(move |db| Msg::Plan(load_plan(db, &config)));
                }
            }
            Action::LoadPlayGaps => self.load(|db| {
                Msg::PlayGaps(
                    store::Reader::read(db, |q| q.play_gaps(sync::PLAY_GAPS_SHOWN))
                        .unwrap_or_default(),
                )
            }),
            Action::Login(LoginCommand::Start) => {
                self.login = self.login_ctx.as_ref().map(LoginTask::spawn);
            }
            Action::Login(LoginCommand::Paste(text)) => {
                if let Some(l) = &self.login {
                    l.paste(text);
                }
            }
            Action::Login(LoginCommand::Cancel) => self.login = None,
            Action::StartEngine => {
                self.login = None;
                if self.events.is_some() {
                    // The running engine holds the refused token: stop it, then start anew.
                    if let Some(tx) = self.commands.take() {
                        let _ = tx.try_send(SyncCommand::Shutdown);
                    }
                    self.restart_engine = true;
                } else {
                    self.start_after_login(None);
                }
            }
        }
    }

    /// Read the database on a blocking thread through a read-only connection (it works while
    /// the engine writes) and deliver the answer as a message.
    fn load(&self, read: impl FnOnce(&std::path::Path) -> Msg + Send + 'static) {
        let db = self.app.database().to_path_buf();
        let tx = self.loaded_tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(read(&db));
        });
    }

    fn send(&mut self, cmd: SyncCommand) {
        let Some(tx) = &self.commands else {
            return;
        };
        tracing::debug!(?cmd, "command to the engine");
        if let Err(e) = tx.try_send(cmd) {
            self.app.update(Msg::EngineStopped(Some(format!(
                "it does not take commands ({e})"
            ))));
        }
    }

    /// Stop for `exit`; `gone`: the terminal cannot be used any more.
    fn stop(&mut self, exit: Exit, gone: bool) {
        self.exit = exit;
        self.terminal_gone |= gone;
        // The same path as the q key, so the screen says what is happening.
        self.app.update(Msg::Quit);
        self.begin_quit();
    }

    /// Ask the engine to stop at the next batch boundary; the loop ends when it has.
    fn begin_quit(&mut self) {
        if self.quit_deadline.is_some() {
            return;
        }
        self.quit_deadline = Some(Instant::now() + QUIT_GRACE);
        if let Some(tx) = &self.commands {
            let _ = tx.try_send(SyncCommand::Shutdown);
        }
    }

    /// The quit deadline passed: cancel the engine, then give up on it. True when the loop
    /// must end now.
    fn past_deadline(&mut self) -> bool {
        if !self.cancelled
            && let Some(c) = &self.cancel
        {
            tracing::warn!("the engine did not stop in time; cancelling it");
            c.cancel();
            self.cancelled = true;
            self.quit_deadline = Some(Instant::now() + Duration::from_secs(5));
            false
        } else {
            tracing::warn!("the engine still did not stop; abandoning it");
            if let Some(t) = self.task.take() {
                t.abort();
            }
            true
        }
    }
}

/// When the loop must wake up besides input: the next tick, the next frame.
#[derive(Debug, Clone, Copy)]
struct Wake {
    tick: Option<Instant>,
    draw: Option<Instant>,
}

/// What woke the loop, when it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woke {
    Tick,
    /// The engine did not stop in time even after being cancelled: leave without it.
    PastDeadline,
    Other,
}

fn input_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        _ => None,
    }
}

/// The next report of the login task; pending while there is none.
async fn login_recv(login: &mut Option<LoginTask>) -> Option<LoginEvent> {
    match login {
        Some(l) => l.events.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_opt(rx: &mut Option<mpsc::Receiver<SyncEvent>>) -> Option<SyncEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The answer of the engine being started; pending while none is.
async fn join_opt<T>(starting: &mut Option<JoinHandle<T>>) -> Result<T, tokio::task::JoinError> {
    match starting {
        Some(h) => h.await,
        None => std::future::pending().await,
    }
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
