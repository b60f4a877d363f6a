//! Baidu AI Cloud `verify` end to end against the simulator: a good key, each
//! authentication failure class (and that none is retried or followed by probes), partial
//! grants naming exactly the missing policies, products not activated, and secrets kept out
//! of Debug and errors.

mod baidu_support;

use std::sync::Arc;
use std::time::Duration;

use baidu_support::{drain, key, provider, provider_with, sim, sim_with};
use multicloud_sdk::Access;
use multicloud_sdk::{
    AccessKey, Clock, CloudProvider, CredentialStatus, Domain, ErrorKind, Feature, FeatureStatus,
    ManualClock, StandardFeature, SystemClock, VerifyReport,
};
use multicloud_testkit::baidu::{self, BaiduSim};
use multicloud_testkit::{Permissions, SimCloud, SimKey};

const BOTH: [&dyn Feature; 2] = [&StandardFeature::Host, &StandardFeature::Cspm];
const CSPM: [&dyn Feature; 1] = [&StandardFeature::Cspm];

/// Adds a key allowed only `patterns` (simulator endpoint names, `svc:*` wildcards).
fn grant(cloud: &SimCloud, ak: &str, patterns: &[&str]) -> AccessKey {
    let sk = format!("secret-of-{ak}");
    cloud.keys().insert(
        SimKey::new(ak, sk.clone(), baidu::DEMO_ACCOUNT_ID)
            .with_domain(Domain::China)
            .with_permissions(Permissions::only(patterns.iter().copied())),
    );
    AccessKey::new(ak, sk)
}

fn grants(report: &VerifyReport, feature: StandardFeature) -> Vec<String> {
    match report.feature(&feature) {
        Some(FeatureStatus::Missing { grant, .. }) => grant.clone(),
        other => panic!("{feature} is not missing anything: {other:?}"),
    }
}

#[tokio::test]
async fn a_full_key_is_ready_and_shows_the_account() {
    let cloud = sim(4, 2, 1).await;
    let p = provider(&cloud, "admin", 1000);
    let report = p.verify(&BOTH).await.expect("verify runs");
    assert!(report.is_ready(), "{report:#?}");
    let id = report
        .identity
        .as_ref()
        .expect("BOS owner gives the account");
    assert_eq!(id.account_id, baidu::DEMO_ACCOUNT_ID);
    assert_eq!(report.kinds.len(), 10, "every kind is probed once");
    assert!(report.kinds.iter().all(|k| k.read == Access::Allowed));
    assert_eq!(p.advice(&report), None);
}

#[tokio::test]
async fn a_partly_granted_key_is_told_exactly_the_missing_policies() {
    let cloud = sim(4, 2, 1).await;
    // The demo read-only key: BCC, VPC and BOS reads only.
    let p = provider(&cloud, "readonly", 1000);
    let report = p.verify(&BOTH).await.expect("verify runs");
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(
        report.feature(&StandardFeature::Host),
        Some(&FeatureStatus::Ok)
    );
    assert_eq!(
        grants(&report, StandardFeature::Cspm),
        [
            "RedisReadAccessPolicy",
            "KAFKAReadAccessPolicy",
            "MONGODBReadAccessPolicy",
            "RDSReadAccessPolicy",
            "BLBReadAccessPolicy",
            "IAMReadAccessPolicy",
        ]
    );
    let mut denied = report.denied_kinds();
    denied.sort_unstable();
    assert_eq!(
        denied,
        [
            "blb.appblb",
            "blb.blb",
            "iam.user",
            "kafka.cluster",
            "mongodb.instance",
            "rds.instance",
            "scs.instance"
        ]
    );
    let advice = p.advice(&report).expect("something to grant");
    assert!(advice.contains("RedisReadAccessPolicy"), "{advice}");
    assert!(
        advice.contains("GlobalReadPolicy (with IAMReadAccessPolicy)"),
        "{advice}"
    );

    // Only IAM missing: the quick policy does not help, and is not offered.
    let ak = grant(
        &cloud,
        "0123456789abcdef0123456789abcdef",
        &[
            "bcc:*",
            "vpc:*",
            "bos:*",
            "scs:*",
            "kafka:*",
            "mongodb:*",
            "rds:*",
            "blb:*",
        ],
    );
    let p = provider_with(&cloud, ak, None);
    let report = p.verify(&CSPM).await.expect("verify runs");
    assert_eq!(
        grants(&report, StandardFeature::Cspm),
        ["IAMReadAccessPolicy"]
    );
    assert!(!p.advice(&report).unwrap().contains("GlobalReadPolicy"));
}

#[tokio::test]
async fn a_key_refused_the_bucket_list_is_still_valid_and_only_bos_is_missing() {
    let cloud = sim(4, 2, 1).await;
    let ak = grant(
        &cloud,
        "1123456789abcdef0123456789abcdef",
        &[
            "bcc:*",
            "vpc:*",
            "iam:*",
            "scs:*",
            "kafka:*",
            "mongodb:*",
            "rds:*",
            "blb:*",
        ],
    );
    let report = provider_with(&cloud, ak, None)
        .verify(&CSPM)
        .await
        .expect("verify runs");
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(report.identity, None, "the identity call was refused");
    assert_eq!(
        grants(&report, StandardFeature::Cspm),
        ["BOSLISTANDReadAccessPolicy"]
    );
}

