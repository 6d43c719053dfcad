//! SQLite: open (WAL, foreign keys, busy timeout, one-writer lock), append-only migrations, and
//! the queries of every phase (issue 3). The schema is a public interface: see the README.
