//! CTyun `verify` end to end against the simulator: a good key, the onboarding FAQ's three
//! causes (a missing permission, an expired or unknown key, an edition that does not match the
//! key) each with its own diagnosis, partial grants with the policies to grant per scope, and
//! secrets kept out of Debug and errors.

mod ctyun_support;

use ctyun_support::{builder, key, provider, sim};
use multicloud_sdk::ctyun::{grant_advice, CTIAM_VIEWER};
use multicloud_sdk::{
    AccessKey, CloudProvider, CredentialStatus, Domain, ErrorKind, Feature, FeatureStatus,
    KindFeature, StandardFeature,
};
use multicloud_testkit::ctyun::DEMO_ACCOUNT_ID;
use multicloud_testkit::{Permissions, SimKey};

const BOTH: [&dyn Feature; 2] = [&StandardFeature::Host, &StandardFeature::Cspm];

fn invalid(status: &CredentialStatus) -> (ErrorKind, Option<String>, String) {
    match status {
        CredentialStatus::Invalid {
            kind,
            code,
            diagnosis,
        } => (*kind, code.clone(), diagnosis.clone()),
        other => panic!("expected an invalid credential, got {other:?}"),
    }
}

/// A key of the demo account holding only `permissions`.
fn limited_key(
    cloud: &multicloud_testkit::SimCloud,
    ak: &str,
    permissions: Permissions,
) -> AccessKey {
    let key = SimKey::new(ak, "e2e-secret-0123456789abcdef0123", DEMO_ACCOUNT_ID)
        .with_domain(Domain::China)
        .with_permissions(permissions);
    let access = key.access_key();
    cloud.keys().insert(key);
    access
}

#[tokio::test]
async fn an_admin_key_is_valid_and_every_kind_is_granted() {
    let cloud = sim(6, 2, 2).await;
    let report = provider(&cloud, "admin").verify(&BOTH).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert!(report.is_ready(), "{report:#?}");
    assert_eq!(report.kinds.len(), 7, "host and the six products");
    assert_eq!(grant_advice(&report), None);
    // One probe per kind, each in one pool; the identity call and the probe pool's lookup.
    for action in [
        "ecs:ListInstances",
        "kafka:QueryInstances",
        "dcs:DescribeInstances",
        "zos:ListBuckets",
        "rocketmq:ListInstances",
        "elb:ListLoadBalancer",
        "ebs:ListEbs",
    ] {
        assert_eq!(cloud.count(action), 1, "{action}");
    }
    assert_eq!(
        cloud.count("region:ListRegions"),
        1,
        "the probes reuse the identity call's pools"
    );
}

#[tokio::test]
async fn a_key_of_the_other_edition_names_the_edition_and_stops() {
    let cloud = sim(2, 1, 1).await;
    // A key created in the International edition, used as if it were a Chinese one.
    let p = builder(&cloud, key(&cloud, "intl"), Domain::China)
        .build()
        .unwrap();
    let report = p.verify(&BOTH).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("CTAPI_10002"));
    assert!(diagnosis.contains("edition mismatch"), "{diagnosis}");
    assert!(diagnosis.contains("International edition"), "{diagnosis}");
    assert!(
        diagnosis.contains("with_domain(Domain::International)"),
        "{diagnosis}"
    );
    assert!(diagnosis.contains("cannot tell"), "{diagnosis}");
    assert!(!report.is_ready());
    // The refused identity call is the only request: nothing is probed, nothing retried.
    assert_eq!(cloud.requests().len(), 1);
    assert!(report.kinds.iter().all(|k| matches!(
        &k.read,
        multicloud_sdk::Access::Failed { kind: ErrorKind::InvalidCredential, message }
            if message.contains("not probed")
    )));
    // Chosen as International, the diagnosis points back at the Chinese edition.
    let p = builder(
        &cloud,
        AccessKey::new("unknown-ak-0000000000000000000000", "x"),
        Domain::International,
    )
    .build()
    .unwrap();
    let (_, _, diagnosis) = invalid(&p.verify(&BOTH).await.unwrap().credential);
    assert!(
        diagnosis.contains("with_domain(Domain::China)"),
        "{diagnosis}"
    );
}

#[tokio::test]
async fn a_disabled_key_is_refused_with_its_causes() {
    let cloud = sim(2, 1, 1).await;
    let report = provider(&cloud, "disabled").verify(&BOTH).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("CTAPI_10002"));
    assert!(diagnosis.contains("disabled or has expired"), "{diagnosis}");
    assert_eq!(
        cloud.requests().len(),
        1,
        "an auth failure is never retried"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_a_signature_failure_not_an_edition_problem() {
    let cloud = sim(2, 1, 1).await;
    let admin = key(&cloud, "admin");
    let wrong = AccessKey::new(admin.id(), "0000000000000000000000000000wrong");
    let report = builder(&cloud, wrong, Domain::China)
        .build()
        .unwrap()
        .verify(&BOTH)
        .await
        .unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("CTAPI_10009"));
    assert!(diagnosis.contains("SecurityKey"), "{diagnosis}");
    assert!(!diagnosis.contains("edition mismatch"), "{diagnosis}");
    assert_eq!(cloud.requests().len(), 1);
}

