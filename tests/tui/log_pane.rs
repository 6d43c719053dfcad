//! The tracing layer that feeds the log pane.

use spotsync::logging::ForwardLayer;
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn events_arrive_as_one_line_each_with_their_fields() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let subscriber = tracing_subscriber::registry().with(ForwardLayer::new(tx));
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!(phase = "albums", attempt = 3, "retrying\nsoon");
        tracing::info!("plain");
    });
    let first = rx.try_recv().expect("a line");
    assert_eq!(first.level, tracing::Level::WARN);
    assert_eq!(first.message, "retrying soon phase=albums attempt=3");
    assert_eq!(rx.try_recv().expect("a second line").message, "plain");
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_full_pane_drops_lines_instead_of_blocking() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let subscriber = tracing_subscriber::registry().with(ForwardLayer::new(tx));
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..10 {
            tracing::info!("line {i}");
        }
    });
    assert_eq!(rx.try_recv().unwrap().message, "line 0");
    assert_eq!(rx.try_recv().unwrap().message, "line 1");
    assert!(rx.try_recv().is_err());
}
