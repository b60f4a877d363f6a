//! The key check and the per-kind permission probes.
//!
//! - **Key**: `GET /v3/auth/projects` (any valid key may call it). It also fills the projects
//!   cache, so the probes that follow need no other lookup. An `APIGW.0301` refusal says which
//!   variant it was, and the client sends nothing more with that key.
//! - **Probes**: one cheap call of each kind's main listing action. IAM grants are per region
//!   project, so the regional kinds (hosts, CFW, WAF) are probed in **every** region the
//!   account uses: a key granted in some regions only is reported as denied, naming the
//!   regions that are not granted, never as an empty inventory there.
//! - **RMS recorder**: when RMS answers but holds no resource at all, the recorder is most
//!   likely off; the RMS kinds then fail with a message saying so, instead of reading as an
//!   empty account.

use futures::stream::{self, StreamExt};
use multicloud_core::onboard::PolicyDocument;
use multicloud_core::{
    CredentialStatus, Error, ErrorKind, Identity, KeyCheck, PrincipalType, ProviderKind,
    ResourceKind, Result,
};
use serde_json::{json, Value};

use crate::client::{
    Api, Client, Request, Scope, CFW_LIST_FIREWALLS, ECS_LIST_SERVERS, IAM_LIST_REGIONS,
    IAM_SHOW_ACCESS_KEY, RMS_LIST_ALL_RESOURCES, WAF_LIST_POLICIES,
};
use crate::errors;
use crate::resources::{rms_request, SIEM_BASE, SIEM_NORMAL};
use crate::{hosts, obs, wire};

/// How many regions one probe asks at once: one. Core probes four kinds at once, so a key
/// disabled in the middle of a verify is refused at most four times, below the gateway's
/// lock (more than five failed authentications in a row); four regions per kind would allow
/// sixteen.
const REGION_PROBES: usize = 1;

/// The identity call.
pub(crate) async fn check_key(client: &Client) -> Result<KeyCheck> {
    match client.projects(true).await {
        Ok(_) => {
            let key_id = client.access_key_id().await?;
            // The projects name the account; a gateway that leaves it out is asked directly.
            let account = client
                .domain_id()
                .await
                .unwrap_or_else(|_| "unknown".to_owned());
            let identity = Identity::new(
                account.clone(),
                format!("access key {key_id}"),
                PrincipalType::Unknown,
            );
            Ok(KeyCheck::new(CredentialStatus::Valid, Some(identity)))
        }
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Config | ErrorKind::CredentialNotConfigured
            ) =>
        {
            Err(e)
        }
        Err(e) => Ok(KeyCheck::new(
            CredentialStatus::from_error(&e, diagnosis(&e)),
            None,
        )),
    }
}

/// A sentence for a failed key check.
fn diagnosis(e: &Error) -> String {
    if let Some(refusal) = errors::refusal_of(e) {
        return format!(
            "APIGW.0301 ({refusal}): {}. Nothing more was sent with this key.",
            refusal.diagnosis()
        );
    }
    match e.kind() {
        ErrorKind::Throttled | ErrorKind::Transient => {
            format!("the key could not be checked now, try again later: {e}")
        }
        _ => e.to_string(),
    }
}

