//! Issue 20's matrix, generated from each provider's kind declarations: for every kind, a
//! key granted everything but that kind's listing action must
//! - be reported by verify as denied for exactly that kind (and the kinds listed through the
//!   same action, which no policy can tell apart: Huawei's RMS types), with its policy;
//! - sync every other kind (listed and stored), and fail only that kind, keeping its
//!   previous snapshot and reporting no removal.
//!
//! A provider added later joins with one `matrix!` line.

#![cfg(all(
    feature = "aws",
    feature = "tencent",
    feature = "baidu",
    feature = "huawei"
))]

mod aws_support;
mod baidu_support;
mod ctyun_support;
mod huawei_support;
mod tencent_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use multicloud_sdk::sync::{DefaultSyncPolicy, MemoryStore, SnapshotStore, SyncEngine};
use multicloud_sdk::{
    AccessKey, CloudProvider, ErrorKind, Feature, FeatureStatus, StandardFeature,
};
use multicloud_testkit::{Permissions, SimCloud, SimKey};

const ALL: [&dyn Feature; 3] = [
    &StandardFeature::Host,
    &StandardFeature::Cspm,
    &StandardFeature::Response,
];

/// Adds a key allowed everything but `action`, with the admin key's identity.
fn key_without(cloud: &SimCloud, id: &str, action: &str) -> AccessKey {
    let admin = cloud.keys().by_label("admin").expect("admin key");
    let key = SimKey::new(
        id,
        "matrix-secret-0000000000000000000000001",
        admin.account_id.clone(),
    )
    .with_user(admin.user_name.clone(), format!("{}{id}", admin.user_id))
    .with_permissions(Permissions::all_except([action]))
    .with_domain(admin.domain);
    cloud.keys().insert(key.clone());
    key.access_key()
}

async fn run_matrix(
    cloud: &SimCloud,
    provider_for: impl Fn(AccessKey) -> Arc<dyn CloudProvider>,
    key_prefix: &str,
) {
    let admin_key = cloud.keys().by_label("admin").unwrap().access_key();
    let full = provider_for(admin_key);
    let inventory_kinds: Vec<_> = full
        .kinds_of(&ALL)
        .into_iter()
        .filter(|k| k.has_inventory())
        .collect();
    assert!(inventory_kinds.len() >= 5);
    for (n, kind) in full.kinds_of(&ALL).into_iter().enumerate() {
        let Some(action) = kind.probe_action() else {
            continue;
        };
        let key = key_without(cloud, &format!("{key_prefix}{n:04}"), action);
        let provider = provider_for(key);

        // Kinds listed through the same action (Huawei's RMS types) are denied together.
        let sharing: Vec<&str> = full
            .kinds_of(&ALL)
            .into_iter()
            .filter(|k| k.probe_action() == Some(action))
            .map(|k| k.id)
            .collect();
        // Verify: denied is exactly these kinds, with their policy.
        let report = provider.verify(&ALL).await.unwrap();
        assert_eq!(report.denied_kinds(), sharing, "{kind}: {report:#?}");
        let feature = StandardFeature::ALL
            .into_iter()
            .find(|f| kind.is_in(*f))
            .unwrap();
        match report.feature(&feature) {
            Some(FeatureStatus::Missing {
                grant,
                denied_kinds,
                ..
            }) => {
                assert_eq!(grant, &[kind.grant], "{kind}");
                assert!(denied_kinds.iter().any(|k| k == kind.id), "{kind}");
                assert!(
                    denied_kinds.iter().all(|k| sharing.contains(&k.as_str())),
                    "{kind}"
                );
            }
            other => panic!("{kind}: expected Missing, got {other:?}"),
        }
        if !kind.has_inventory() {
            continue;
        }

        // Sync: seed the store with the full key, then sync with the restricted one.
        let store: Arc<dyn SnapshotStore> = Arc::new(MemoryStore::new());
        let policy = Arc::new(DefaultSyncPolicy::default());
        let seeded = SyncEngine::builder(Arc::clone(&full), policy.clone())
            .with_store(Arc::clone(&store))
            .build()
            .unwrap();
        assert!(seeded.sync_all().await.is_complete());
        let before = seeded.inventory().await.unwrap();
        let engine = SyncEngine::builder(provider, policy)
            .with_store(Arc::clone(&store))
            .build()
            .unwrap();
        let round = engine.sync_all().await;
        let failed: BTreeSet<&str> = round.failures().map(|(_, k, _)| k).collect();
        let denied: BTreeSet<&str> = inventory_kinds
            .iter()
            .map(|k| k.id)
            .filter(|id| sharing.contains(id))
            .collect();
        assert_eq!(failed, denied, "{kind}");
        assert!(
            round
                .failures()
                .all(|(_, _, e)| e.kind() == ErrorKind::PermissionDenied),
            "{kind}"
        );
        assert_eq!(
            round.totals().removed,
            0,
            "{kind}: no removal from a denial"
        );
        // Every other kind was listed and stored again; the denied one kept its snapshot.
        let succeeded: BTreeSet<&str> = round
            .jobs
            .iter()
            .filter(|j| j.result.is_ok())
            .map(|j| j.kind.as_str())
            .collect();
        let others: BTreeSet<&str> = inventory_kinds
            .iter()
            .map(|k| k.id)
            .filter(|id| !denied.contains(id))
            .collect();
        assert_eq!(succeeded, others, "{kind}");
        let after = engine.inventory().await.unwrap();
        assert_eq!(
            after.items_of(kind.id).count(),
            before.items_of(kind.id).count(),
            "{kind}: snapshot kept"
        );
    }
}

