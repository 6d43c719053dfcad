//! `spotsync import` of Spotify's data export, through the real binary on real SQLite files: the
//! file formats and their quirks, real exports people published, the merge with plays polled
//! from the simulator over HTTP, gaps, idempotence, kills and signals, malformed and hostile
//! files, and personal data kept out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "import/common.rs"]
mod common;
#[path = "import/formats.rs"]
mod formats;
#[path = "import/gen.rs"]
mod generate;
#[path = "import/hostile.rs"]
mod hostile;
#[path = "import/merge.rs"]
mod merge;
#[path = "import/real.rs"]
mod real;
#[path = "shared/real_exports.rs"]
mod real_exports;
#[path = "import/real_folders.rs"]
mod real_folders;
#[path = "import/safety.rs"]
mod safety;
#[path = "import/shown.rs"]
mod shown;
