//! End-to-end: `verify` against the AWS simulator — identity, permission probes, and every
//! class of key failure with its kind and diagnosis.

mod aws_support;

use std::sync::Arc;

use aws_support::{builder, demo_key, provider, provider_with, sim, ATTEMPTS};
use multicloud_sdk::{
    AccessKey, Clock, CloudProvider, CredentialStatus, Domain, ErrorKind, Feature, FeatureStatus,
    ManualClock, PrincipalType, StandardFeature, SystemClock,
};
use multicloud_testkit::aws::{ACCOUNT_ID, CHINA_ACCOUNT_ID};
use multicloud_testkit::{Permissions, SimKey, Trigger};

const ALL: [&dyn Feature; 3] = [
    &StandardFeature::Host,
    &StandardFeature::Cspm,
    &StandardFeature::Agentless,
];

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
async fn admin_key_is_an_iam_user_with_every_feature_granted() {
    let cloud = sim(4, 2, 1).await;
    let report = provider(&cloud, "admin").verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    let identity = report.identity.clone().unwrap();
    assert_eq!(identity.account_id, ACCOUNT_ID);
    assert_eq!(
        identity.principal,
        format!("arn:aws:iam::{ACCOUNT_ID}:user/mc-admin")
    );
    assert_eq!(identity.principal_type, PrincipalType::User);
    assert_eq!(report.features.len(), 3);
    for check in &report.features {
        assert_eq!(check.status, FeatureStatus::Ok, "{:?}", check.feature);
    }
    assert!(report.is_ready());
    assert!(!report.is_valid_but_empty());
    // The EC2 probes were dry runs (answered DryRunOperation), one call per probe.
    assert_eq!(cloud.count("ec2:DescribeInstances"), 1);
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 1);
}

#[tokio::test]
async fn root_key_is_reported_as_root() {
    let cloud = sim(0, 1, 0).await;
    cloud.keys().insert(
        SimKey::new(
            "AKIAMCROOTKEY0000001",
            "root-secret-0000000000000000000000000001",
            ACCOUNT_ID,
        )
        .with_user("root", "123456789012"),
    );
    let key = cloud.keys().get("AKIAMCROOTKEY0000001").unwrap();
    let p = builder(&cloud, key.access_key(), Domain::International)
        .build()
        .unwrap();
    let report = p.verify(&[&StandardFeature::Host]).await.unwrap();
    let identity = report.identity.unwrap();
    assert_eq!(
        identity.principal,
        format!("arn:aws:iam::{ACCOUNT_ID}:root")
    );
    assert_eq!(identity.principal_type, PrincipalType::Root);
}

#[tokio::test]
async fn unknown_key_is_invalid_and_never_retried() {
    let cloud = sim(0, 1, 0).await;
    let key = AccessKey::new("AKIAMCNOSUCHKEY00001", "whatever-secret");
    let p = builder(&cloud, key, Domain::International).build().unwrap();
    let report = p.verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("InvalidClientTokenId"));
    assert!(diagnosis.contains("does not exist"), "{diagnosis}");
    assert!(diagnosis.contains("deactivated"), "{diagnosis}");
    assert!(report.identity.is_none());
    assert!(!report.is_ready());
    // One identity call per partition (the diagnosis probe), no retry, no permission probe.
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 2);
    assert_eq!(cloud.requests().len(), 2);
    for check in &report.features {
        assert!(matches!(
            check.status,
            FeatureStatus::Error {
                kind: ErrorKind::InvalidCredential,
                ..
            }
        ));
    }
}

#[tokio::test]
async fn wrong_secret_is_a_signature_failure_not_retried() {
    let cloud = sim(0, 1, 0).await;
    let id = demo_key(&cloud, "admin").id;
    let p = builder(
        &cloud,
        AccessKey::new(id, "not-the-right-secret"),
        Domain::International,
    )
    .build()
    .unwrap();
    let report = p.verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
    assert!(diagnosis.contains("secret"), "{diagnosis}");
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 1);
}

#[tokio::test]
async fn disabled_key_names_both_possibilities() {
    let cloud = sim(0, 1, 0).await;
    let report = provider(&cloud, "disabled").verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    // AWS answers a deactivated key exactly like an unknown one.
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("InvalidClientTokenId"));
    assert!(
        diagnosis.contains("deactivated") && diagnosis.contains("does not exist"),
        "{diagnosis}"
    );
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 2);
}

#[tokio::test]
async fn skewed_clock_is_diagnosed_as_clock_skew() {
    let cloud = sim(0, 1, 0).await;
    let late = ManualClock::new(SystemClock.now() - std::time::Duration::from_secs(3600));
    let p = provider_with(&cloud, "admin", Some(Arc::new(late)), None);
    let report = p.verify(&ALL).await.unwrap();
    let (kind, _, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::ClockSkew);
    assert!(diagnosis.contains("clock"), "{diagnosis}");
    assert_eq!(
        cloud.count("sts:GetCallerIdentity"),
        1,
        "clock skew is not retried"
    );
}

#[tokio::test]
async fn china_key_on_international_says_set_domain_china() {
    let cloud = sim(0, 1, 0).await;
    let key = demo_key(&cloud, "china");
    let p = builder(&cloud, key.access_key(), Domain::International)
        .build()
        .unwrap();
    let report = p.verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::WrongDomainOrRegion);
    assert_eq!(code.as_deref(), Some("InvalidClientTokenId"));
    assert_eq!(
        diagnosis,
        "this key belongs to AWS China (aws-cn); build the provider with with_domain(Domain::China)"
    );
    assert_eq!(report.identity.unwrap().account_id, CHINA_ACCOUNT_ID);
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 2);
}

