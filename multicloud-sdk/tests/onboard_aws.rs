//! Quick configuration and key rotation for AWS against the simulated IAM: a root key makes
//! a least-privilege user and its key; reruns, failures at every step, a user key, foreign
//! keys and secrets in output.

mod aws_support;

use std::sync::Arc;
use std::time::Duration;

use aws_support::{builder, sim};
use multicloud_sdk::aws::AwsProvider;
use multicloud_sdk::{
    AccessKey, CloudProvider, Domain, ErrorKind, Feature, OnboardRequest, PropagationWait,
    SharedCredential, StandardFeature,
};
use multicloud_testkit::aws::ACCOUNT_ID;
use multicloud_testkit::{SimCloud, SimKey, Trigger};

const ROOT_ID: &str = "AKIAMCROOTKEY0000001";
const ROOT_SECRET: &str = "mcRootSecretNeverPrinted000000000000001";

/// A simulator with the account's root key and a 150 ms IAM propagation delay.
async fn cloud() -> SimCloud {
    let cloud = sim(2, 2, 1).await;
    cloud.keys().insert(
        SimKey::new(ROOT_ID, ROOT_SECRET, ACCOUNT_ID)
            .with_user("root", ACCOUNT_ID)
            .with_label("root"),
    );
    cloud
        .iam()
        .set_propagation_delay(Duration::from_millis(150));
    cloud
}

fn wait() -> PropagationWait {
    PropagationWait::new(8, Duration::from_millis(40), Duration::from_millis(200))
}

fn provider_with(cloud: &SimCloud, key: AccessKey) -> AwsProvider {
    builder(cloud, key, Domain::International)
        .with_propagation_wait(wait())
        .build()
        .expect("provider builds")
}

fn root(cloud: &SimCloud) -> AwsProvider {
    provider_with(cloud, AccessKey::new(ROOT_ID, ROOT_SECRET))
}

const HOST_CSPM: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];
const MANAGED: [&str; 5] = [
    "AmazonEC2ReadOnlyAccess",
    "AmazonRDSReadOnlyAccess",
    "ElasticLoadBalancingReadOnly",
    "AmazonS3ReadOnlyAccess",
    "IAMReadOnlyAccess",
];

