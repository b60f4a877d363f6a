//! `verify`: who the key belongs to, then one cheap read per resource kind.
//!
//! Identity comes from `sts:GetCallerIdentity`, falling back to `cam:GetUserAppId` when STS
//! refuses the key for another reason than its validity. An authentication failure is
//! reported, never retried (the transport retries only throttling and transient errors).
//! A probe that fails with anything but a permission error, an authentication failure, a
//! throttle or a broken answer still proves the permission is granted: CAM checks the action
//! before the service looks at the parameters. Tencent offers no dry run of the block
//! calls, so their write actions are reported as not checked (core's default).

use multicloud_core::{
    CredentialStatus, Error, ErrorKind, Identity, KeyCheck, PrincipalType, Region, ResourceKind,
    Result, StandardFeature,
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

/// The identity call, with a diagnosis for every way it can fail.
pub(crate) async fn check_key(client: &Client) -> Result<KeyCheck> {
    match identity(client).await {
        Ok(identity) => Ok(KeyCheck::new(CredentialStatus::Valid, Some(identity))),
        Err(e) if e.kind() == ErrorKind::Config => Err(e),
        Err(e) => Ok(KeyCheck::new(
            CredentialStatus::from_error(&e, errors::diagnosis(&e)),
            None,
        )),
    }
}

/// The cheapest call of `kind`'s main listing action, and whether it is regional.
fn probe_call(kind: &ResourceKind) -> Option<(Api, bool, Value)> {
    let page = || json!({"Offset": 0, "Limit": 1});
    let text_page = || json!({"Offset": "0", "Limit": "1"});
    Some(match kind.id {
        "host" => (api::CVM_DESCRIBE_INSTANCES, true, page()),
        "cbs.disk" => (api::CBS_DESCRIBE_DISKS, true, page()),
        "clb.load_balancer" => (api::CLB_DESCRIBE_LOAD_BALANCERS, true, page()),
        "vpc.vpc" => (api::VPC_DESCRIBE_VPCS, true, text_page()),
        "vpc.security_group" => (api::VPC_DESCRIBE_SECURITY_GROUPS, true, text_page()),
        "cdb.mysql_instance" => (api::CDB_DESCRIBE_DB_INSTANCES, true, page()),
        "redis.instance" => (api::REDIS_DESCRIBE_INSTANCES, true, page()),
        "cam.user" => (api::CAM_LIST_USERS, false, json!({})),
        "tag.resource" => (api::TAG_GET_RESOURCES, false, json!({"MaxResults": 1})),
        "cfw.block" => (
            api::CFW_DESCRIBE_BLOCK_IGNORE_LIST,
            true,
            json!({"Limit": 1, "Offset": 0, "RuleType": 1, "Direction": "", "SearchValue": "{}"}),
        ),
        "waf.block" => (
            api::WAF_DESCRIBE_IP_ACCESS_CONTROL,
            true,
            json!({"Domain": "global", "ActionType": 42, "OffSet": 0, "Limit": 1}),
        ),
        _ => return None,
    })
}

/// One cheap read of `kind`'s listing action (`cos.bucket`: one `GetService` call).
pub(crate) async fn probe_read(client: &Client, kind: &ResourceKind, region: &str) -> Result<()> {
    if kind.id == "cos.bucket" {
        return crate::cos::probe(client).await;
    }
    let (api, regional, params) = probe_call(kind)
        .ok_or_else(|| Error::config(format!("Tencent Cloud has no resource kind {kind}")))?;
    match client.call(api, regional.then_some(region), &params).await {
        Ok(_) => Ok(()),
        // Throttled, network, auth, permission and decode failures are answers about the key
        // or the call; parameter, not-found and quota errors come after CAM let it through.
        Err(e)
            if e.is_retryable()
                || e.is_auth_failure()
                || matches!(
                    e.kind(),
                    ErrorKind::PermissionDenied | ErrorKind::Decode | ErrorKind::Config
                ) =>
        {
            Err(e)
        }
        Err(_) => Ok(()),
    }
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
pub(crate) async fn probe_region(client: &Client) -> String {
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
    fn every_kind_but_cos_has_a_probe_call_of_its_main_action() {
        for kind in &crate::resources::KINDS {
            if kind.id == "cos.bucket" {
                continue;
            }
            let (api, _, _) = probe_call(kind).unwrap_or_else(|| panic!("{kind}"));
            assert_eq!(Some(api.name().as_str()), kind.probe_action(), "{kind}");
        }
    }
}
