use clap::Parser;

use spotsync::cli::{Cli, Command};
use spotsync::output::stderr_line;
use spotsync::{commands, exit, output, tui};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        stderr_line(format_args!("spotsync: {e}"));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            stderr_line(format_args!(
                "spotsync: cannot start the async runtime: {e}"
            ));
            std::process::exit(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        let g = &cli.global;
        match &cli.command {
            None => tui::run_tui(g).await,
            Some(Command::Demo(a)) => commands::demo::run(g, a).await,
            Some(Command::Sync(a)) => commands::sync::run(g, a).await,
            Some(Command::Status(a)) => commands::status::run(g, a).await,
            Some(Command::Plan(a)) => commands::plan::run(g, a).await,
            Some(Command::History(a)) => commands::history::run(g, a).await,
            Some(Command::Changes(a)) => commands::changes::run(g, a).await,
            Some(Command::Import(a)) => commands::import::run(g, a).await,
            Some(Command::Daemon(a)) => commands::daemon::run(g, a).await,
            Some(Command::Export(a)) => commands::export::run(g, a).await,
            Some(Command::Musicbrainz(a)) => commands::musicbrainz::run(g, a).await,
            Some(Command::Auth(a)) => commands::auth::run(g, a).await,
            Some(Command::Logout) => commands::auth::run_logout(g).await,
            Some(Command::Simulate(a)) => commands::simulate::run(a).await,
        }
    });
    // Background tasks (engine, simulator) are stopped by their owners before this point;
    // dropping the runtime must not hang on a stray blocking task.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    let code = match code {
        Ok(code) => code,
        Err(e) => {
            stderr_line(format_args!("spotsync: {}", commands::error_words(&e)));
            exit::ERROR
        }
    };
    std::process::exit(output::finish(code));
}