#[tokio::test]
async fn a_root_key_makes_a_user_whose_key_serves_exactly_the_features() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().expect("AWS onboards");
    let request = OnboardRequest::new("secops", HOST_CSPM.to_vec());
    let outcome = onboarder.onboard(&request).await.expect("onboarding works");

    assert_eq!(outcome.user_name, "multicloud-secops");
    assert!(outcome.created_user);
    assert_eq!(outcome.policies, MANAGED);
    assert_eq!(outcome.newly_attached, MANAGED);
    let user = cloud.iam().user("multicloud-secops").expect("user exists");
    assert_eq!(user.policies, MANAGED);
    assert_eq!(user.keys.len(), 1);
    assert_eq!(user.keys[0].id, outcome.access_key.id());
    // The key is marked as ours with the console's key-description tag.
    assert_eq!(
        user.tags.get(outcome.access_key.id()).map(String::as_str),
        Some(multicloud_sdk::aws::KEY_MARK)
    );
    // The first check of the new key met the propagation delay and was retried.
    let refused_first = cloud.recorder().requests_for("sts:GetCallerIdentity");
    assert!(
        refused_first
            .iter()
            .any(|r| r.outcome.status() == Some(403)),
        "the propagation delay was never met: {refused_first:?}"
    );

    // The new key is ready for both features, and for nothing that writes IAM.
    let sub = provider_with(&cloud, outcome.access_key.clone());
    let features: Vec<&dyn Feature> = HOST_CSPM.iter().map(|f| f as &dyn Feature).collect();
    let report = sub.verify(&features).await.unwrap();
    assert!(report.is_ready(), "{report:#?}");
    let err = sub
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("other", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message().starts_with("this is an IAM user key"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rerun_reuses_the_user_and_rotates_only_keys_it_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let request = OnboardRequest::new("secops", HOST_CSPM.to_vec());
    let first = onboarder.onboard(&request).await.unwrap();
    let second = onboarder.onboard(&request).await.unwrap();
    assert!(!second.created_user);
    assert!(second.newly_attached.is_empty());
    assert!(second.deleted_keys.is_empty());
    assert_eq!(cloud.iam().users().len(), 1);
    assert_eq!(
        cloud.iam().user("multicloud-secops").unwrap().policies,
        MANAGED
    );
    // At the cap of two keys, the oldest one we made goes.
    let third = onboarder.onboard(&request).await.unwrap();
    assert_eq!(third.deleted_keys, vec![first.access_key.id().to_owned()]);
    let keys: Vec<String> = cloud
        .iam()
        .user("multicloud-secops")
        .unwrap()
        .keys
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(
        keys,
        vec![
            second.access_key.id().to_owned(),
            third.access_key.id().to_owned()
        ]
    );
    assert!(cloud.keys().get(first.access_key.id()).is_none());
}

#[tokio::test]
async fn keys_we_did_not_make_are_never_rotated() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    cloud
        .iam()
        .create_user("multicloud-ops", "AIDAFOREIGN")
        .unwrap();
    for n in 0..2 {
        let key = SimKey::new(format!("AKIAFOREIGN{n:09}"), "foreign", ACCOUNT_ID)
            .with_user("multicloud-ops", "AIDAFOREIGN");
        cloud
            .iam()
            .create_key(cloud.keys(), key, "multicloud-ops", "", 2, |_, _| {
                Vec::new()
            })
            .unwrap();
    }
    let err = onboarder
        .onboard(&OnboardRequest::new("ops", vec![StandardFeature::Host]))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("none was made by multicloud"),
        "{err}"
    );
    let user = cloud
        .iam()
        .user("multicloud-ops")
        .expect("a user we did not make stays");
    assert_eq!(user.keys.len(), 2);
    // The policy attached by this run was taken back.
    assert!(user.policies.is_empty(), "{:?}", user.policies);
}

/// Every step's failure leaves nothing this run made behind.
#[tokio::test]
async fn a_failure_at_each_step_rolls_back_what_the_run_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let features = vec![
        StandardFeature::Host,
        StandardFeature::Cspm,
        StandardFeature::Agentless,
    ];
    for (endpoint, step) in [
        ("iam:CreateUser", "creating the user"),
        ("iam:CreatePolicy", "creating a custom policy"),
        (
            "iam:ListAttachedUserPolicies",
            "listing the user's policies",
        ),
        ("iam:AttachUserPolicy", "attaching a policy"),
        ("iam:ListAccessKeys", "listing the user's keys"),
        ("iam:CreateAccessKey", "creating the access key"),
        ("iam:TagUser", "creating the access key"),
    ] {
        cloud.faults().clear();
        cloud.faults().on(endpoint).server_error(Trigger::every(1));
        let err = onboarder
            .onboard(&OnboardRequest::new("rollback", features.clone()))
            .await
            .unwrap_err();
        assert!(err.message().contains(step), "{endpoint}: {err}");
        assert!(
            !err.message().contains("could NOT undo"),
            "{endpoint}: {err}"
        );
        assert!(
            cloud.iam().users().is_empty(),
            "{endpoint}: user left behind"
        );
        assert!(
            cloud.iam().custom_policies().is_empty(),
            "{endpoint}: policy left behind"
        );
        assert!(
            cloud
                .keys()
                .all()
                .iter()
                .all(|k| !k.id.starts_with("AKIAMCSIM")),
            "{endpoint}: key left behind"
        );
    }
    // A key that never works is deleted again too.
    cloud.faults().clear();
    cloud.iam().set_propagation_delay(Duration::from_secs(600));
    let err = onboarder
        .onboard(&OnboardRequest::new("rollback", features.clone()))
        .await
        .unwrap_err();
    assert!(err.message().contains("checking the new key"), "{err}");
    assert!(
        err.message().contains("rolled back: key AKIAMCSIM"),
        "{err}"
    );
    assert!(cloud.iam().users().is_empty());
    // What cannot be undone is said.
    cloud.iam().set_propagation_delay(Duration::ZERO);
    cloud
        .faults()
        .on("iam:CreateAccessKey")
        .server_error(Trigger::every(1));
    cloud
        .faults()
        .on("iam:DeleteUser")
        .server_error(Trigger::every(1));
    let err = onboarder
        .onboard(&OnboardRequest::new("rollback", features))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("could NOT undo: user multicloud-rollback"),
        "{err}"
    );
}

