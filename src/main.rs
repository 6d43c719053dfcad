use clap::Parser;

use spotsync::cli::{Cli, Command};
use spotsync::{exit, simulator, spotify, sync, tui};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        eprintln!("spotsync: {e}");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("spotsync: cannot start the async runtime: {e}");
            std::process::exit(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        let g = &cli.global;
        match &cli.command {
            None => tui::run_tui(g).await,
            Some(Command::Demo(a)) => tui::run_demo(g, a).await,
            Some(Command::Sync(a)) => sync::cli::run_sync(g, a).await,
            Some(Command::Status(a)) => sync::cli::run_status(g, a).await,
            Some(Command::History(a)) => sync::cli::run_history(g, a).await,
            Some(Command::Changes(a)) => sync::cli::run_changes(g, a).await,
            Some(Command::Daemon(a)) => sync::cli::run_daemon(g, a).await,
            Some(Command::Auth(a)) => spotify::auth::run_auth(g, a).await,
            Some(Command::Logout) => spotify::auth::run_logout(g).await,
            Some(Command::Simulate(a)) => simulator::run_simulate(a).await,
        }
    });
    // Background tasks (engine, simulator) are stopped by their owners before this point;
    // dropping the runtime must not hang on a stray blocking task.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("spotsync: {e:#}");
            std::process::exit(exit::ERROR);
        }
    }
}
