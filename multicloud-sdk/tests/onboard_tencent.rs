//! Quick configuration and key rotation for Tencent Cloud against the simulated CAM: a root
//! account's key makes a least-privilege sub-user and its key; reruns, failures at every
//! step, a sub-user's key, foreign keys and secrets in output.

mod tencent_support;

use std::time::Duration;

use multicloud_sdk::tencent::{TencentProvider, TencentProviderBuilder};
use multicloud_sdk::{
    AccessKey, CloudProvider, CredentialStatus, Domain, ErrorKind, Feature, OnboardRequest,
    PropagationWait, SharedCredential, StandardFeature,
};
use multicloud_testkit::tencent::OWNER_UIN;
use multicloud_testkit::{Outcome, SimCloud, SimKey, Trigger};
use tencent_support::{fast_retry, sim};

const ROOT_ID: &str = "AKIDmcRootKey0000000000000000000001";
const ROOT_SECRET: &str = "mcTencentRootSecretNeverPrinted00001";

async fn cloud() -> SimCloud {
    let cloud = sim(2, 2).await;
    cloud.keys().insert(
        SimKey::new(ROOT_ID, ROOT_SECRET, OWNER_UIN)
            .with_user("root", OWNER_UIN)
            .with_domain(Domain::China)
            .with_label("root"),
    );
    cloud
        .iam()
        .set_propagation_delay(Duration::from_millis(150));
    cloud
}

fn provider_with(cloud: &SimCloud, key: AccessKey) -> TencentProvider {
    TencentProviderBuilder::new("e2e")
        .with_access_key(key)
        .with_domain(Domain::China)
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(4))
        .with_propagation_wait(PropagationWait::new(
            8,
            Duration::from_millis(40),
            Duration::from_millis(200),
        ))
        .build()
        .expect("provider builds")
}

fn root(cloud: &SimCloud) -> TencentProvider {
    provider_with(cloud, AccessKey::new(ROOT_ID, ROOT_SECRET))
}

const HOST_CSPM: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];
const PRESET: [&str; 9] = [
    "QcloudCVMReadOnlyAccess",
    "QcloudCBSReadOnlyAccess",
    "QcloudCLBReadOnlyAccess",
    "QcloudVPCReadOnlyAccess",
    "QcloudCDBReadOnlyAccess",
    "QcloudRedisReadOnlyAccess",
    "QcloudCamReadOnlyAccess",
    "QcloudCOSReadOnlyAccess",
    "QcloudTAGReadOnlyAccess",
];

