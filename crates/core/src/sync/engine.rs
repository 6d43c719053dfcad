//! The engine task: its parts and the loop. It idles until a command, then runs (a sync, or a
//! probe) with its parts lent to the run ([`Link`]); how a run goes is `super::runner`, what
//! each phase does is `super::phases`.

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::events::{LimitReason, SyncCommand, SyncEvent};
use super::link::{Control, Db, Events, Link, Requester};
use super::{probe, runner};
use crate::settings::SyncConfig;
use crate::spotify::SpotifyClient;
use crate::store::Store;

pub(crate) struct Engine {
    db: Db,
    events: Events,
    control: Control,
    requester: Requester,
    config: SyncConfig,
}

impl Engine {
    /// A new engine over an open store. `initial_hold` is the persisted hold, if any.
    pub(crate) fn new(
        store: Store,
        initial_hold: Option<(DateTime<Utc>, LimitReason)>,
        client: SpotifyClient,
        config: SyncConfig,
        events: mpsc::Sender<SyncEvent>,
        commands: mpsc::Receiver<SyncCommand>,
        cancel: CancellationToken,
    ) -> Engine {
        Engine {
            db: Db::new(store),
            events: Events::new(events),
            control: Control::new(commands, cancel),
            requester: Requester::new(client, &config, initial_hold),
            config,
        }
    }

    /// Idle until a command; run; repeat until shutdown.
    pub(crate) async fn main_loop(mut self) {
        while let Some(cmd) = self.control.idle().await {
            match cmd {
                SyncCommand::Shutdown => break,
                SyncCommand::SetMaxWait(d) => self.control.set_max_wait(d),
                SyncCommand::Start { mode, only } => {
                    let (link, config) = self.lend();
                    runner::run(link, config, mode, only).await;
                    if self.control.ending() {
                        break;
                    }
                }
                SyncCommand::Probe { only } => {
                    let (link, config) = self.lend();
                    probe::probe(link, config, &only).await;
                }
                SyncCommand::Pause
                | SyncCommand::Resume
                | SyncCommand::Cancel
                | SyncCommand::PollPlays => {}
            }
        }
    }

    /// The parts lent to a run, and the settings it runs by.
    fn lend(&mut self) -> (Link<'_>, &SyncConfig) {
        let link = Link::new(
            &mut self.requester,
            &mut self.control,
            &self.db,
            &self.events,
        );
        (link, &self.config)
    }
}
