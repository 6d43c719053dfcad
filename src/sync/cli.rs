//! Headless commands: `sync`, `status`, `history`, `changes`, `daemon`.

use color_eyre::eyre::{Result, eyre};

use crate::cli::{ChangesArgs, DaemonArgs, GlobalArgs, HistoryArgs, StatusArgs, SyncArgs};

pub async fn run_sync(_global: &GlobalArgs, _args: &SyncArgs) -> Result<i32> {
    Err(eyre!("`spotsync sync` is not available yet"))
}

pub async fn run_status(_global: &GlobalArgs, _args: &StatusArgs) -> Result<i32> {
    Err(eyre!("`spotsync status` is not available yet"))
}

pub async fn run_history(_global: &GlobalArgs, _args: &HistoryArgs) -> Result<i32> {
    Err(eyre!("`spotsync history` is not available yet"))
}

pub async fn run_changes(_global: &GlobalArgs, _args: &ChangesArgs) -> Result<i32> {
    Err(eyre!("`spotsync changes` is not available yet"))
}

pub async fn run_daemon(_global: &GlobalArgs, _args: &DaemonArgs) -> Result<i32> {
    Err(eyre!("`spotsync daemon` is not available yet"))
}