/// One cheap call of `kind`'s main listing action.
pub(crate) async fn probe_read(client: &Client, kind: &ResourceKind) -> Result<()> {
    match kind.probe_action() {
        Some("ecs:ListServersDetails") => {
            probe_regions(client, ECS_LIST_SERVERS, |project, region| {
                hosts::page_request(project, region, 1, 1)
            })
            .await
        }
        Some("iam:KeystoneListRegions") => client
            .json(IAM_LIST_REGIONS, &Request::get("/v3/regions"))
            .await
            .map(drop),
        Some("rms:ListAllResources") => probe_rms(client).await,
        Some("obs:ListBuckets") => obs::list_page(client, None, 1).await.map(drop),
        Some("iam:ShowPermanentAccessKey") => {
            let key_id = client.access_key_id().await?;
            client
                .json(
                    IAM_SHOW_ACCESS_KEY,
                    &Request::get(format!("/v3.0/OS-CREDENTIAL/credentials/{key_id}")),
                )
                .await
                .map(drop)
        }
        Some("cfw:ListFirewallDetail") => {
            probe_regions(client, CFW_LIST_FIREWALLS, |project, region| {
                Request::get(format!("/v1/{project}/firewall/exist"))
                    .in_region(region)
                    .query("service_type", 0)
                    .query("offset", 0)
                    .query("limit", 1)
                    .scope(Scope::Project(project.to_owned()))
            })
            .await
        }
        Some("waf:ListPolicy") => {
            probe_regions(client, WAF_LIST_POLICIES, |project, region| {
                Request::get(format!("/v1/{project}/waf/policy"))
                    .in_region(region)
                    .query("page", 1)
                    .query("pagesize", 1)
                    .scope(Scope::Project(project.to_owned()))
            })
            .await
        }
        other => Err(
            Error::config(format!("kind {} has no probe for {other:?}", kind.id))
                .with_provider(ProviderKind::Huawei),
        ),
    }
}

/// `ListAllResources` with `limit=1`; no resource at all means the recorder is off.
async fn probe_rms(client: &Client) -> Result<()> {
    let domain = client.domain_id().await?;
    let body = client
        .json(RMS_LIST_ALL_RESOURCES, &rms_request(&domain, None, 1, None))
        .await?;
    let items = wire::list(&body, "resources", RMS_LIST_ALL_RESOURCES.name, None)?;
    if items.is_empty() {
        return Err(Error::new(
            ErrorKind::Service,
            "RMS lists no resource at all in this account: unless the account is truly empty, \
             RMS has not indexed it, most likely because the resource recorder (Config) is \
             off, so cloud products cannot be inventoried (an empty RMS is not proof of an \
             empty account); enable Config > Resource Recorder",
        )
        .with_provider(ProviderKind::Huawei)
        .with_action(RMS_LIST_ALL_RESOURCES.name));
    }
    Ok(())
}

/// Probes `api` in every region the account has a project in. Regions where the service
/// does not exist (`APIGW.0101`) do not count; a denial in some regions only is reported as
/// a denial naming them.
async fn probe_regions(
    client: &Client,
    api: Api,
    request: impl Fn(&str, &str) -> Request,
) -> Result<()> {
    let projects = client.projects(false).await?;
    let targets: Vec<(String, String)> = projects
        .region_names()
        .filter_map(|r| projects.project_of(r).map(|p| (r.to_owned(), p.to_owned())))
        .collect();
    let calls: Vec<_> = targets
        .iter()
        .map(|(region, project)| {
            let req = request(project, region);
            async move { (region.clone(), client.json(api, &req).await) }
        })
        .collect();
    let results: Vec<(String, Result<Value>)> =
        stream::iter(calls).buffered(REGION_PROBES).collect().await;
    let mut granted = Vec::new();
    let mut denied = Vec::new();
    let mut first_denial = None;
    let mut failure = None;
    for (region, result) in results {
        match result {
            Ok(_) => granted.push(region),
            Err(e) if e.is_auth_failure() => return Err(e),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                denied.push(region);
                first_denial.get_or_insert(e);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WrongDomainOrRegion | ErrorKind::NotFound
                ) => {}
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    match first_denial {
        Some(e) if granted.is_empty() => Err(e),
        Some(e) => Err(Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "{} is not granted in regions {} (granted in {}): grant the policy for all \
                 projects, or for these regions' projects too",
                api.name,
                denied.join(", "),
                granted.join(", ")
            ),
        )
        .with_provider(ProviderKind::Huawei)
        .with_action(api.name)
        .with_code(e.code().unwrap_or_default().to_owned())),
        None => failure.map_or(Ok(()), Err),
    }
}

