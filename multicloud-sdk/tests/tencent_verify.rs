//! Tencent Cloud `verify` end to end against the simulator: a good key, each authentication
//! failure class, a permission-limited key, and secrets kept out of Debug and errors.

mod tencent_support;

use std::sync::Arc;

use multicloud_sdk::{
    AccessKey, Clock, CloudProvider, CredentialStatus, ErrorKind, Feature, FeatureStatus,
    ManualClock, PrincipalType, StandardFeature,
};
use multicloud_testkit::{Permissions, SimKey};
use tencent_support::{provider, provider_with, sim};

const ALL: [&dyn Feature; 3] = [
    &StandardFeature::Host,
    &StandardFeature::Cspm,
    &StandardFeature::Response,
];

#[tokio::test]
async fn an_admin_key_is_valid_with_every_read_ok_and_blocking_unverified() {
    let cloud = sim(10, 2).await;
    let p = provider(&cloud, "admin");
    let report = p.verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    let id = report.identity.as_ref().unwrap();
    assert_eq!(id.account_id, multicloud_testkit::tencent::OWNER_UIN);
    assert_eq!(id.principal_type, PrincipalType::User);
    assert_eq!(
        report.feature(&StandardFeature::Host),
        Some(&FeatureStatus::Ok)
    );
    assert_eq!(
        report.feature(&StandardFeature::Cspm),
        Some(&FeatureStatus::Ok)
    );
    // Reads of the block lists pass; the writes have no side-effect-free check.
    assert!(matches!(
        report.feature(&StandardFeature::Response),
        Some(FeatureStatus::Unverified { .. })
    ));
    assert!(report.denied_kinds().is_empty());
    // Identity came from STS, and no probe needed CAM's fallback.
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 1);
    assert_eq!(cloud.count("cam:GetUserAppId"), 0);
}

#[tokio::test]
async fn features_this_provider_lacks_are_unsupported() {
    let cloud = sim(1, 1).await;
    let report = provider(&cloud, "admin")
        .verify(&[&StandardFeature::Agentless])
        .await
        .unwrap();
    assert_eq!(report.features[0].status, FeatureStatus::Unsupported);
}

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

#[tokio::test]
async fn a_disabled_key_is_reported_as_unknown_or_disabled_and_not_retried() {
    let cloud = sim(1, 1).await;
    let report = provider(&cloud, "disabled").verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("AuthFailure.SecretIdNotFound"));
    // The API uses one code for both cases, so the diagnosis must name both.
    assert!(diagnosis.contains("unknown"), "{diagnosis}");
    assert!(diagnosis.contains("disabled"), "{diagnosis}");
    assert!(report.identity.is_none());
    assert!(!report.is_ready());
    // An auth failure is never retried, and no probe runs with a bad key.
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 1);
    assert_eq!(cloud.count("cvm:DescribeInstances"), 0);
}

#[tokio::test]
async fn an_unknown_key_gets_the_same_code() {
    let cloud = sim(1, 1).await;
    let p = provider_with(
        &cloud,
        AccessKey::new("AKIDnoSuchKey000000000000000000001", "x"),
        None,
    );
    let (kind, code, _) = invalid(&p.verify(&ALL).await.unwrap().credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("AuthFailure.SecretIdNotFound"));
}