#[tokio::test]
async fn international_key_on_china_says_set_domain_international() {
    let cloud = sim(0, 1, 0).await;
    let key = demo_key(&cloud, "admin");
    let p = builder(&cloud, key.access_key(), Domain::China)
        .build()
        .unwrap();
    let report = p.verify(&[&StandardFeature::Host]).await.unwrap();
    let (kind, _, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::WrongDomainOrRegion);
    assert_eq!(
        diagnosis,
        "this key belongs to AWS International (aws); build the provider with with_domain(Domain::International)"
    );
}

#[tokio::test]
async fn china_key_in_china_verifies_and_has_no_agentless() {
    let cloud = sim(2, 2, 1).await;
    let report = provider(&cloud, "china").verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(report.domain, Domain::China);
    let identity = report.identity.clone().unwrap();
    assert!(
        identity.principal.starts_with("arn:aws-cn:iam::"),
        "{}",
        identity.principal
    );
    let status = |f| {
        report
            .features
            .iter()
            .find(|c| c.is(&f))
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status(StandardFeature::Host), FeatureStatus::Ok);
    assert_eq!(status(StandardFeature::Cspm), FeatureStatus::Ok);
    assert_eq!(
        status(StandardFeature::Agentless),
        FeatureStatus::Unsupported
    );
    assert!(report.is_ready());
}

#[tokio::test]
async fn throttled_identity_is_retried_then_reported_unknown() {
    let cloud = sim(0, 1, 0).await;
    cloud
        .faults()
        .on("sts:GetCallerIdentity")
        .throttle(Trigger::Always);
    let report = provider(&cloud, "admin").verify(&ALL).await.unwrap();
    match &report.credential {
        CredentialStatus::Unknown { kind, diagnosis } => {
            assert_eq!(*kind, ErrorKind::Throttled);
            assert!(diagnosis.contains("unknown"), "{diagnosis}");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(cloud.count("sts:GetCallerIdentity"), ATTEMPTS as usize);
}

#[tokio::test]
async fn throttled_identity_that_recovers_is_valid() {
    let cloud = sim(0, 1, 0).await;
    cloud
        .faults()
        .on("sts:GetCallerIdentity")
        .throttle(Trigger::first(2));
    let report = provider(&cloud, "admin")
        .verify(&[&StandardFeature::Host])
        .await
        .unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(cloud.count("sts:GetCallerIdentity"), 3);
}

#[tokio::test]
async fn ec2_only_key_is_missing_iam_and_cspm_policies() {
    let cloud = sim(2, 1, 1).await;
    let report = provider(&cloud, "ec2-only").verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    let status = |f| {
        report
            .features
            .iter()
            .find(|c| c.is(&f))
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(
        status(StandardFeature::Host),
        FeatureStatus::Missing {
            allowed_actions: vec!["ec2:DescribeInstances".into()],
            denied_actions: vec!["iam:ListUsers".into()],
            grant: vec!["IAMReadOnlyAccess".into()],
            denied_kinds: vec!["iam.user".into()],
        }
    );
    match status(StandardFeature::Cspm) {
        FeatureStatus::Missing {
            denied_actions,
            grant,
            ..
        } => {
            // The narrowest policy per denied kind, not a blanket ReadOnlyAccess.
            for policy in [
                "AmazonRDSReadOnlyAccess",
                "AmazonS3ReadOnlyAccess",
                "IAMReadOnlyAccess",
            ] {
                assert!(grant.iter().any(|g| g == policy), "{policy} in {grant:?}");
            }
            for action in [
                "s3:ListAllMyBuckets",
                "rds:DescribeDBInstances",
                "iam:ListUsers",
            ] {
                assert!(
                    denied_actions.iter().any(|a| a == action),
                    "{action} in {denied_actions:?}"
                );
            }
            assert!(
                !denied_actions.iter().any(|a| a.starts_with("ec2:")),
                "{denied_actions:?}"
            );
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    assert_eq!(status(StandardFeature::Agentless), FeatureStatus::Ok);
    assert!(!report.is_ready());
    assert!(!report.is_valid_but_empty(), "EC2 still lists");
}

#[tokio::test]
async fn identity_only_key_is_valid_but_empty() {
    let cloud = sim(2, 1, 1).await;
    cloud.keys().insert(
        SimKey::new(
            "AKIAMCIDENTITYONLY01",
            "identity-only-secret-000000000000000001",
            ACCOUNT_ID,
        )
        .with_user("auditor", "AIDAMCIDENTITYONLY01")
        .with_permissions(Permissions::only(["sts:*"])),
    );
    let key = cloud.keys().get("AKIAMCIDENTITYONLY01").unwrap();
    let p = builder(&cloud, key.access_key(), Domain::International)
        .build()
        .unwrap();
    let report = p.verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert!(report.is_valid_but_empty());
    let host = &report
        .features
        .iter()
        .find(|c| c.is(&StandardFeature::Host))
        .unwrap()
        .status;
    assert_eq!(
        host,
        &FeatureStatus::Missing {
            allowed_actions: vec![],
            denied_actions: vec!["ec2:DescribeInstances".into(), "iam:ListUsers".into()],
            grant: vec!["AmazonEC2ReadOnlyAccess".into(), "IAMReadOnlyAccess".into()],
            denied_kinds: vec!["host".into(), "iam.user".into()],
        }
    );
}