#[tokio::test]
async fn a_root_key_makes_a_sub_user_whose_key_serves_exactly_the_features() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().expect("Tencent onboards");
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .expect("onboarding works");
    assert_eq!(outcome.user_name, "multicloud-secops");
    assert!(outcome.created_user);
    assert_eq!(outcome.policies, PRESET);
    let user = cloud.iam().user("multicloud-secops").unwrap();
    assert_eq!(user.policies, PRESET);
    assert_eq!(user.keys.len(), 1);
    assert_eq!(user.keys[0].description, multicloud_sdk::tencent::KEY_MARK);
    // The new key was refused while it propagated, then accepted.
    let identity_calls = cloud.recorder().requests_for("sts:GetCallerIdentity");
    let new_id = outcome.access_key.id();
    let accepted = identity_calls
        .iter()
        .position(|r| matches!(&r.outcome, Outcome::Handled { key_id, .. } if key_id == new_id))
        .expect("the new key was accepted");
    assert!(
        identity_calls[..accepted]
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Refused { .. })),
        "the propagation delay was never met"
    );
    let sub = provider_with(&cloud, outcome.access_key.clone());
    let features: Vec<&dyn Feature> = HOST_CSPM.iter().map(|f| f as &dyn Feature).collect();
    let report = sub.verify(&features).await.unwrap();
    assert!(report.is_ready(), "{report:#?}");
    // The sub-user's key cannot onboard: the diagnosis says why.
    let err = sub
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("other", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message().starts_with("this is a CAM sub-user key"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rerun_reuses_the_sub_user_and_rotates_only_keys_it_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let request = OnboardRequest::new("secops", HOST_CSPM.to_vec());
    let first = onboarder.onboard(&request).await.unwrap();
    let second = onboarder.onboard(&request).await.unwrap();
    assert!(!second.created_user);
    assert!(second.newly_attached.is_empty());
    assert_eq!(cloud.iam().users().len(), 1);
    let third = onboarder.onboard(&request).await.unwrap();
    assert_eq!(third.deleted_keys, vec![first.access_key.id().to_owned()]);
    assert_eq!(cloud.iam().user("multicloud-secops").unwrap().keys.len(), 2);
    assert!(cloud.keys().get(first.access_key.id()).is_none());

    // A user at the cap with keys we did not make is left alone.
    let uin = "100020999999";
    cloud.iam().create_user("multicloud-ops", uin).unwrap();
    for n in 0..2 {
        let key = SimKey::new(format!("AKIDforeign{n:025}"), "foreign", OWNER_UIN)
            .with_user("multicloud-ops", uin);
        cloud
            .iam()
            .create_key(cloud.keys(), key, "multicloud-ops", "mine", 2, |_, _| {
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
    let user = cloud.iam().user("multicloud-ops").unwrap();
    assert_eq!(user.keys.len(), 2);
    assert!(user.policies.is_empty());
}

#[tokio::test]
async fn a_failure_at_each_step_rolls_back_what_the_run_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let request = OnboardRequest::new(
        "rollback",
        vec![StandardFeature::Host, StandardFeature::AuditLog],
    )
    .with_param("topic_id", "topic-1")
    .with_param("logset_id", "logset-1")
    .with_param("region", "ap-guangzhou");
    for (endpoint, step) in [
        ("cam:AddUser", "creating the user"),
        ("cam:CreatePolicy", "creating a custom policy"),
        (
            "cam:ListAttachedUserPolicies",
            "listing the user's policies",
        ),
        ("cam:AttachUserPolicy", "attaching a policy"),
        ("cam:ListAccessKeys", "listing the user's keys"),
        ("cam:CreateAccessKey", "creating the access key"),
    ] {
        cloud.faults().clear();
        cloud.faults().on(endpoint).server_error(Trigger::every(1));
        let err = onboarder.onboard(&request).await.unwrap_err();
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
            "{endpoint}: policy left"
        );
        assert!(
            cloud
                .keys()
                .all()
                .iter()
                .all(|k| !k.id.starts_with("AKIDmcSim")),
            "{endpoint}: key left behind"
        );
    }
    // The ciemPolicy was filled with the root account's uin from the key itself.
    cloud.faults().clear();
    let outcome = onboarder.onboard(&request).await.unwrap();
    assert!(outcome.policies.contains(&"ciemPolicy".to_owned()));
    let doc = cloud.iam().custom_policy("ciemPolicy").unwrap();
    assert_eq!(
        doc["statement"][0]["resource"][0],
        format!("qcs::cls:ap-guangzhou:uin/{OWNER_UIN}:topic/topic-1")
    );
    // What cannot be undone is said.
    cloud
        .faults()
        .on("cam:CreateAccessKey")
        .server_error(Trigger::every(1));
    cloud
        .faults()
        .on("cam:DeleteUser")
        .server_error(Trigger::every(1));
    let err = onboarder
        .onboard(&OnboardRequest::new("stuck", vec![StandardFeature::Host]))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("could NOT undo: user multicloud-stuck"),
        "{err}"
    );
}

#[tokio::test]
async fn a_sub_user_key_is_refused_before_any_change_and_no_secret_is_shown() {
    let cloud = cloud().await;
    let admin = tencent_support::provider(&cloud, "admin");
    let err = admin
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message().starts_with("this is a CAM sub-user key"),
        "{err}"
    );
    assert!(cloud.iam().users().is_empty());
    assert_eq!(cloud.recorder().count("cam:AddUser"), 0);

    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap();
    let new_secret = outcome.access_key.secret().expose().to_owned();
    cloud
        .faults()
        .on("cam:AttachUserPolicy")
        .server_error(Trigger::every(1));
    let err = onboarder
        .onboard(&OnboardRequest::new("other", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    let shown = format!("{outcome:?} {err} {err:?} {} {provider:?}", err.report());
    for secret in [ROOT_SECRET, new_secret.as_str()] {
        assert!(!shown.contains(secret), "a secret leaked: {shown}");
    }
}

#[tokio::test]
async fn rotation_switches_the_key_then_deletes_the_old_one() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap();
    let old = outcome.access_key.id().to_owned();
    let shared = SharedCredential::new(outcome.access_key.clone());
    let sub = TencentProviderBuilder::new("e2e")
        .with_credential(shared.clone())
        .with_domain(Domain::China)
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(4))
        .build()
        .unwrap();
    let switch_to = shared.clone();
    let new = onboarder
        .rotate_key("secops", &old, &move |k| switch_to.replace(k.clone()))
        .await
        .unwrap();
    assert_eq!(shared.key_id(), new.id());
    assert!(cloud.keys().get(&old).is_none());
    assert_eq!(
        sub.check_key().await.unwrap().status,
        CredentialStatus::Valid
    );
    assert_eq!(cloud.iam().user("multicloud-secops").unwrap().keys.len(), 1);
}

#[test]
fn ciem_policy_needs_its_parameters() {
    let request = OnboardRequest::new("x", vec![StandardFeature::AuditLog]);
    let err = multicloud_sdk::tencent::policy_documents(&request).unwrap_err();
    assert!(err.message().contains("topic_id"), "{err}");
    let docs = multicloud_sdk::tencent::policy_documents(&OnboardRequest::new(
        "x",
        vec![StandardFeature::Response],
    ))
    .unwrap();
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["QcloudCFWFullAccess", "QcloudWAFFullAccess"]);
}
