//! One module per pane: its state, the methods that change it (called from `App::update`) and a
//! widget that only reads it. Panes know neither the app nor each other; what one pane shows of
//! another's state (a retry on a phase card, a gap line) is handed to its widget by `ui`.

pub mod changes;
pub mod history;
pub mod library;
pub mod limits;
pub mod log;
pub mod login;
pub mod phases;
pub mod restore;
pub mod stats;