#[tokio::test]
async fn a_partly_granted_key_names_what_it_lacks_per_scope() {
    let cloud = sim(4, 2, 2).await;
    // The read-only demo key: ECS and regions only.
    let report = provider(&cloud, "readonly").verify(&BOTH).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(
        report.feature(&StandardFeature::Host),
        Some(&FeatureStatus::Ok)
    );
    let Some(FeatureStatus::Missing {
        allowed_actions,
        denied_actions,
        grant,
        denied_kinds,
    }) = report.feature(&StandardFeature::Cspm)
    else {
        panic!("cspm is partly granted: {report:#?}");
    };
    assert_eq!(allowed_actions, &["ecs:ListInstances"]);
    assert_eq!(denied_actions.len(), 6, "{denied_actions:?}");
    assert_eq!(
        grant,
        &[
            "KAFKA viewer",
            "Distributed Cache Redis Viewer",
            "zos viewer",
            "RocketMQ-MQ2 viewer",
            "elb admin",
            "ebs viewer"
        ]
    );
    assert_eq!(denied_kinds.len(), 6);
    assert!(!report.is_valid_but_empty());
    let advice = grant_advice(&report).unwrap();
    assert!(
        advice.contains(
            "resource-pool scope: KAFKA viewer, Distributed Cache Redis Viewer, RocketMQ-MQ2 viewer, elb admin, ebs viewer"
        ),
        "{advice}"
    );
    assert!(
        advice.contains("separate operation, grant at global scope: zos viewer"),
        "{advice}"
    );
    assert!(advice.contains(CTIAM_VIEWER), "{advice}");
}

#[tokio::test]
async fn one_denied_product_never_hides_the_others() {
    let cloud = sim(4, 2, 2).await;
    let key = limited_key(
        &cloud,
        "limitedkafka00000000000000000000",
        Permissions::all_except(["kafka:*", "zos:*"]),
    );
    let report = builder(&cloud, key, Domain::China)
        .build()
        .unwrap()
        .verify(&BOTH)
        .await
        .unwrap();
    assert_eq!(report.denied_kinds(), ["ctgkafka.instance", "zos.bucket"]);
    for id in [
        "host",
        "dcs2.instance",
        "rocketmq.instance",
        "ctelb.loadbalancer",
        "ebs.disk",
    ] {
        assert_eq!(
            report.kind(id).map(|k| &k.read),
            Some(&multicloud_sdk::Access::Allowed),
            "{id}"
        );
    }
    let advice = grant_advice(&report).unwrap();
    assert!(
        advice.contains("resource-pool scope: KAFKA viewer"),
        "{advice}"
    );
    assert!(advice.contains("global scope: zos viewer"), "{advice}");
}

#[tokio::test]
async fn a_key_without_ecs_viewer_is_valid_but_empty_for_hosts() {
    let cloud = sim(4, 2, 2).await;
    let key = limited_key(
        &cloud,
        "noecs000000000000000000000000000",
        Permissions::only(["region:*", "kafka:*"]),
    );
    let report = builder(&cloud, key, Domain::China)
        .build()
        .unwrap()
        .verify(&[&StandardFeature::Host])
        .await
        .unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert!(report.is_valid_but_empty(), "{report:#?}");
    let advice = grant_advice(&report).unwrap();
    assert!(
        advice.contains("resource-pool scope: ecs viewer"),
        "{advice}"
    );
    // A feature of the user's own making is folded from the same kinds.
    let kafka = KindFeature::new("queues", ["ctgkafka.instance"]);
    let report = builder(
        &cloud,
        key_of(&cloud, "noecs000000000000000000000000000"),
        Domain::China,
    )
    .build()
    .unwrap()
    .verify(&[&kafka])
    .await
    .unwrap();
    assert_eq!(report.feature(&kafka), Some(&FeatureStatus::Ok));
}

fn key_of(cloud: &multicloud_testkit::SimCloud, ak: &str) -> AccessKey {
    cloud.keys().get(ak).expect("key").access_key()
}

#[tokio::test]
async fn a_planted_secret_never_shows_in_reports_errors_or_debug() {
    const PLANTED: &str = "PLANTED-CTYUN-SECRET-0123456789ab";
    let cloud = sim(2, 1, 1).await;
    let admin = key(&cloud, "admin");
    let p = builder(&cloud, AccessKey::new(admin.id(), PLANTED), Domain::China)
        .build()
        .unwrap();
    let report = p.verify(&BOTH).await.unwrap();
    let err = p.regions().await.unwrap_err();
    for shown in [
        format!("{p:?}"),
        format!("{report:?}"),
        format!("{err:?}"),
        err.to_string(),
        err.report(),
    ] {
        assert!(!shown.contains(PLANTED), "{shown}");
    }
}

#[tokio::test]
async fn a_refused_request_time_names_the_clock() {
    let cloud = sim(2, 1, 1).await;
    cloud
        .faults()
        .on("region:ListRegions")
        .clock_skew(multicloud_testkit::Trigger::every(1));
    let report = provider(&cloud, "admin").verify(&BOTH).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("CTAPI_10009"));
    assert!(diagnosis.contains("clock"), "{diagnosis}");
    assert_eq!(cloud.requests().len(), 1);
}

#[tokio::test]
async fn a_product_missing_from_the_first_pool_is_probed_in_the_next() {
    let cloud = sim(4, 2, 2).await;
    let first = multicloud_testkit::ctyun::region_id("cn-huadong1");
    cloud.faults().on_region("kafka:QueryInstances", first).raw_body(
        multicloud_testkit::Trigger::every(1),
        "application/json",
        r#"{"statusCode":900,"errorCode":"Openapi.RegionInfo.AccessFailed","message":"The region cannot be accessed.","description":"资源池ID不存在或无权访问"}"#,
    );
    let report = provider(&cloud, "admin").verify(&BOTH).await.unwrap();
    assert!(report.is_ready(), "{report:#?}");
    assert_eq!(
        cloud.count("kafka:QueryInstances"),
        2,
        "the first pool, then the next"
    );
}
