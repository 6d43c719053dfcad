//! Starting the replay, and a full sync against it through the real binary.

use std::path::PathBuf;

use spotsync::cli::SimMode;
use spotsync::simulator::RunningSim;
use spotsync::simulator::replay::{self, Account};

use crate::common::{Env, Output};

/// The recordings, or `None` after a loud notice (a failure under CI).
pub fn recordings() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match replay::recordings_dir(&root) {
        Some(d) => Some(d),
        None => {
            let why = "real-world/api not found beside the checkout (set SPOTSYNC_REAL_WORLD)";
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!ci, "{why}; under CI this test must run, not skip");
            eprintln!("SKIPPED: the replay of the real API did not run: {why}");
            None
        }
    }
}

/// A replay in `mode`, the account it serves, and a database synced against it in full.
pub struct Synced {
    pub sim: RunningSim,
    pub account: Account,
    pub env: Env,
    pub out: Output,
}

/// Start the replay and run `spotsync sync --full` (every phase) against it.
pub async fn full_sync(mode: SimMode) -> Option<Synced> {
    let dir = recordings()?;
    let account = Account::load(&dir).expect("the recordings compose");
    let sim = replay::start(&dir, mode, 0).await.expect("replay starts");
    let env = Env::new(100_000);
    let out = env.run(&sim, &["sync", "--full", "--json"]).await;
    Some(Synced {
        sim,
        account,
        env,
        out,
    })
}

/// A value of any column as text (`None` for NULL).
fn text(v: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => None,
        V::Integer(i) => Some(i.to_string()),
        V::Real(f) => Some(f.to_string()),
        V::Text(t) | V::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// Every row of `sql`, each column as text.
pub fn rows(c: &rusqlite::Connection, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    st.query_map([], |r| {
        Ok((0..n).map(|i| text(r.get_ref_unwrap(i))).collect())
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The first column of `sql`, in order (NULLs left out).
pub fn strings(c: &rusqlite::Connection, sql: &str) -> Vec<String> {
    rows(c, sql)
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect()
}

/// The first column of `sql`, as a set.
pub fn ids(c: &rusqlite::Connection, sql: &str) -> std::collections::BTreeSet<String> {
    strings(c, sql).into_iter().collect()
}
