//! `spotsync restore` against the simulator over real HTTP, with the real binary: the plan of a
//! staged loss, its apply, reruns that write nothing, `--as-of`, kills at every phase of an
//! apply, a small daily quota with a listener playing, and a token without the write scopes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "restore/as_of.rs"]
mod as_of;
#[path = "cli/common.rs"]
mod common;
#[path = "restore/compare.rs"]
mod compare;
#[path = "restore/kill.rs"]
mod kill;
#[path = "restore/kit.rs"]
mod kit;
#[path = "restore/loss.rs"]
mod loss;
#[path = "restore/quota.rs"]
mod quota;
#[path = "restore/scope.rs"]
mod scope;
