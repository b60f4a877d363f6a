//! End to end against the Baidu simulator's faults: throttling, 5xx, dropped connections
//! and cut bodies are retried (counted in the request log) and lose nothing; a fault that
//! persists fails only its kind and region.

mod baidu_support;

use baidu_support::{drain, provider, sim};
use multicloud_sdk::ErrorKind;
use multicloud_testkit::Trigger;

#[tokio::test]
async fn throttling_and_server_errors_are_retried_to_success() {
    let cloud = sim(14, 2, 5).await;
    let p = provider(&cloud, "admin", 3);
    cloud
        .faults()
        .on("bcc:ListInstances")
        .throttle(Trigger::first(2));
    let (hosts, err) = drain(&p, "host", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    let expected = cloud.inventory().hosts_in("bj").len();
    assert_eq!(hosts.len(), expected);
    // Each throttled attempt was sent again: two extra requests, nothing lost.
    assert_eq!(
        cloud.count("bcc:ListInstances"),
        expected.div_ceil(3).max(1) + 2
    );

    cloud
        .faults()
        .on("scs:ListInstances")
        .server_error(Trigger::first(1));
    let (items, err) = drain(&p, "scs.instance", Some("gz")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        items.len(),
        cloud
            .inventory()
            .resources_in("scs", "instance", "gz")
            .len()
    );
}

#[tokio::test]
async fn dropped_connections_and_cut_bodies_are_retried() {
    let cloud = sim(4, 2, 5).await;
    let p = provider(&cloud, "admin", 2);
    cloud
        .faults()
        .on("rds:ListInstances")
        .drop_connection(Trigger::first(1));
    let (items, err) = drain(&p, "rds.instance", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        items.len(),
        cloud
            .inventory()
            .resources_in("rds", "instance", "bj")
            .len()
    );
    cloud
        .faults()
        .on("blb:DescribeLoadBalancers")
        .truncate_body(Trigger::first(1));
    let (items, err) = drain(&p, "blb.blb", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        items.len(),
        cloud.inventory().resources_in("blb", "blb", "bj").len()
    );
}

#[tokio::test]
async fn persistent_throttling_fails_only_its_kind() {
    let cloud = sim(4, 2, 3).await;
    let p = provider(&cloud, "admin", 1000);
    cloud
        .faults()
        .on("kafka:ListClusters")
        .throttle(Trigger::every(1));
    let (_, err) = drain(&p, "kafka.cluster", Some("bj")).await;
    let err = err.expect("throttled to the end");
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.code(), Some("RequestRateLimitExceeded"));
    // The retry budget of the test provider: three attempts.
    assert_eq!(cloud.count("kafka:ListClusters"), 3);
    let (items, err) = drain(&p, "mongodb.instance", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        items.len(),
        cloud
            .inventory()
            .resources_in("mongodb", "instance", "bj")
            .len()
    );
}
