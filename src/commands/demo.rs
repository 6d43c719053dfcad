//! `spotsync demo`: the terminal app against a simulated Spotify and a throwaway database.

use color_eyre::eyre::Result;

use crate::cli::{DemoArgs, GlobalArgs};

pub async fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<i32> {
    crate::tui::run_demo(global, args).await
}
