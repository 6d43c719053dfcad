//! `spotsync simulate`: the simulated Web API on a port, until SIGINT or SIGTERM.

use color_eyre::eyre::Result;
use spotsync_sim::{SimConfig, start};

use crate::cli::SimulateArgs;
use crate::exit;

/// `spotsync simulate`.
pub async fn run(args: &SimulateArgs) -> Result<i32> {
    let sim = start(SimConfig::new(args.sim.clone()), args.port).await?;
    // Written before the first line, so whoever reads that line finds the file complete.
    if let Some(path) = &args.export_zip {
        let e = sim.write_export_zip(path)?;
        errln!(
            "  wrote a data export to {} ({} extended history rows, {} account data rows; \
             `spotsync import {}`)",
            path.display(),
            e.extended_rows,
            e.account_rows,
            path.display()
        );
    }
    crate::output::stdout_bytes(format!("listening on http://{}\n", sim.addr).as_bytes());
    let o = &args.sim;
    errln!(
        "spotsync simulator: {} saved tracks, {} playlists, seed {}, {} mode",
        o.user_track_count(0),
        o.user_playlist_count(0),
        o.seed,
        spotsync_sim::state::mode_name(o.mode)
    );
    for u in 1..usize::from(o.users) {
        errln!(
            "  user {u}: {} saved tracks, {} playlists (token: POST __sim/token {{\"user\": {u}}}; \
             login: POST __sim/login-as {{\"user\": {u}}})",
            o.user_track_count(u),
            o.user_playlist_count(u)
        );
    }
    errln!(
        "  --api-url {} --accounts-url {}   (token: curl -X POST {}__sim/token)",
        sim.api_url(),
        sim.accounts_url(),
        sim.base_url()
    );
    wait_for_signal().await;
    errln!("spotsync simulator: stopping");
    sim.shutdown().await;
    Ok(exit::OK)
}

/// Until SIGINT or SIGTERM.
pub async fn wait_for_signal() {
    super::signals::StopSignals::new().any().await;
}
