//! Logging in from the terminal app: `a` when not connected, the login screen's keys, the login
//! task's reports, and what the screen shows (80×24, a fixed URL).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::spotify::auth::AuthError;
use spotsync::tui::app::{Action, App, EngineFailure, EngineState, Msg, NoticeLevel, Overlay};
use spotsync::tui::panes::login::{LoginCommand, LoginEvent, LoginStage, no_auth_text};

use crate::fixtures::*;

const URL: &str = "https://accounts.spotify.com/authorize?response_type=code&client_id=\
0123456789abcdef0123456789abcdef&redirect_uri=http%3A%2F%2F127.0.0.1%3A8888%2Fcallback&scope=\
user-library-read+playlist-read-private+playlist-read-collaborative+user-read-recently-played&\
state=Zm9vYmFyYmF6cXV4&code_challenge_method=S256&code_challenge=\
E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM-END";

fn not_connected() -> App {
    let mut s = setup();
    s.locations.log_file = Some("/home/me/.local/state/spotsync/logs/spotsync.log".into());
    let mut app = idle_with(s);
    app.update(Msg::EngineFailed(EngineFailure::NoAuth(no_auth_text(
        &AuthError::NoToken,
    ))));
    app
}

fn ready() -> Msg {
    Msg::Login(LoginEvent::Ready {
        authorize_url: URL.into(),
        redirect_uri: "http://127.0.0.1:8888/callback".into(),
        ssh_hint: Some("ssh -L 8888:127.0.0.1:8888 me@homeserver".into()),
        listen_problem: None,
    })
}

fn waiting() -> App {
    let mut app = not_connected();
    assert_eq!(
        app.update(key('a')),
        Some(Action::Login(LoginCommand::Start))
    );
    app.update(ready());
    app
}

fn stage(app: &App) -> LoginStage {
    app.login()
        .expect("the login screen is open")
        .stage()
        .clone()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(app.update(key(c)), None, "typing {c:?}");
    }
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    t.backend().to_string()
}

#[test]
fn the_texts_without_a_usable_token_offer_the_a_key() {
    for e in [
        AuthError::NoToken,
        AuthError::InvalidGrant("invalid_grant: Refresh token revoked".into()),
        AuthError::TokenFile("the token file /x/token.json is damaged (eof)".into()),
    ] {
        let t = no_auth_text(&e);
        assert!(t.contains("press a to log in"), "{t}");
    }
    assert!(
        no_auth_text(&AuthError::TokenFile("the token file /x is damaged".into()))
            .starts_with("The token file /x is damaged")
    );
    let s = screen(&not_connected());
    assert!(
        s.contains("a log in to Spotify"),
        "the key hints offer a:\n{s}"
    );
}

#[test]
fn a_opens_the_login_only_when_not_connected() {
    let mut app = idle();
    assert_eq!(app.update(key('a')), None);
    assert_eq!(app.overlay(), Overlay::None);
    assert!(app.notice().unwrap().text.contains("Already connected"));

    let mut app = idle();
    app.update(Msg::EngineFailed(EngineFailure::Start(
        "another spotsync is using /x.db".into(),
    )));
    assert_eq!(app.update(key('a')), None);
    assert_eq!(app.overlay(), Overlay::None);

    let mut app = not_connected();
    assert_eq!(
        app.update(key('a')),
        Some(Action::Login(LoginCommand::Start))
    );
    assert_eq!(app.overlay(), Overlay::Login);
    assert_eq!(stage(&app), LoginStage::Starting);
    app.update(ready());
    assert_eq!(stage(&app), LoginStage::Waiting);
    assert_eq!(app.login().unwrap().authorize_url(), Some(URL));
}

#[test]
fn typed_keys_go_to_the_input_and_enter_hands_the_url_over() {
    let mut app = waiting();
    // Keys that mean something on the main screen are text here.
    type_text(&mut app, "qsx");
    assert_eq!(app.update(code(KeyCode::Backspace)), None);
    assert_eq!(app.login().unwrap().input(), "qs");
    assert!(!app.is_quitting());
    assert_eq!(app.update(ctrl('u')), None);
    assert_eq!(app.login().unwrap().input(), "");
    // Enter with nothing pasted explains.
    assert_eq!(app.update(code(KeyCode::Enter)), None);
    assert!(app.login().unwrap().problem().is_some());

    let pasted = "http://127.0.0.1:8888/callback?code=abc&state=Zm9vYmFyYmF6cXV4";
    type_text(&mut app, &format!(" {pasted} "));
    assert_eq!(
        app.update(code(KeyCode::Enter)),
        Some(Action::Login(LoginCommand::Paste(pasted.into())))
    );
    assert_eq!(stage(&app), LoginStage::Exchanging);
    assert!(app.login().unwrap().input().is_empty());
}

#[test]
fn a_refused_paste_can_be_pasted_again() {
    let mut app = waiting();
    type_text(&mut app, "hello");
    app.update(code(KeyCode::Enter));
    app.update(Msg::Login(LoginEvent::NotARedirect(
        "That is not the redirected URL: no code".into(),
    )));
    assert_eq!(stage(&app), LoginStage::Waiting);
    assert!(screen(&app).contains("That is not the redirected URL"));
    type_text(&mut app, "x");
    assert_eq!(app.login().unwrap().input(), "x");
}

#[test]
fn esc_cancels_the_login_and_later_reports_are_ignored() {
    let mut app = waiting();
    assert_eq!(
        app.update(code(KeyCode::Esc)),
        Some(Action::Login(LoginCommand::Cancel))
    );
    assert_eq!(app.overlay(), Overlay::None);
    assert!(app.login().is_none());
    assert!(matches!(app.engine(), EngineState::NoAuth(_)));
    assert_eq!(app.update(Msg::Login(LoginEvent::Exchanging)), None);
    assert!(app.login().is_none());
    assert_eq!(app.overlay(), Overlay::None);
}