#[tokio::test]
async fn aws_every_kind_denied_alone_is_reported_and_hides_nothing() {
    let cloud = aws_support::sim(3, 2, 1).await;
    let build = |key: AccessKey| -> Arc<dyn CloudProvider> {
        let domain = multicloud_sdk::Domain::International;
        Arc::new(aws_support::builder(&cloud, key, domain).build().unwrap())
    };
    run_matrix(&cloud, build, "AKIAMCMATRIX").await;
}

#[tokio::test]
async fn tencent_every_kind_denied_alone_is_reported_and_hides_nothing() {
    let cloud = tencent_support::sim(3, 2).await;
    let build = |key: AccessKey| -> Arc<dyn CloudProvider> {
        Arc::new(tencent_support::provider_with(&cloud, key, None))
    };
    run_matrix(&cloud, build, "AKIDMCMATRIX").await;
}

#[tokio::test]
async fn baidu_every_kind_denied_alone_is_reported_and_hides_nothing() {
    let cloud = baidu_support::sim(3, 2, 1).await;
    let build = |key: AccessKey| -> Arc<dyn CloudProvider> {
        Arc::new(baidu_support::provider_with(&cloud, key, None))
    };
    run_matrix(&cloud, build, "bcematrix").await;
}

#[tokio::test]
async fn huawei_every_kind_denied_alone_is_reported_and_hides_nothing() {
    let cloud = huawei_support::sim(3, 2, 1).await;
    let build = |key: AccessKey| -> Arc<dyn CloudProvider> {
        Arc::new(huawei_support::provider_with(&cloud, key, None))
    };
    run_matrix(&cloud, build, "HPUAMCMATRIX").await;
}

#[tokio::test]
async fn ctyun_every_kind_denied_alone_is_reported_and_hides_nothing() {
    let cloud = ctyun_support::sim(3, 2, 1).await;
    let build = |key: AccessKey| -> Arc<dyn CloudProvider> {
        let domain = multicloud_sdk::Domain::China;
        Arc::new(ctyun_support::builder(&cloud, key, domain).build().unwrap())
    };
    run_matrix(&cloud, build, "CTYMCMATRIX").await;
}
