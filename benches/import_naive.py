#!/usr/bin/env python3
"""The baseline of `cargo bench --bench import`: the loader anyone would write first.

`json.load` of each file, then one `executemany` of 13 columns into one table with one unique
key, one commit per file, SQLite's defaults otherwise. No merging, no checkpoints, no
validation: what spotsync's importer is measured against.

Usage: import_naive.py DB FILE...  (prints the rows stored on stdout)
"""

import json
import sqlite3
import sys

COLUMNS = (
    "ts",
    "ms_played",
    "platform",
    "conn_country",
    "master_metadata_track_name",
    "master_metadata_album_artist_name",
    "master_metadata_album_album_name",
    "spotify_track_uri",
    "episode_name",
    "spotify_episode_uri",
    "reason_start",
    "reason_end",
    "skipped",
)


def main() -> int:
    db, files = sys.argv[1], sys.argv[2:]
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE IF NOT EXISTS plays (%s, UNIQUE (ts, spotify_track_uri, ms_played))"
        % ", ".join(COLUMNS)
    )
    insert = "INSERT OR IGNORE INTO plays VALUES (%s)" % ", ".join("?" * len(COLUMNS))
    for path in files:
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
        con.executemany(insert, [tuple(r.get(c) for c in COLUMNS) for r in rows])
        con.commit()
    print(con.execute("SELECT COUNT(*) FROM plays").fetchone()[0])
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
