//! The full-screen terminal app and `spotsync demo` (issue 4).

use color_eyre::eyre::{Result, eyre};

use crate::cli::{DemoArgs, GlobalArgs};

/// `spotsync` with no subcommand.
pub async fn run_tui(_global: &GlobalArgs) -> Result<i32> {
    Err(eyre!("the terminal app is not available yet"))
}

/// `spotsync demo`.
pub async fn run_demo(_global: &GlobalArgs, _args: &DemoArgs) -> Result<i32> {
    Err(eyre!("`spotsync demo` is not available yet"))
}