#[tokio::test]
async fn an_iam_user_key_is_refused_before_any_change() {
    let cloud = cloud().await;
    let admin = aws_support::provider(&cloud, "admin");
    let err = admin
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message()
            .starts_with("this is an IAM user key (arn:aws:iam::123456789012:user/mc-admin)"),
        "{err}"
    );
    assert!(cloud.iam().users().is_empty());
    assert_eq!(cloud.recorder().count("iam:CreateUser"), 0);
}

#[tokio::test]
async fn no_secret_reaches_any_output() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap();
    let new_secret = outcome.access_key.secret().expose().to_owned();
    cloud
        .faults()
        .on("iam:AttachUserPolicy")
        .server_error(Trigger::every(1));
    let err = onboarder
        .onboard(&OnboardRequest::new("other", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    let shown = format!(
        "{outcome:?} {err} {err:?} {} {provider:?} {onboarder:?}",
        err.report()
    );
    for secret in [ROOT_SECRET, new_secret.as_str()] {
        assert!(!shown.contains(secret), "a secret leaked: {shown}");
    }
}

#[tokio::test]
async fn rotation_switches_the_engine_key_then_deletes_the_old_one() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap();
    let old = outcome.access_key.id().to_owned();
    let shared = SharedCredential::new(outcome.access_key.clone());
    let sub = builder(
        &cloud,
        AccessKey::new("unused", "unused"),
        Domain::International,
    )
    .with_credential(shared.clone())
    .build()
    .unwrap();
    let switch_to = shared.clone();
    let new = onboarder
        .rotate_key("secops", &old, &move |k| switch_to.replace(k.clone()))
        .await
        .unwrap();
    assert_ne!(new.id(), old);
    assert_eq!(shared.key_id(), new.id());
    assert!(cloud.keys().get(&old).is_none(), "the old key is deleted");
    assert_eq!(
        sub.check_key().await.unwrap().status,
        multicloud_sdk::CredentialStatus::Valid
    );
    let user = cloud.iam().user("multicloud-secops").unwrap();
    assert_eq!(user.keys.len(), 1);
    // Rotating a key the user does not have changes nothing.
    let err = onboarder
        .rotate_key("secops", &old, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let _ = Arc::new(sub);
}

#[test]
fn policy_documents_come_from_the_kinds_and_fill_the_queue_arn() {
    let request = OnboardRequest::new("x", vec![StandardFeature::Host]);
    let docs = multicloud_sdk::aws::policy_documents(Domain::International, &request).unwrap();
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"]);
    let audit = OnboardRequest::new("x", vec![StandardFeature::AuditLog]);
    let err = multicloud_sdk::aws::policy_documents(Domain::International, &audit).unwrap_err();
    assert!(err.message().contains("queue_arn"), "{err}");
    let arn = "arn:aws:sqs:eu-west-1:123456789012:trail";
    let docs = multicloud_sdk::aws::policy_documents(
        Domain::International,
        &audit.with_param("queue_arn", arn),
    )
    .unwrap();
    let sqs = docs.iter().find(|d| d.is_custom()).unwrap();
    assert_eq!(
        sqs.document.as_ref().unwrap()["Statement"][0]["Resource"],
        arn
    );
    let agentless = OnboardRequest::new("x", vec![StandardFeature::Agentless]);
    assert!(multicloud_sdk::aws::policy_documents(Domain::China, &agentless).is_err());
}
