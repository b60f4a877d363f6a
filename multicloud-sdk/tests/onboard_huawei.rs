//! Quick configuration and key rotation for Huawei Cloud against the simulated IAM: the main
//! account's key makes an IAM user, its user group with the features' permissions in the
//! right scopes, and its key; reruns, failures at every step, IAM users' keys, foreign keys
//! and secrets in output.

mod huawei_support;

use std::time::Duration;

use huawei_support::{builder_with, sim};
use multicloud_sdk::huawei::{HuaweiProvider, HuaweiProviderBuilder, KEY_MARK};
use multicloud_sdk::{
    Access, AccessKey, CloudProvider, CredentialStatus, ErrorKind, Feature, OnboardRequest,
    PropagationWait, SharedCredential, StandardFeature,
};
use multicloud_testkit::huawei::{root_key, DEMO_DOMAIN_ID};
use multicloud_testkit::{Outcome, SimCloud, SimGrant, SimKey, Trigger};

const ROOT_ID: &str = "HPUAMCROOTKEY0000001";
const ROOT_SECRET: &str = "mcHuaweiRootSecretNeverPrinted000000001";

/// A simulator with the main account's key and a 150 ms IAM propagation delay.
async fn cloud() -> SimCloud {
    let cloud = sim(20, 2, 1).await;
    cloud.keys().insert(root_key(ROOT_ID, ROOT_SECRET));
    cloud
        .iam()
        .set_propagation_delay(Duration::from_millis(150));
    cloud
}

fn provider_with(cloud: &SimCloud, key: AccessKey) -> HuaweiProvider {
    builder_with(cloud, key)
        .with_propagation_wait(PropagationWait::new(
            5,
            Duration::from_millis(40),
            Duration::from_millis(200),
        ))
        .build()
        .expect("provider builds")
}

fn root(cloud: &SimCloud) -> HuaweiProvider {
    provider_with(cloud, AccessKey::new(ROOT_ID, ROOT_SECRET))
}

const HOST_CSPM: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];
const SYSTEM: [&str; 3] = ["ECS ReadOnlyAccess", "IAM ReadOnlyAccess", "Tenant Guest"];

fn grant(policy: &str, scope: &str) -> SimGrant {
    SimGrant {
        policy: policy.into(),
        scope: scope.into(),
    }
}

fn no_sim_made_key_left(cloud: &SimCloud) -> bool {
    cloud
        .keys()
        .all()
        .iter()
        .all(|k| !k.id.starts_with("HPUAMCSIM"))
}

#[tokio::test]
async fn a_main_account_key_makes_a_user_whose_group_serves_exactly_the_features() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().expect("Huawei onboards");
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .expect("onboarding works");
    assert_eq!(outcome.user_name, "multicloud-secops");
    assert!(outcome.created_user);
    assert_eq!(outcome.policies, SYSTEM);
    assert_eq!(outcome.newly_attached, SYSTEM);
    // Huawei grants to groups: the user's own group, each permission in its scope.
    let group = cloud.iam().group("multicloud-secops-group").expect("group");
    assert_eq!(group.members, ["multicloud-secops"]);
    assert_eq!(
        group.grants,
        [
            grant("ECS ReadOnlyAccess", "projects"),
            grant("IAM ReadOnlyAccess", "domain"),
            grant("Tenant Guest", "domain"),
            grant("Tenant Guest", "projects"),
        ]
    );
    let user = cloud.iam().user("multicloud-secops").unwrap();
    assert!(user.policies.is_empty(), "grants go to the group");
    assert_eq!(user.keys.len(), 1);
    assert_eq!(user.keys[0].id, outcome.access_key.id());
    assert_eq!(user.keys[0].description, KEY_MARK);
    // The new key was refused as unknown while it propagated, then accepted.
    let calls = cloud
        .recorder()
        .requests_for("iam:KeystoneListAuthProjects");
    let new_id = outcome.access_key.id();
    let accepted = calls
        .iter()
        .position(|r| matches!(&r.outcome, Outcome::Handled { key_id, .. } if key_id == new_id))
        .expect("the new key was accepted");
    assert!(
        calls[..accepted]
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Refused { status: 401 })),
        "the propagation delay was never met"
    );
    // The new key is ready for both features ...
    let sub = provider_with(&cloud, outcome.access_key.clone());
    let features: Vec<&dyn Feature> = HOST_CSPM.iter().map(|f| f as &dyn Feature).collect();
    let report = sub.verify(&features).await.unwrap();
    assert!(report.is_ready(), "{report:#?}");
    // ... and is no main-account key: it cannot onboard, and the diagnosis says why.
    let err = sub
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("other", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(
        err.message()
            .starts_with("this is an IAM user's key (IAM user multicloud-secops"),
        "{err}"
    );
    assert!(cloud.iam().user("multicloud-other").is_none());
}

