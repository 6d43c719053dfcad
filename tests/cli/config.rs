//! The config file as untrusted input: its size is capped, and every duration has a unit and
//! a meaning (never a silent guess or rounding).

use crate::common::*;

#[test]
fn an_endless_config_file_is_refused_in_bounded_memory() {
    let mut home = Home::new();
    home.config = "/dev/zero".into();
    // With 2 GB of address space: reading /dev/zero to its end would run out long before.
    let c = home.command_after("ulimit -v 2000000", &["status"]);
    let run = finish(c);
    assert_no_panic(&run);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("/dev/zero") && run.stderr.contains("larger than 1 MiB"),
        "{run:?}"
    );

    // A big file is refused the same way, and one just under the cap is read (and found wrong).
    home.config = home.dir.path().join("big.toml");
    std::fs::write(&home.config, vec![b'#'; 1024 * 1024 + 1]).unwrap();
    let run = home.run(&["status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("larger than 1 MiB"), "{run:?}");
    std::fs::write(&home.config, vec![b'#'; 1024 * 1024]).unwrap();
    let run = home.run(&["status"]);
    assert_eq!(run.code, Some(0), "a comment-only config is valid: {run:?}");
}

#[test]
fn a_config_duration_without_its_unit_is_refused() {
    let home = Home::new();
    home.write_config("[daemon]\nevery = \"5\"\n");
    let run = home.run(&["status"]);
    assert_no_panic(&run);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("daemon.every") && run.stderr.contains("no unit"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("\"5s\""),
        "the way out is shown: {run:?}"
    );
}

#[test]
fn a_config_interval_below_one_second_is_refused_not_rounded() {
    let home = Home::new();
    home.write_config("[daemon]\nplays_every = \"1ms\"\n");
    let run = home.run(&["status"]);
    assert_no_panic(&run);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("daemon.plays_every") && run.stderr.contains("shorter than 1s"),
        "{run:?}"
    );
    // Units humantime knows are understood as written.
    home.write_config("[daemon]\nevery = \"1h 30min\"\nplays_every = \"90s\"\n");
    let run = home.run(&["status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn duration_flags_need_their_unit_too() {
    let home = Home::new();
    for (args, words) in [
        (&["daemon", "--every", "5"][..], "no unit"),
        (&["daemon", "--plays-every", "1ms"][..], "shorter than 1s"),
        (&["sync", "--max-wait", "90"][..], "no unit"),
    ] {
        let run = home.run(args);
        assert_no_panic(&run);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(words), "{args:?}: {run:?}");
    }
}