#[tokio::test]
async fn a_wrong_secret_is_a_signature_failure() {
    let cloud = sim(1, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    let p = provider_with(
        &cloud,
        AccessKey::new(admin.id.clone(), "not-the-secret"),
        None,
    );
    let (kind, code, diagnosis) = invalid(&p.verify(&ALL).await.unwrap().credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("AuthFailure.SignatureFailure"));
    assert!(diagnosis.contains("SecretKey"), "{diagnosis}");
}

#[tokio::test]
async fn a_skewed_clock_is_reported_as_clock_skew() {
    let cloud = sim(1, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap().access_key();
    let ten_minutes_ago = multicloud_sdk::SystemClock.now() - std::time::Duration::from_secs(600);
    let clock = Arc::new(ManualClock::new(ten_minutes_ago));
    let p = provider_with(&cloud, admin, Some(clock));
    let (kind, code, diagnosis) = invalid(&p.verify(&ALL).await.unwrap().credential);
    assert_eq!(kind, ErrorKind::ClockSkew);
    assert_eq!(code.as_deref(), Some("AuthFailure.SignatureExpire"));
    assert!(diagnosis.contains("clock"), "{diagnosis}");
}

#[tokio::test]
async fn a_key_without_list_permissions_is_valid_but_empty_with_the_policies_to_grant() {
    let cloud = sim(5, 1).await;
    let limited = SimKey::new(
        "AKIDmcLimited0000000000000000000001",
        "limited-secret",
        multicloud_testkit::tencent::OWNER_UIN,
    )
    .with_user("mc-limited", "100012340009")
    .with_permissions(Permissions::only([
        "sts:GetCallerIdentity",
        "region:DescribeRegions",
    ]));
    cloud.keys().insert(limited.clone());
    let report = provider_with(&cloud, limited.access_key(), None)
        .verify(&ALL)
        .await
        .unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert!(report.is_valid_but_empty());
    let missing =
        |f: StandardFeature| match &report.features.iter().find(|c| c.is(&f)).unwrap().status {
            FeatureStatus::Missing {
                allowed_actions,
                denied_actions,
                grant,
                ..
            } => {
                assert!(allowed_actions.is_empty(), "{f}: {allowed_actions:?}");
                (denied_actions.clone(), grant.clone())
            }
            other => panic!("{f}: expected Missing, got {other:?}"),
        };
    let (denied, grant) = missing(StandardFeature::Host);
    assert_eq!(denied, ["cvm:DescribeInstances"]);
    assert_eq!(grant, ["QcloudCVMReadOnlyAccess"]);
    let (denied, grant) = missing(StandardFeature::Cspm);
    assert!(denied.contains(&"cam:ListUsers".to_owned()), "{denied:?}");
    for policy in [
        "QcloudCamReadOnlyAccess",
        "QcloudCBSReadOnlyAccess",
        "QcloudCOSReadOnlyAccess",
    ] {
        assert!(grant.iter().any(|g| g == policy), "{policy} in {grant:?}");
    }
    let (denied, _) = missing(StandardFeature::Response);
    assert!(
        denied.contains(&"cfw:DescribeBlockIgnoreList".to_owned()),
        "{denied:?}"
    );
}

#[tokio::test]
async fn the_readonly_demo_key_passes_every_read_probe_but_blocking_is_not_checked() {
    let cloud = sim(5, 1).await;
    let report = provider(&cloud, "readonly").verify(&ALL).await.unwrap();
    assert_eq!(
        report.feature(&StandardFeature::Host),
        Some(&FeatureStatus::Ok)
    );
    assert_eq!(
        report.feature(&StandardFeature::Cspm),
        Some(&FeatureStatus::Ok)
    );
    // Tencent has no dry run of the block calls: never reported as granted.
    match report.feature(&StandardFeature::Response) {
        Some(FeatureStatus::Unverified { not_checked, grant }) => {
            assert!(not_checked
                .iter()
                .any(|a| a == "cfw:CreateBlockIgnoreRuleNew"));
            assert_eq!(grant, &["QcloudCFWFullAccess", "QcloudWAFFullAccess"]);
        }
        other => panic!("expected Unverified, got {other:?}"),
    }
    assert!(!report.is_ready());
}

#[tokio::test]
async fn a_planted_secret_never_appears_in_debug_or_errors() {
    const PLANTED: &str = "PLANTED-TENCENT-SECRET-7f3a";
    let cloud = sim(1, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    let p = provider_with(
        &cloud,
        AccessKey::new(admin.id.clone(), PLANTED).with_session_token(PLANTED),
        None,
    );
    assert!(!format!("{p:?}").contains(PLANTED));
    let report = p.verify(&ALL).await.unwrap();
    assert!(!format!("{report:?}").contains(PLANTED));
    let regions = p.regions().await.unwrap_err();
    for rendered in [
        regions.to_string(),
        regions.report(),
        format!("{regions:?}"),
    ] {
        assert!(!rendered.contains(PLANTED), "{rendered}");
    }
    // The signature failed (wrong secret): the error says so, with the request id.
    assert_eq!(regions.code(), Some("AuthFailure.SignatureFailure"));
    assert!(regions.request_id().is_some());
}