#[tokio::test]
async fn response_makes_the_guides_custom_policies_in_their_scopes() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let request = OnboardRequest::new("soc", vec![StandardFeature::Response]);
    let outcome = provider
        .onboarder()
        .unwrap()
        .onboard(&request)
        .await
        .unwrap();
    assert_eq!(outcome.policies, ["siemBasePolicy", "siemNormalPolicy"]);
    assert_eq!(
        cloud.iam().custom_policies(),
        ["siemBasePolicy", "siemNormalPolicy"]
    );
    let base = cloud.iam().custom_policy("siemBasePolicy").unwrap();
    assert_eq!(base["type"], "AX");
    assert_eq!(base["policy"]["Version"], "1.1");
    let normal = cloud.iam().custom_policy("siemNormalPolicy").unwrap();
    assert_eq!(normal["type"], "XA");
    assert_eq!(
        cloud.iam().group("multicloud-soc-group").unwrap().grants,
        [
            grant("siemBasePolicy", "domain"),
            grant("siemNormalPolicy", "projects")
        ]
    );
    let sub = provider_with(&cloud, outcome.access_key.clone());
    let report = sub.verify(&[&StandardFeature::Response]).await.unwrap();
    // Every listing of the feature is allowed (its writes cannot be checked without a
    // side effect, so verify leaves them unverified).
    assert_eq!(report.kinds.len(), 3, "{report:#?}");
    assert!(
        report.kinds.iter().all(|k| k.read == Access::Allowed),
        "{report:#?}"
    );
    // A second user reuses the custom policies instead of making them again.
    let other = OnboardRequest::new("soc2", vec![StandardFeature::Response]);
    provider.onboarder().unwrap().onboard(&other).await.unwrap();
    assert_eq!(
        cloud.recorder().count("iam:CreateCloudServiceCustomPolicy"),
        2
    );
}

#[tokio::test]
async fn a_rerun_reuses_the_user_and_group_and_rotates_only_keys_it_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let request = OnboardRequest::new("secops", HOST_CSPM.to_vec());
    let first = onboarder.onboard(&request).await.unwrap();
    let grants_before = cloud.recorder().count("iam:UpdateDomainGroupInheritRole");
    let second = onboarder.onboard(&request).await.unwrap();
    assert!(!second.created_user);
    assert!(second.newly_attached.is_empty());
    assert!(second.deleted_keys.is_empty());
    assert_eq!(cloud.iam().users().len(), 1);
    assert_eq!(cloud.iam().groups().len(), 1);
    assert_eq!(cloud.recorder().count("iam:KeystoneCreateGroup"), 1);
    assert_eq!(
        cloud.recorder().count("iam:UpdateDomainGroupInheritRole"),
        grants_before
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
        [second.access_key.id(), third.access_key.id()].map(str::to_owned)
    );
    assert!(cloud.keys().get(first.access_key.id()).is_none());

    // A user at the cap with keys we did not make is left as it was, group and all.
    cloud.iam().create_user("multicloud-ops", "u-ops").unwrap();
    for n in 0..2 {
        let key = SimKey::new(format!("HPUAFOREIGN{n:09}"), "foreign", DEMO_DOMAIN_ID)
            .with_user("multicloud-ops", "u-ops");
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
    assert!(!err.message().contains("could NOT undo"), "{err}");
    assert_eq!(cloud.iam().user("multicloud-ops").unwrap().keys.len(), 2);
    assert!(
        cloud.iam().group("multicloud-ops-group").is_none(),
        "the group this run made was left behind"
    );
}