/// Runs verify with `key` and returns the report and how many requests reached the cloud.
async fn verify_counting(
    cloud: &SimCloud,
    key: AccessKey,
    clock: Option<Arc<dyn Clock>>,
) -> (VerifyReport, usize) {
    let before = cloud.requests().len();
    let report = provider_with(cloud, key, clock)
        .verify(&BOTH)
        .await
        .expect("verify runs");
    (report, cloud.requests().len() - before)
}

fn invalid(report: &VerifyReport) -> (ErrorKind, Option<String>, String) {
    match &report.credential {
        CredentialStatus::Invalid {
            kind,
            code,
            diagnosis,
        } => (*kind, code.clone(), diagnosis.clone()),
        other => panic!("the key passed: {other:?}"),
    }
}

#[tokio::test]
async fn each_authentication_failure_is_named_and_stops_after_one_request() {
    let cloud = sim(2, 1, 1).await;
    let admin = key(&cloud, "admin");

    let unknown = AccessKey::new("ffffffffffffffffffffffffffffffff", "whatever-secret-9c1");
    let (report, requests) = verify_counting(&cloud, unknown, None).await;
    let (kind, code, diagnosis) = invalid(&report);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("InvalidAccessKeyId"));
    assert!(diagnosis.contains("BCE_ACCESS_KEY_ID"), "{diagnosis}");
    assert_eq!(requests, 1, "no retry, no probe after an unknown key");
    assert!(report.kinds.iter().all(|k| matches!(
        k.read,
        Access::Failed {
            kind: ErrorKind::InvalidCredential,
            ..
        }
    )));

    let planted = "planted-wrong-secret-7e3d";
    let wrong = AccessKey::new(admin.id(), planted);
    let (report, requests) = verify_counting(&cloud, wrong, None).await;
    let (kind, code, diagnosis) = invalid(&report);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
    assert!(diagnosis.contains("BCE_SECRET_ACCESS_KEY"), "{diagnosis}");
    assert_eq!(requests, 1);
    assert!(!format!("{report:?}").contains(planted));

    let (report, requests) = verify_counting(&cloud, key(&cloud, "disabled"), None).await;
    assert_eq!(invalid(&report).1.as_deref(), Some("InvalidAccessKeyId"));
    assert_eq!(requests, 1);

    // A clock an hour behind: RequestExpired, with the skew in the diagnosis.
    let behind = SystemClock.now() - Duration::from_secs(3600);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(behind));
    let (report, requests) = verify_counting(&cloud, admin, Some(clock)).await;
    let (kind, code, diagnosis) = invalid(&report);
    assert_eq!(kind, ErrorKind::ClockSkew);
    assert_eq!(code.as_deref(), Some("RequestExpired"));
    assert!(diagnosis.contains("NTP"), "{diagnosis}");
    let skew: i64 = diagnosis
        .split(" s behind")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no skew in {diagnosis}"));
    assert!((3590..=3660).contains(&skew), "{diagnosis}");
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_product_not_activated_is_not_in_use_not_denied() {
    let cloud = sim_with(
        BaiduSim::new().with_inactive_products(&["kafka", "mongodb"]),
        4,
        2,
        3,
    )
    .await;
    let p = provider(&cloud, "admin", 2);
    let report = p.verify(&CSPM).await.expect("verify runs");
    assert!(report.is_ready(), "{report:#?}");
    assert_eq!(
        report.kind("kafka.cluster").map(|k| &k.read),
        Some(&Access::Allowed)
    );
    for region in ["bj", "gz"] {
        for kind in ["kafka.cluster", "mongodb.instance"] {
            let (items, err) = drain(&p, kind, Some(region)).await;
            assert!(
                items.is_empty() && err.is_none(),
                "{kind} in {region}: {err:?}"
            );
        }
        let (items, err) = drain(&p, "rds.instance", Some(region)).await;
        assert!(err.is_none(), "{err:?}");
        let expected = cloud
            .inventory()
            .resources_in("rds", "instance", region)
            .len();
        assert_eq!(items.len(), expected);
    }
    // One call per not-activated listing, never retried.
    assert_eq!(cloud.count("kafka:ListClusters"), 1 + 2);
}

#[tokio::test]
async fn a_throttled_identity_call_leaves_the_key_unknown() {
    let cloud = sim(2, 1, 1).await;
    cloud
        .faults()
        .on("bos:ListBuckets")
        .throttle(multicloud_testkit::Trigger::every(1));
    let report = provider(&cloud, "admin", 1000)
        .verify(&CSPM)
        .await
        .expect("verify runs");
    assert!(
        matches!(
            report.credential,
            CredentialStatus::Unknown {
                kind: ErrorKind::Throttled,
                ..
            }
        ),
        "{:?}",
        report.credential
    );
    // Retried (3 attempts), then given up.
    assert_eq!(cloud.count("bos:ListBuckets"), 3);
}

#[tokio::test]
async fn an_identity_answer_that_proves_nothing_falls_back_to_describe_regions() {
    let cloud = sim(2, 1, 1).await;
    cloud.faults().on("bos:ListBuckets").raw_body(
        multicloud_testkit::Trigger::every(1),
        "text/html",
        "<html>not BOS</html>",
    );
    let report = provider(&cloud, "admin", 1000)
        .verify(&CSPM)
        .await
        .expect("verify runs");
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(report.identity, None);
    assert_eq!(cloud.count("bcc:DescribeRegions"), 1);
}