#[test]
fn connected_closes_the_screen_and_starts_the_engine() {
    let mut app = waiting();
    app.update(Msg::Login(LoginEvent::Exchanging));
    assert_eq!(stage(&app), LoginStage::Exchanging);
    assert_eq!(
        app.update(Msg::Login(LoginEvent::Connected {
            user: "Test User".into()
        })),
        Some(Action::StartEngine)
    );
    assert_eq!(app.overlay(), Overlay::None);
    assert_eq!(app.engine(), &EngineState::Ready);
    let n = app.notice().cloned().unwrap();
    assert_eq!(n.level, NoticeLevel::Info);
    assert!(
        n.text.contains("Connected to Spotify as Test User"),
        "{}",
        n.text
    );
    // Now the start keys drive the engine.
    assert!(matches!(app.update(key('s')), Some(Action::Send(_))));
}

#[test]
fn a_saved_token_that_cannot_be_used_says_so_and_offers_the_login_again() {
    let mut app = waiting();
    app.update(Msg::Login(LoginEvent::Connected { user: "me".into() }));
    let e = AuthError::TokenFile("the token file /x/token.json is damaged (eof)".into());
    app.update(Msg::EngineFailed(EngineFailure::Token {
        what_to_do: no_auth_text(&e),
        error: e.to_string(),
    }));
    assert!(matches!(app.engine(), EngineState::NoAuth(_)));
    let n = app.notice().cloned().unwrap();
    assert_eq!(n.level, NoticeLevel::Error);
    assert!(
        n.text
            .starts_with("Logged in, but the saved token cannot be used: "),
        "{}",
        n.text
    );
    assert_eq!(
        app.update(key('a')),
        Some(Action::Login(LoginCommand::Start))
    );
}

#[test]
fn a_failure_is_shown_and_enter_tries_again() {
    let mut app = waiting();
    app.update(Msg::Login(LoginEvent::Failed(
        "refused: the redirected URL does not belong to this login".into(),
    )));
    assert!(matches!(stage(&app), LoginStage::Failed(_)));
    let s = screen(&app);
    assert!(s.contains("does not belong to this login"), "{s}");
    // Typing does nothing until a new login starts.
    assert_eq!(app.update(key('x')), None);
    assert_eq!(
        app.update(code(KeyCode::Enter)),
        Some(Action::Login(LoginCommand::Start))
    );
    assert_eq!(stage(&app), LoginStage::Starting);
}

#[test]
fn without_a_client_id_the_setup_guide_is_shown() {
    let mut app = not_connected();
    app.update(key('a'));
    let guide = spotsync::config::setup_guide(
        std::path::Path::new("/home/me/.config/spotsync/config.toml"),
        "http://127.0.0.1:8888/callback",
    );
    app.update(Msg::Login(LoginEvent::SetupNeeded(guide)));
    assert!(matches!(stage(&app), LoginStage::Setup(_)));
    let s = screen(&app);
    assert!(s.contains("spotsync auth --client-id"), "{s}");
    assert!(s.contains("developer.spotify.com/dashboard"), "{s}");
    insta::assert_snapshot!("login_setup_80x24", s);
}

#[test]
fn ctrl_c_still_quits_from_the_login_screen() {
    let mut app = waiting();
    let msg = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(app.update(msg), Some(Action::Quit));
}

#[test]
fn login_screen_shows_the_whole_link_the_ssh_line_and_the_input() {
    let mut app = waiting();
    type_text(&mut app, "http://127.0.0.1:8888/callback?code=");
    let s = screen(&app);
    // The link wraps: joined back, every character is there.
    let joined: String = s.lines().map(|l| l.trim_matches('"').trim_end()).collect();
    let compact: String = joined.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains(URL), "the link is cut:\n{s}");
    assert!(
        s.contains("ssh -L 8888:127.0.0.1:8888 me@homeserver"),
        "{s}"
    );
    assert!(s.contains("spotsync.log"), "{s}");
    assert!(
        s.contains("Redirected URL: http://127.0.0.1:8888/callback?code="),
        "{s}"
    );
    insta::assert_snapshot!("login_waiting_80x24", s);
}

#[test]
fn a_refused_token_during_a_run_offers_the_login() {
    use spotsync::sync::{ErrorKind, RunKind, RunStatus, SyncEvent};
    let mut app = idle();
    app.update(key('s'));
    app.update(ev(
        SyncEvent::Error {
            kind: ErrorKind::Auth,
            message: "Spotify refused the stored authorization (invalid_grant)".into(),
        },
        1,
    ));
    assert!(matches!(app.engine(), EngineState::NoAuth(_)));
    let mut failed = run(3, RunKind::Incremental, RunStatus::Failed, 0, 1);
    failed.error = Some("Spotify refused the stored authorization".into());
    app.update(ev(SyncEvent::RunFinished { run: failed }, 2));
    let n = app.notice().cloned().unwrap();
    assert!(
        n.text.starts_with("Sync stopped: press a to log in again"),
        "{}",
        n.text
    );
    // s explains instead of sending a command the dead token cannot carry out.
    assert_eq!(app.update(key('s')), None);
    assert_eq!(
        app.update(key('a')),
        Some(Action::Login(LoginCommand::Start))
    );
    assert_eq!(app.overlay(), Overlay::Login);
    assert_eq!(
        app.update(Msg::Login(LoginEvent::Connected { user: "me".into() })),
        Some(Action::StartEngine)
    );
    assert_eq!(app.engine(), &EngineState::Ready);
}