#[tokio::test]
async fn a_failure_at_each_step_rolls_back_what_the_run_made() {
    let cloud = cloud().await;
    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let request = OnboardRequest::new(
        "rollback",
        vec![StandardFeature::Host, StandardFeature::Response],
    );
    for (endpoint, step) in [
        ("iam:CreateUser", "creating the user"),
        ("iam:KeystoneCreateGroup", "creating the user"),
        ("iam:KeystoneAddUserToGroup", "creating the user"),
        (
            "iam:CreateCloudServiceCustomPolicy",
            "creating a custom policy",
        ),
        (
            "iam:KeystoneListDomainPermissionsForGroup",
            "listing the user's policies",
        ),
        (
            "iam:KeystoneAssociateGroupWithDomainPermission",
            "attaching a policy",
        ),
        ("iam:UpdateDomainGroupInheritRole", "attaching a policy"),
        ("iam:ListPermanentAccessKeys", "listing the user's keys"),
        ("iam:CreatePermanentAccessKey", "creating the access key"),
    ] {
        cloud.faults().clear();
        cloud.faults().on(endpoint).server_error(Trigger::every(1));
        let err = onboarder.onboard(&request).await.unwrap_err();
        let text = err.message();
        assert!(text.contains(step), "{endpoint}: {err}");
        assert!(!text.contains("could NOT undo"), "{endpoint}: {err}");
        assert!(cloud.iam().users().is_empty(), "{endpoint}: user left");
        assert!(cloud.iam().groups().is_empty(), "{endpoint}: group left");
        assert!(
            cloud.iam().custom_policies().is_empty(),
            "{endpoint}: policy left"
        );
        assert!(no_sim_made_key_left(&cloud), "{endpoint}: key left");
    }
    cloud.faults().clear();
    onboarder
        .onboard(&request)
        .await
        .expect("works without faults");

    // What cannot be undone is said.
    cloud
        .faults()
        .on("iam:CreatePermanentAccessKey")
        .server_error(Trigger::every(1));
    cloud
        .faults()
        .on("iam:KeystoneDeleteUser")
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
async fn an_iam_users_key_is_refused_before_any_change_and_no_secret_is_shown() {
    let cloud = cloud().await;
    // An IAM user with every permission, and one that cannot read IAM at all.
    for (label, who) in [
        ("admin", "IAM user secops-admin"),
        ("readonly", "may not read its own IAM record"),
    ] {
        let key = cloud.keys().by_label(label).unwrap().access_key();
        let err = provider_with(&cloud, key)
            .onboarder()
            .unwrap()
            .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{label}");
        assert!(
            err.message().starts_with("this is an IAM user's key"),
            "{label}: {err}"
        );
        assert!(err.message().contains(who), "{label}: {err}");
        assert!(err.message().contains("main account's key"), "{err}");
    }
    // A temporary key (with a security token) is no main-account key either.
    let temporary = AccessKey::new(ROOT_ID, ROOT_SECRET).with_session_token("mcSimToken");
    let err = provider_with(&cloud, temporary)
        .onboarder()
        .unwrap()
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .starts_with("this is a temporary (security-token) key"),
        "{err}"
    );
    assert!(cloud.iam().users().is_empty());
    assert_eq!(cloud.recorder().count("iam:CreateUser"), 0);

    let provider = root(&cloud);
    let onboarder = provider.onboarder().unwrap();
    let outcome = onboarder
        .onboard(&OnboardRequest::new("secops", HOST_CSPM.to_vec()))
        .await
        .unwrap();
    let new_secret = outcome.access_key.secret().expose().to_owned();
    cloud
        .faults()
        .on("iam:KeystoneAssociateGroupWithDomainPermission")
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
    let sub = HuaweiProviderBuilder::new("e2e")
        .with_credential(shared.clone())
        .with_endpoint_url(cloud.base_url())
        .with_retry(huawei_support::fast_retry(4))
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
fn policies_follow_the_features_and_unknown_features_are_refused() {
    let provider = HuaweiProviderBuilder::new("x")
        .with_access_key(AccessKey::new("HPUAEXAMPLE", "example-secret"))
        .build()
        .unwrap();
    let onboarder = provider.onboarder().unwrap();
    let docs = onboarder
        .policy_documents(&OnboardRequest::new("x", vec![StandardFeature::Host]))
        .unwrap();
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["ECS ReadOnlyAccess", "IAM ReadOnlyAccess"]);
    let err = onboarder
        .policy_documents(&OnboardRequest::new("x", vec![StandardFeature::AuditLog]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
