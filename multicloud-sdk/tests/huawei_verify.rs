//! Huawei Cloud `verify` end to end against the simulator: the permission matrix (full,
//! read-only, partial, per-region grants), each `APIGW.0301` variant, and the rule that no
//! request follows the first authentication refusal.

mod huawei_support;

use std::sync::Arc;

use huawei_support::{collect, provider, provider_with, sim};
use multicloud_core::{
    Access, AccessKey, Clock, CloudProvider, CredentialStatus, ErrorKind, Feature, FeatureStatus,
    KindFeature, ManualClock, StandardFeature, SystemClock,
};
use multicloud_testkit::huawei::{DEMO_DOMAIN_ID, READONLY_AK};
use multicloud_testkit::{KeyStatus, Permissions, SimKey};

const HOST: StandardFeature = StandardFeature::Host;
const CSPM: StandardFeature = StandardFeature::Cspm;
const RESPONSE: StandardFeature = StandardFeature::Response;
const ALL: [&dyn Feature; 3] = [&HOST, &CSPM, &RESPONSE];

fn key(cloud: &multicloud_testkit::SimCloud, ak: &str, permissions: Permissions) -> AccessKey {
    let sk = format!("secret-of-{ak}-0000000000000000");
    cloud
        .keys()
        .insert(SimKey::new(ak, sk.clone(), DEMO_DOMAIN_ID).with_permissions(permissions));
    AccessKey::new(ak, sk)
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
async fn an_admin_key_reads_everything_and_block_writes_stay_unverified() {
    let cloud = sim(12, 3, 2).await;
    let p = provider(&cloud, "admin");
    let report = p.verify(&ALL).await.unwrap();
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_eq!(report.identity.as_ref().unwrap().account_id, DEMO_DOMAIN_ID);
    assert_eq!(report.feature(&HOST), Some(&FeatureStatus::Ok));
    assert_eq!(report.feature(&CSPM), Some(&FeatureStatus::Ok));
    // No side-effect-free check of CFW/WAF writes exists: never reported as granted.
    match report.feature(&RESPONSE).unwrap() {
        FeatureStatus::Unverified { not_checked, grant } => {
            assert!(not_checked.contains(&"cfw:AddAddressItem".to_owned()));
            assert!(not_checked.contains(&"waf:CreateWhiteblackipRule".to_owned()));
            assert_eq!(grant, &["siemNormalPolicy"]);
        }
        other => panic!("{other:?}"),
    }
    // One identity call (which is also the projects lookup), no second projects lookup.
    assert_eq!(cloud.count("iam:KeystoneListAuthProjects"), 1);
    // Hosts, CFW and WAF were probed in each of the 9 regions the account has a project in.
    assert_eq!(cloud.count("ecs:ListServersDetails"), 9);
    assert_eq!(cloud.count("cfw:ListFirewallDetail"), 9);
    assert_eq!(cloud.count("waf:ListPolicy"), 9);
    // The whole verify: identity 1, ECS/CFW/WAF 9 each, region catalog 1, RMS once for its
    // six kinds (one action grants them all), OBS 1, key status 1.
    assert_eq!(cloud.count("rms:ListAllResources"), 1);
    assert_eq!(cloud.requests().len(), 32);
}

#[tokio::test]
async fn the_readonly_key_misses_only_the_response_grants() {
    let cloud = sim(4, 2, 1).await;
    let report = provider(&cloud, "readonly").verify(&ALL).await.unwrap();
    assert_eq!(report.feature(&HOST), Some(&FeatureStatus::Ok));
    assert_eq!(report.feature(&CSPM), Some(&FeatureStatus::Ok));
    match report.feature(&RESPONSE).unwrap() {
        FeatureStatus::Missing {
            denied_actions,
            grant,
            denied_kinds,
            allowed_actions,
        } => {
            assert_eq!(denied_actions, &["iam:ShowPermanentAccessKey"]);
            assert_eq!(grant, &["siemBasePolicy"]);
            assert_eq!(denied_kinds, &["iam.credential"]);
            assert!(allowed_actions.contains(&"cfw:ListFirewallDetail".to_owned()));
        }
        other => panic!("{other:?}"),
    }
    assert!(!report.is_ready());
    assert!(!report.is_valid_but_empty());
}

#[tokio::test]
async fn each_missing_grant_names_its_policy_and_one_denied_kind_hides_no_other() {
    let cloud = sim(4, 2, 1).await;
    // Tenant Guest without OBS, no IAM read, no ECS: CSPM partly works.
    let k = key(
        &cloud,
        "HPUATESTPARTIAL00001",
        Permissions::only(["rms:*", "cfw:List*", "waf:List*"]),
    );
    let p = provider_with(&cloud, k, None);
    let report = p.verify(&ALL).await.unwrap();
    match report.feature(&HOST).unwrap() {
        FeatureStatus::Missing {
            grant,
            denied_kinds,
            ..
        } => {
            assert_eq!(grant, &["ECS ReadOnlyAccess", "IAM ReadOnlyAccess"]);
            assert_eq!(denied_kinds, &["host", "iam.region"]);
        }
        other => panic!("{other:?}"),
    }
    match report.feature(&CSPM).unwrap() {
        FeatureStatus::Missing {
            grant,
            denied_kinds,
            allowed_actions,
            ..
        } => {
            assert_eq!(grant, &["IAM ReadOnlyAccess", "Tenant Guest"]);
            assert_eq!(denied_kinds, &["iam.region", "obs.buckets"]);
            assert!(allowed_actions.contains(&"rms:ListAllResources".to_owned()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        report.denied_kinds(),
        ["host", "iam.region", "obs.buckets", "iam.credential"]
    );
    // The listings agree with verify: RMS lists, OBS is refused on its own.
    assert!(!collect(&p, "vpc.vpcs", None).await.unwrap().is_empty());
    let obs = collect(&p, "obs.buckets", None).await.unwrap_err();
    assert_eq!(obs.kind(), ErrorKind::PermissionDenied);
    // A feature made of kinds works the same way.
    let mine = KindFeature::new("network", ["vpc.vpcs", "vpc.securitygroups"]);
    let report = p.verify(&[&mine]).await.unwrap();
    assert_eq!(report.feature(&mine), Some(&FeatureStatus::Ok));
}

#[tokio::test]
async fn a_key_granted_in_some_regions_reads_as_not_granted_there_not_as_empty() {
    let cloud = sim(18, 3, 1).await;
    let k = key(
        &cloud,
        "HPUATESTREGIONAL0001",
        Permissions::all_except([
            "ecs:ListServersDetails@cn-east-3",
            "ecs:ListServersDetails@cn-south-1",
        ]),
    );
    let p = provider_with(&cloud, k, None);
    let report = p.verify(&[&HOST]).await.unwrap();
    let host = report.kind("host").unwrap();
    match &host.read {
        Access::Denied { actions } => assert_eq!(actions, &["ecs:ListServersDetails"]),
        other => panic!("{other:?}"),
    }
    match report.feature(&HOST).unwrap() {
        FeatureStatus::Missing { grant, .. } => assert_eq!(grant, &["ECS ReadOnlyAccess"]),
        other => panic!("{other:?}"),
    }
    // The probe's error names the regions; listing there fails, not "no hosts".
    let err = p
        .probe_read(huawei_support::kind(&p, "host"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let msg = err.to_string();
    assert!(
        msg.contains("cn-east-3") && msg.contains("cn-south-1"),
        "{msg}"
    );
    assert!(msg.contains("not granted in regions"), "{msg}");
    let denied = collect(&p, "host", Some("cn-east-3")).await.unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        collect(&p, "host", Some("cn-north-4")).await.unwrap().len(),
        6
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_once_and_nothing_follows() {
    let cloud = sim(4, 2, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    let p = provider_with(
        &cloud,
        AccessKey::new(admin.id.clone(), "not-the-secret"),
        None,
    );
    let report = p.verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert_eq!(code.as_deref(), Some("APIGW.0301"));
    assert!(diagnosis.contains("wrong secret"), "{diagnosis}");
    assert!(
        diagnosis.contains("SecretKey does not match"),
        "{diagnosis}"
    );
    assert_eq!(cloud.requests().len(), 1, "only the identity call was sent");
    // Every later call of this provider fails at once without reaching the cloud.
    for id in ["host", "vpc.vpcs"] {
        let region = (id == "host").then_some("cn-north-4");
        let e = collect(&p, id, region).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredential);
        assert!(e.to_string().contains("not sent"), "{e}");
    }
    assert!(p.regions().await.is_err());
    assert!(p.verify(&ALL).await.is_ok());
    assert_eq!(
        cloud.requests().len(),
        1,
        "zero requests after the first refusal"
    );
    // The key is far from being locked by the gateway.
    let fixed = provider(&cloud, "admin");
    assert_eq!(
        fixed.verify(&[&HOST]).await.unwrap().credential,
        CredentialStatus::Valid
    );
}

#[tokio::test]
async fn an_unknown_key_and_a_disabled_key_say_which_they_are() {
    let cloud = sim(2, 1, 1).await;
    let unknown = provider_with(&cloud, AccessKey::new("HPUANOSUCHKEY0000001", "x"), None);
    let (kind, _, diagnosis) = invalid(&unknown.verify(&ALL).await.unwrap().credential);
    assert_eq!(kind, ErrorKind::InvalidCredential);
    assert!(diagnosis.contains("unknown key"), "{diagnosis}");
    assert!(diagnosis.contains("does not exist"), "{diagnosis}");
    let disabled = provider(&cloud, "disabled");
    let (kind, _, diagnosis) = invalid(&disabled.verify(&ALL).await.unwrap().credential);
    assert_eq!(kind, ErrorKind::CredentialDisabled);
    assert!(
        diagnosis.contains("disabled or account frozen"),
        "{diagnosis}"
    );
    // A key disabled while in use stops the account at the next call.
    let k = key(&cloud, "HPUATESTDISABLE00001", Permissions::All);
    let p = provider_with(&cloud, k, None);
    assert_eq!(
        p.verify(&[&HOST]).await.unwrap().credential,
        CredentialStatus::Valid
    );
    cloud
        .keys()
        .set_status("HPUATESTDISABLE00001", KeyStatus::Disabled);
    let before = cloud.requests().len();
    let e = collect(&p, "host", Some("cn-north-4")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CredentialDisabled);
    let _ = collect(&p, "vpc.vpcs", None).await.unwrap_err();
    assert_eq!(cloud.requests().len(), before + 1);
}

#[tokio::test]
async fn a_locked_key_is_reported_as_locked_and_left_alone_for_five_minutes() {
    let cloud = sim(2, 1, 1).await;
    let readonly = cloud.keys().by_label("readonly").unwrap();
    // Someone else mistyped the secret six times: the gateway locks the AccessKey.
    for i in 0..6 {
        let wrong = provider_with(
            &cloud,
            AccessKey::new(READONLY_AK, format!("typo-{i}")),
            None,
        );
        let _ = wrong.check_key().await.unwrap();
    }
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let p = provider_with(
        &cloud,
        readonly.access_key(),
        Some(clock.clone() as Arc<dyn Clock>),
    );
    let report = p.verify(&ALL).await.unwrap();
    let (kind, code, diagnosis) = invalid(&report.credential);
    assert_eq!(kind, ErrorKind::CredentialDisabled);
    assert_eq!(code.as_deref(), Some("APIGW.0301"));
    assert!(diagnosis.contains("locked for 5 minutes"), "{diagnosis}");
    let sent = cloud.requests().len();
    assert!(p.verify(&ALL).await.unwrap().credential != CredentialStatus::Valid);
    assert_eq!(
        cloud.requests().len(),
        sent,
        "nothing is sent during the lock"
    );
    // After the lock the same key is tried again.
    clock.set(SystemClock.now() + std::time::Duration::from_secs(6 * 60));
    let _ = p.check_key().await.unwrap();
    assert_eq!(cloud.requests().len(), sent + 1);
}

#[tokio::test]
async fn secrets_never_show_in_reports_errors_or_debug() {
    let cloud = sim(2, 1, 1).await;
    let secret = "planted-secret-value-XYZ";
    let p = provider_with(&cloud, AccessKey::new("HPUANOSUCHKEY0000002", secret), None);
    let report = p.verify(&ALL).await.unwrap();
    assert!(!format!("{report:?}").contains(secret));
    assert!(!serde_json::to_string(&report).unwrap().contains(secret));
    let e = collect(&p, "host", Some("cn-north-4")).await.unwrap_err();
    assert!(!format!("{e:?} {e}").contains(secret));
    assert!(!format!("{p:?}").contains(secret));
}

/// A key source whose key can be replaced while the provider runs (a rotated secret).
#[derive(Debug, Clone)]
struct Rotating(Arc<std::sync::Mutex<AccessKey>>);

impl multicloud_core::Credential for Rotating {
    fn access_key<'a, 'b>(
        &'a self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = multicloud_core::Result<AccessKey>> + Send + 'b>,
    >
    where
        'a: 'b,
        Self: 'b,
    {
        let key = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(key) })
    }
}

#[tokio::test]
async fn a_fixed_secret_is_tried_again_at_once() {
    let cloud = sim(3, 1, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    let source = Rotating(Arc::new(std::sync::Mutex::new(AccessKey::new(
        admin.id.clone(),
        "mistyped",
    ))));
    let p = huawei_support::builder_with(&cloud, AccessKey::new("unused", "unused"))
        .with_credential(source.clone())
        .build()
        .unwrap();
    let first = p.check_key().await.unwrap();
    assert!(matches!(first.status, CredentialStatus::Invalid { .. }));
    assert!(p.check_key().await.is_ok());
    assert_eq!(
        cloud.requests().len(),
        1,
        "the same wrong secret is not sent twice"
    );
    *source.0.lock().unwrap() = admin.access_key();
    assert_eq!(p.check_key().await.unwrap().status, CredentialStatus::Valid);
    assert_eq!(cloud.requests().len(), 2);
}

#[tokio::test]
async fn an_empty_rms_reads_as_recorder_off_not_as_an_empty_account() {
    let cloud = sim(3, 1, 1).await;
    cloud.faults().on("rms:ListAllResources").raw_body(
        multicloud_testkit::Trigger::every(1),
        "application/json",
        r#"{"resources": [], "page_info": {"current_count": 0, "next_marker": null}}"#,
    );
    let report = provider(&cloud, "admin").verify(&[&CSPM]).await.unwrap();
    match report.feature(&CSPM).unwrap() {
        FeatureStatus::Error { message, .. } => {
            assert!(message.contains("resource recorder"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
