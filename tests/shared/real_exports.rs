//! Where the real data exports people published are: `../shared/real-world/exports` beside the
//! checkout, or the folder `SPOTSYNC_REAL_EXPORTS` names (a checkout elsewhere, as in CI).

use std::path::PathBuf;

/// The folder of real exports; fails the test, saying how to point at them, when it is absent.
pub fn real_exports() -> PathBuf {
    let dir = std::env::var_os("SPOTSYNC_REAL_EXPORTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/real-world/exports"
            ))
        });
    assert!(
        dir.is_dir(),
        "the real exports are not at {} (set SPOTSYNC_REAL_EXPORTS)",
        dir.display()
    );
    dir
}