/// The onboarding guide's custom policies, as JSON to paste into IAM's policy editor
/// (`Version 1.1` fine-grained policies): `siemBasePolicy` (global services: IAM read, RMS,
/// OBS read) and `siemNormalPolicy` (project services: CFW address groups and members, WAF
/// black/white IP rules). `None` for any other name.
///
/// Next to the guide's actions, `siemNormalPolicy` carries `cfw:firewall:list` and
/// `waf:policy:list`: blocking must find the firewall's protected object and the WAF
/// policies before it can add a member or a rule.
///
/// ```
/// let base = multicloud_huawei::custom_policy("siemBasePolicy").unwrap();
/// assert_eq!(base["Version"], "1.1");
/// let actions = base["Statement"][0]["Action"].as_array().unwrap();
/// assert!(actions.iter().any(|a| a == "rms:resources:list"));
/// assert!(multicloud_huawei::custom_policy("AdministratorAccess").is_none());
/// ```
pub fn custom_policy(name: &str) -> Option<Value> {
    let actions: &[&str] = match name {
        SIEM_BASE => &[
            "iam:*:get*",
            "iam:*:list*",
            "iam:*:check*",
            "rms:resources:list",
            "rms:resources:summarize",
            "obs:bucket:ListAllMyBuckets",
            "obs:bucket:HeadBucket",
            "obs:bucket:GetBucketLocation",
            "obs:bucket:ListBucket",
            "obs:object:GetObject",
        ],
        SIEM_NORMAL => &[
            "cfw:firewall:list",
            "cfw:ipGroup:list",
            "cfw:ipGroup:create",
            "cfw:ipGroup:put",
            "cfw:ipGroup:delete",
            "cfw:ipMember:list",
            "cfw:ipMember:create",
            "cfw:ipMember:put",
            "cfw:ipMember:delete",
            "waf:policy:list",
            "waf:whiteBlackIpRule:list",
            "waf:whiteBlackIpRule:get",
            "waf:whiteBlackIpRule:create",
            "waf:whiteBlackIpRule:put",
            "waf:whiteBlackIpRule:delete",
        ],
        _ => return None,
    };
    Some(json!({
        "Version": "1.1",
        "Statement": [{"Effect": "Allow", "Action": actions}],
    }))
}

/// The policies `features` need, as one table with verify: the policy each of their kinds
/// names, as a system policy by name or, for the guide's `siemBasePolicy` /
/// `siemNormalPolicy`, as the custom document [`custom_policy`] renders.
///
/// ```
/// use multicloud_core::StandardFeature;
///
/// let docs = multicloud_huawei::policy_documents(&[StandardFeature::Response]);
/// assert!(docs.iter().all(|d| d.is_custom()));
/// assert_eq!(docs[0].name, "siemBasePolicy");
/// ```
pub fn policy_documents(features: &[multicloud_core::StandardFeature]) -> Vec<PolicyDocument> {
    let kinds = crate::resources::KINDS
        .iter()
        .filter(|k| features.iter().any(|f| k.is_in(*f)));
    multicloud_core::grants_for(kinds)
        .into_iter()
        .map(|name| match custom_policy(name) {
            Some(doc) => PolicyDocument::custom(name, doc),
            None => PolicyDocument::managed(name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_follow_the_kinds() {
        use multicloud_core::StandardFeature;
        let names = |f: &[StandardFeature]| -> Vec<String> {
            policy_documents(f).into_iter().map(|d| d.name).collect()
        };
        assert_eq!(
            names(&[StandardFeature::Host]),
            ["ECS ReadOnlyAccess", "IAM ReadOnlyAccess"]
        );
        let response = policy_documents(&[StandardFeature::Response]);
        assert_eq!(
            response.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            [SIEM_BASE, SIEM_NORMAL]
        );
        assert_eq!(response[1].document, custom_policy(SIEM_NORMAL));
    }

    #[test]
    fn both_custom_policies_render() {
        let normal = custom_policy(SIEM_NORMAL).unwrap();
        let actions = normal["Statement"][0]["Action"].as_array().unwrap();
        assert!(actions.iter().any(|a| a == "cfw:ipMember:create"));
        assert!(actions.iter().any(|a| a == "waf:whiteBlackIpRule:delete"));
        assert_eq!(normal["Statement"][0]["Effect"], "Allow");
    }
}
