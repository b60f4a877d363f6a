//! `verify`: who the key belongs to, then one cheap read per action each feature needs.
//!
//! Identity comes from `sts:GetCallerIdentity`, falling back to `cam:GetUserAppId` when STS
//! refuses the key for another reason than its validity. An authentication failure is
//! reported, never retried (the transport retries only throttling and transient errors).
//! A probe that fails with anything but a permission error still proves the permission is
//! granted: CAM checks the action before the service looks at the parameters.

use multicloud_core::{
    AccountName, CredentialStatus, Domain, Error, ErrorKind, Feature, FeatureCheck, FeatureStatus,
    Identity, PrincipalType, ProviderKind, Region, Result, StandardFeature, VerifyReport,
};
use serde_json::{json, Value};

use crate::api::{self, Api};
use crate::client::Client;
use crate::errors;
use crate::wire::{CallerIdentity, UserAppId};

/// The region probed when the account's region list cannot say better.
const DEFAULT_PROBE_REGION: &str = "ap-guangzhou";

/// The features this provider implements.
pub(crate) const FEATURES: &[StandardFeature] = &[
    StandardFeature::Host,
    StandardFeature::Cspm,
    StandardFeature::Response,
];

/// One probe: an action and the parameters of its cheapest call.
struct Probe {
    api: Api,
    regional: bool,
    params: Value,
}

fn probes(feature: StandardFeature) -> Vec<Probe> {
    let p = |api: Api, regional: bool, params: Value| Probe {
        api,
        regional,
        params,
    };
    match feature {
        StandardFeature::Host => vec![
            p(
                api::REGION_DESCRIBE_REGIONS,
                false,
                json!({"Product": "cvm"}),
            ),
            p(
                api::CVM_DESCRIBE_INSTANCES,
                true,
                json!({"Offset": 0, "Limit": 1}),
            ),
        ],
        StandardFeature::Cspm => vec![
            p(api::CAM_LIST_USERS, false, json!({})),
            p(
                api::CBS_DESCRIBE_DISKS,
                true,
                json!({"Offset": 0, "Limit": 1}),
            ),
            p(
                api::VPC_DESCRIBE_VPCS,
                true,
                json!({"Offset": "0", "Limit": "1"}),
            ),
        ],
        StandardFeature::Response => vec![
            p(
                api::CFW_DESCRIBE_BLOCK_IGNORE_LIST,
                true,
                json!({"Limit": 1, "Offset": 0, "RuleType": 1, "Direction": "", "SearchValue": "{}"}),
            ),
            p(
                api::WAF_DESCRIBE_IP_ACCESS_CONTROL,
                true,
                json!({"Domain": "global", "ActionType": 42, "OffSet": 0, "Limit": 1}),
            ),
        ],
        _ => Vec::new(),
    }
}

/// Runs the identity call and the probes of `features`.
pub(crate) async fn verify(
    client: &Client,
    account: &AccountName,
    domain: Domain,
    features: &[StandardFeature],
) -> Result<VerifyReport> {
    let report = |credential, identity, checks| {
        VerifyReport::new(ProviderKind::Tencent, account.clone(), domain, credential)
            .with_identity(identity)
            .with_features(checks)
    };
    let identity = match identity(client).await {
        Ok(identity) => identity,
        Err(e) if e.kind() == ErrorKind::Config => return Err(e),
        Err(e) => {
            let checks = features
                .iter()
                .map(|&feature| {
                    FeatureCheck::new(
                        feature,
                        FeatureStatus::Error {
                            kind: e.kind(),
                            message: "not probed: the key itself could not be verified".to_owned(),
                        },
                    )
                })
                .collect();
            return Ok(report(
                CredentialStatus::from_error(&e, errors::diagnosis(&e)),
                None,
                checks,
            ));
        }
    };
    let region = probe_region(client).await;
    let mut checks = Vec::with_capacity(features.len());
    for &feature in features {
        let status = if FEATURES.contains(&feature) {
            check_feature(client, feature, &region).await
        } else {
            FeatureStatus::Unsupported
        };
        checks.push(FeatureCheck::new(feature, status));
    }
    Ok(report(CredentialStatus::Valid, Some(identity), checks))
}

async fn identity(client: &Client) -> Result<Identity> {
    match client
        .call(api::STS_GET_CALLER_IDENTITY, None, &json!({}))
        .await
    {
        Ok(resp) => Ok(from_caller(
            resp.parse(api::STS_GET_CALLER_IDENTITY.action)?,
        )),
        // A key STS refuses but that may still be valid: ask CAM instead.
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::Service) => {
            let resp = client
                .call(api::CAM_GET_USER_APP_ID, None, &json!({}))
                .await?;
            Ok(from_app_id(resp.parse(api::CAM_GET_USER_APP_ID.action)?))
        }
        Err(e) => Err(e),
    }
}

