//! `spotsync restore`: read the account, show the plan (the diff, the write requests, the
//! quota and the ETA), and with `--apply` write it; progress on stderr, the plan on stdout (one
//! JSON object with `--json`), documented exit codes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use spotsync_core::restore::{Kind, RestorePlan, Selection, words};
use spotsync_core::sync::{ErrorKind, RestoreRequest, RunStatus, SyncCommand, SyncEvent};

use super::export::parse_as_of;
use super::signals::StopSignals;
use super::*;
use crate::cli::{GlobalArgs, RestoreArgs, RestoreWhat};
use crate::exit;

/// The selection the command line asks for.
pub fn selection(args: &RestoreArgs) -> Selection {
    let kinds: Vec<Kind> = if args.what.is_empty() {
        Kind::ALL.to_vec()
    } else {
        Kind::ALL
            .into_iter()
            .filter(|k| {
                args.what.iter().any(|w| {
                    *k == match w {
                        RestoreWhat::Liked => Kind::Liked,
                        RestoreWhat::Playlists => Kind::Playlists,
                        RestoreWhat::Albums => Kind::Albums,
                        RestoreWhat::Shows => Kind::Shows,
                        RestoreWhat::Episodes => Kind::Episodes,
                        RestoreWhat::Audiobooks => Kind::Audiobooks,
                        RestoreWhat::Artists => Kind::Artists,
                    }
                })
            })
            .collect()
    };
    Selection {
        kinds,
        playlists: args.playlists.clone(),
        remove_extra: args.remove_extra,
        as_copy: args.as_copy,
        exact_order: args.exact_order,
        from: args.from.clone(),
    }
}