fn from_caller(id: CallerIdentity) -> Identity {
    let principal_type = match id.kind.as_str() {
        "CAMRole" => PrincipalType::Role,
        // The root account's own key: its principal is the owner uin itself.
        _ if !id.principal_id.is_empty()
            && id.principal_id == id.account_id
            && id.user_id == id.account_id =>
        {
            PrincipalType::Root
        }
        "CAMUser" | "" => PrincipalType::User,
        _ => PrincipalType::Unknown,
    };
    Identity::new(id.account_id, id.arn, principal_type)
}

fn from_app_id(app: UserAppId) -> Identity {
    let principal_type = if app.uin == app.owner_uin {
        PrincipalType::Root
    } else {
        PrincipalType::User
    };
    Identity::new(
        app.owner_uin,
        format!("qcs::cam::uin/{}", app.uin),
        principal_type,
    )
}

/// `ap-guangzhou` when the account lists it (or the list is unavailable), else its first region.
async fn probe_region(client: &Client) -> String {
    match crate::regions::list(client).await {
        Ok(regions) => pick_region(&regions),
        Err(_) => DEFAULT_PROBE_REGION.to_owned(),
    }
}

fn pick_region(regions: &[Region]) -> String {
    let usable: Vec<&Region> = regions.iter().filter(|r| r.is_scannable()).collect();
    if usable.is_empty() || usable.iter().any(|r| r.id == DEFAULT_PROBE_REGION) {
        DEFAULT_PROBE_REGION.to_owned()
    } else {
        usable[0].id.clone()
    }
}

async fn check_feature(client: &Client, feature: StandardFeature, region: &str) -> FeatureStatus {
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    let mut failure: Option<Error> = None;
    for probe in probes(feature) {
        let region = probe.regional.then_some(region);
        match client.call(probe.api, region, &probe.params).await {
            // Seeing the region list proves reach, not that any asset can be listed.
            Ok(_) if probe.api == api::REGION_DESCRIBE_REGIONS => {}
            Ok(_) => allowed.push(probe.api.name()),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => denied.push(probe.api.name()),
            // Throttled, network and auth failures say nothing about the grant.
            Err(e) if e.is_retryable() || e.is_auth_failure() || e.kind() == ErrorKind::Decode => {
                failure.get_or_insert(e);
            }
            // Parameter, not-found and quota errors come after CAM let the call through.
            Err(_) => allowed.push(probe.api.name()),
        }
    }
    if !denied.is_empty() {
        return FeatureStatus::Missing {
            allowed_actions: allowed,
            denied_actions: denied,
            grant: feature
                .policies(ProviderKind::Tencent)
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        };
    }
    match failure {
        Some(e) => FeatureStatus::Error {
            kind: e.kind(),
            message: e.to_string(),
        },
        None => FeatureStatus::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_account_role_and_root_identities_are_told_apart() {
        let sub = from_caller(CallerIdentity {
            arn: "qcs::cam:1000262001:uin/1000261002".into(),
            account_id: "1000262001".into(),
            user_id: "1000261002".into(),
            principal_id: "1000261002".into(),
            kind: "CAMUser".into(),
        });
        assert_eq!(sub.principal_type, PrincipalType::User);
        assert_eq!(sub.account_id, "1000262001");
        let root = from_caller(CallerIdentity {
            arn: "qcs::cam::uin/1000262001:root".into(),
            account_id: "1000262001".into(),
            user_id: "1000262001".into(),
            principal_id: "1000262001".into(),
            kind: "CAMUser".into(),
        });
        assert_eq!(root.principal_type, PrincipalType::Root);
        let role = from_caller(CallerIdentity {
            arn: "qcs::sts:1:assumed-role/2".into(),
            account_id: "1".into(),
            user_id: "2:s".into(),
            principal_id: "3".into(),
            kind: "CAMRole".into(),
        });
        assert_eq!(role.principal_type, PrincipalType::Role);
        let app = from_app_id(UserAppId {
            uin: "7".into(),
            owner_uin: "7".into(),
        });
        assert_eq!(app.principal_type, PrincipalType::Root);
    }

    #[test]
    fn probe_region_prefers_guangzhou_then_the_first_enabled_region() {
        assert_eq!(pick_region(&[]), "ap-guangzhou");
        assert_eq!(
            pick_region(&[
                Region::enabled("ap-beijing"),
                Region::enabled("ap-guangzhou")
            ]),
            "ap-guangzhou"
        );
        assert_eq!(pick_region(&[Region::enabled("na-ashburn")]), "na-ashburn");
    }

    #[test]
    fn every_implemented_feature_has_probes_and_policies() {
        for &f in FEATURES {
            assert!(!probes(f).is_empty(), "{f}");
            assert!(!f.policies(ProviderKind::Tencent).is_empty(), "{f}");
        }
        assert_eq!(
            StandardFeature::Cspm.policies(ProviderKind::Tencent),
            ["ReadOnlyAccess", "QcloudCamReadOnlyAccess"]
        );
    }
}