/// The database of the account a household restore reads (`--from`), or why not (on stderr,
/// with the exit code): the same account as the one written, an unknown account, or one never
/// mirrored.
fn source_db(paths: &crate::config::Paths, from: &str) -> std::result::Result<PathBuf, i32> {
    use crate::config::accounts::{AccountFiles, discover};
    if from == paths.account {
        errln!(
            "spotsync: restore --from {from} into account {from}: the same account; name another              with --to (without --from a restore puts an account's own library back)"
        );
        return Err(exit::USAGE);
    }
    let files = AccountFiles::of(&paths.data_dir, from);
    if !files.exists() {
        let known = discover(&paths.data_dir)
            .map(|a| a.into_iter().map(|a| a.name).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        errln!(
            "spotsync: no account {from} to restore from (accounts: {}); `spotsync accounts`              lists them",
            if known.is_empty() { "none yet" } else { &known }
        );
        return Err(exit::USAGE);
    }
    let mirrored = spotsync_core::store::Reader::open(&files.db)
        .map_err(|e| e.to_string())
        .and_then(|r| match r {
            Some(r) => r.sql().first_complete_mirror().map_err(|e| e.to_string()),
            None => Ok(None),
        });
    match mirrored {
        Ok(Some(_)) => Ok(files.db),
        Ok(None) => {
            errln!(
                "spotsync: account {from} has no complete mirror to restore from ({}): run                  `spotsync --account {from} sync` first",
                files.db.display()
            );
            Err(exit::ERROR)
        }
        Err(e) => {
            errln!("spotsync: cannot read the mirror of account {from}: {e}");
            Err(exit::ERROR)
        }
    }
}

/// `spotsync restore`.
pub async fn run(global: &GlobalArgs, args: &RestoreArgs) -> Result<i32> {
    let as_of = match args.as_of.as_deref().map(parse_as_of).transpose() {
        Ok(a) => a,
        Err(e) => {
            errln!("spotsync: {e}");
            return Ok(exit::USAGE);
        }
    };
    // `--to NAME` names the account written, as `--account NAME` does.
    let global = &GlobalArgs {
        account: args.to.clone().or_else(|| global.account.clone()),
        ..global.clone()
    };
    let (paths, config) = super::setup_existing(global)?;
    let from_db = match args
        .from
        .as_deref()
        .map(|a| source_db(&paths, a))
        .transpose()
    {
        Ok(db) => db,
        Err(code) => return Ok(code),
    };
    let _log = crate::logging::init(&paths.log_dir, false);
    let mut handle = match start_engine(global, &paths, &config, |p| {
        format!(
            "another spotsync is using {} right now (the daemon or a sync); stop it or wait for \
             it, then run the restore",
            p.display()
        )
    })
    .await
    {
        Ok(h) => h,
        Err(code) => return Ok(code),
    };
    let request = RestoreRequest {
        as_of,
        selection: selection(args),
        apply: args.apply,
        from_db: from_db.clone(),
    };
    if send(&handle, SyncCommand::SetMaxWait(Some(args.max_wait))).await {
        send(&handle, SyncCommand::Restore(request)).await;
    }
    // Names of the items planned: from the account written, else the one restored from.
    let dbs = std::iter::once(paths.db.clone()).chain(from_db).collect();
    let mut follow = Follow::new(args.json, dbs, paths.command("auth --write"));
    let mut signals = StopSignals::new();
    let mut interrupted = false;
    loop {
        let Some(ev) = signals
            .next_event(
                &mut handle,
                &mut interrupted,
                "every write is journaled, rerun to go on",
            )
            .await
        else {
            break;
        };
        if follow.on_event(ev).await {
            send(&handle, SyncCommand::Shutdown).await;
        }
    }
    Ok(finish_followed(handle, follow.code, interrupted).await)
}

/// What following a restore's events has seen.
struct Follow {
    json: bool,
    dbs: Vec<PathBuf>,
    /// How to grant this account the write scopes.
    auth_write: String,
    plan: Option<Box<RestorePlan>>,
    auth_error: bool,
    code: Option<i32>,
    last_line: Instant,
}

impl Follow {
    fn new(json: bool, dbs: Vec<PathBuf>, auth_write: String) -> Follow {
        Follow {
            json,
            dbs,
            auth_write,
            plan: None,
            auth_error: false,
            code: None,
            last_line: Instant::now() - Duration::from_secs(10),
        }
    }

    /// Take in one event; true when the restore is over.
    async fn on_event(&mut self, ev: SyncEvent) -> bool {
        let throttled = matches!(ev, SyncEvent::BatchCommitted { .. });
        if !throttled || self.last_line.elapsed() >= Duration::from_secs(1) {
            if let Some(line) = describe_event(&ev) {
                errln!("{}", self.for_account(&line));
            }
            if throttled {
                self.last_line = Instant::now();
            }
        }
        match ev {
            SyncEvent::Error {
                kind: ErrorKind::Auth,
                ..
            } => self.auth_error = true,
            SyncEvent::RestorePlanned { plan } => {
                if !self.json {
                    print_plan(&plan, self.dbs.clone()).await;
                }
                self.plan = Some(plan);
            }
            SyncEvent::RestoreFinished {
                restore_id,
                done,
                status,
                writes,
                left,
                error,
                unavailable,
            } => {
                let outcome = serde_json::json!({
                    "restore_id": restore_id, "done": done, "status": status,
                    "writes": writes, "left": left, "error": error,
                    "unavailable": unavailable,
                });
                self.finished(outcome, status, done, &unavailable, error.as_deref());
                return true;
            }
            _ => {}
        }
        false
    }

    /// The engine's words with the way to grant this account the write scopes.
    fn for_account(&self, words: &str) -> String {
        words.replace("`spotsync auth --write`", &format!("`{}`", self.auth_write))
    }

    fn finished(
        &mut self,
        outcome: serde_json::Value,
        status: RunStatus,
        done: bool,
        unavailable: &[String],
        error: Option<&str>,
    ) {
        if self.json {
            let all = serde_json::json!({ "plan": self.plan, "outcome": outcome });
            outln!("{all}");
        }
        for u in unavailable {
            errln!("not restored: {u} (Spotify no longer has it)");
        }
        match error {
            Some(e) => errln!("restore: {}", self.for_account(e)),
            None if done => errln!("restore: the account equals the target"),
            None => {}
        }
        self.code = Some(exit_code_for(status, self.auth_error));
    }
}

/// The plan for people on stdout, with the names of the items it lists.
async fn print_plan(plan: &RestorePlan, dbs: Vec<PathBuf>) {
    let ids: Vec<String> = plan
        .diff
        .lists
        .iter()
        .flat_map(|l| {
            l.add
                .iter()
                .take(5)
                .map(|s| s.id.clone())
                .chain(l.remove.iter().take(5).cloned())
        })
        .collect();
    let names = blocking(move || {
        let mut out = HashMap::new();
        for db in dbs {
            if let Some(reader) = spotsync_core::store::Reader::open(&db)? {
                for id in &ids {
                    if out.contains_key(id) {
                        continue;
                    }
                    if let Some(n) = reader.sql().item_words(id)? {
                        out.insert(id.clone(), n);
                    }
                }
            }
        }
        Ok(out)
    })
    .await
    .unwrap_or_default();
    for line in words::plan_lines(plan, &|id| names.get(id).cloned()) {
        outln!("{line}");
    }
}
