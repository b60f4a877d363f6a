//! Routing of Huawei Cloud requests: method + path (+ the service named by the host, when
//! the Host header is a real `{svc}.{region}.myhuaweicloud.com` name) to an endpoint.
//!
//! Paths are those of the official SDK (`huaweicloudsdkiam`, `-ecs`, `-rms`, `-cfw`, `-waf`,
//! `esdk-obs-python`). Requests sent to the loopback address carry `Host: 127.0.0.1:port`;
//! they are routed by path alone and the region comes from the project id in the path.

use http::Method;

use super::iam_routes::{self, IamRoute};
use crate::sim::SimRequest;

/// Each endpoint (but IAM's write side, in `iam_routes.rs`) and the IAM fine-grained action
/// it needs (what Huawei names in its 403 messages, and what custom policies grant).
pub(crate) const ACTIONS: &[(&str, &str)] = &[
    (
        "iam:KeystoneListAuthProjects",
        "iam:projects:listProjectsForUser",
    ),
    (
        "iam:KeystoneListAuthDomains",
        "iam:projects:listProjectsForUser",
    ),
    ("iam:KeystoneListProjects", "iam:projects:listProjects"),
    ("iam:KeystoneListRegions", "iam:regions:listRegions"),
    (
        "iam:ShowPermanentAccessKey",
        "iam:credentials:getCredential",
    ),
    ("ecs:ListServersDetails", "ecs:cloudServers:list"),
    ("rms:ListAllResources", "rms:resources:list"),
    ("obs:ListBuckets", "obs:bucket:ListAllMyBuckets"),
    ("obs:GetApiVersion", "obs:bucket:ListAllMyBuckets"),
    ("cfw:ListFirewallDetail", "cfw:firewall:list"),
    ("cfw:AddBlackWhiteList", "cfw:blackWhiteList:create"),
    ("cfw:ListBlackWhiteLists", "cfw:blackWhiteList:list"),
    ("cfw:DeleteBlackWhiteList", "cfw:blackWhiteList:delete"),
    ("cfw:ListAddressSets", "cfw:ipGroup:list"),
    ("cfw:ListAddressItems", "cfw:ipMember:list"),
    ("cfw:AddAddressItem", "cfw:ipMember:create"),
    ("cfw:DeleteAddressItem", "cfw:ipMember:delete"),
    ("waf:ListPolicy", "waf:policy:list"),
    ("waf:CreateWhiteblackipRule", "waf:whiteBlackIpRule:create"),
    ("waf:ListWhiteblackipRule", "waf:whiteBlackIpRule:list"),
    ("waf:DeleteWhiteBlackIpRule", "waf:whiteBlackIpRule:delete"),
];

/// One Huawei Cloud API this simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// IAM `KeystoneListAuthProjects`: `GET /v3/auth/projects`.
    AuthProjects,
    /// IAM `KeystoneListAuthDomains`: `GET /v3/auth/domains` (the SDK's domain-id lookup).
    AuthDomains,
    /// IAM `KeystoneListProjects`: `GET /v3/projects` (the SDK's project-id lookup).
    Projects,
    /// IAM `KeystoneListRegions`: `GET /v3/regions`.
    Regions,
    /// IAM `ShowPermanentAccessKey`: `GET /v3.0/OS-CREDENTIAL/credentials/{access_key}`.
    Credential { access_key: String },
    /// ECS `ListServersDetails`: `GET /v1/{project_id}/cloudservers/detail`.
    Servers { project_id: String },
    /// RMS `ListAllResources`: `GET /v1/resource-manager/domains/{domain_id}/all-resources`.
    AllResources { domain_id: String },
    /// OBS `ListBuckets`: `GET /` on the OBS endpoint (XML, OBS/V2 signature).
    ObsListBuckets,
    /// OBS signature negotiation: `HEAD /?apiversion` (anonymous).
    ObsApiVersion,
    /// CFW `ListFirewallDetail`: `GET /v1/{project_id}/firewall/exist`.
    CfwFirewalls { project_id: String },
    /// CFW `AddBlackWhiteList`: `POST /v1/{project_id}/black-white-list`.
    CfwAdd { project_id: String },
    /// CFW `ListBlackWhiteLists`: `GET /v1/{project_id}/black-white-lists`.
    CfwList { project_id: String },
    /// CFW `DeleteBlackWhiteList`: `DELETE /v1/{project_id}/black-white-list/{list_id}`.
    CfwDelete { project_id: String, list_id: String },
    /// CFW `ListAddressSets`: `GET /v1/{project_id}/address-sets`.
    CfwListSets { project_id: String },
    /// CFW `ListAddressItems`: `GET /v1/{project_id}/address-items`.
    CfwListItems { project_id: String },
    /// CFW `AddAddressItem`: `POST /v1/{project_id}/address-items`.
    CfwAddItems { project_id: String },
    /// CFW `DeleteAddressItem`: `DELETE /v1/{project_id}/address-items/{item_id}`.
    CfwDeleteItem { project_id: String, item_id: String },
    /// WAF `ListPolicy`: `GET /v1/{project_id}/waf/policy`.
    WafPolicies { project_id: String },
    /// WAF `CreateWhiteblackipRule`: `POST /v1/{project_id}/waf/policy/{policy_id}/whiteblackip`.
    WafCreate {
        project_id: String,
        policy_id: String,
    },
    /// WAF `ListWhiteblackipRule`: `GET /v1/{project_id}/waf/policy/{policy_id}/whiteblackip`.
    WafList {
        project_id: String,
        policy_id: String,
    },
    /// WAF `DeleteWhiteBlackIpRule`:
    /// `DELETE /v1/{project_id}/waf/policy/{policy_id}/whiteblackip/{rule_id}`.
    WafDelete {
        project_id: String,
        policy_id: String,
        rule_id: String,
    },
    /// IAM's write side and the reads quick configuration needs (`iam_routes.rs`).
    Iam(IamRoute),
}

impl Route {
    /// The endpoint name used for permissions, faults and recording.
    pub(crate) fn endpoint(&self) -> &'static str {
        match self {
            Route::AuthProjects => "iam:KeystoneListAuthProjects",
            Route::AuthDomains => "iam:KeystoneListAuthDomains",
            Route::Projects => "iam:KeystoneListProjects",
            Route::Regions => "iam:KeystoneListRegions",
            Route::Credential { .. } => "iam:ShowPermanentAccessKey",
            Route::Servers { .. } => "ecs:ListServersDetails",
            Route::AllResources { .. } => "rms:ListAllResources",
            Route::ObsListBuckets => "obs:ListBuckets",
            Route::ObsApiVersion => "obs:GetApiVersion",
            Route::CfwFirewalls { .. } => "cfw:ListFirewallDetail",
            Route::CfwAdd { .. } => "cfw:AddBlackWhiteList",
            Route::CfwList { .. } => "cfw:ListBlackWhiteLists",
            Route::CfwDelete { .. } => "cfw:DeleteBlackWhiteList",
            Route::CfwListSets { .. } => "cfw:ListAddressSets",
            Route::CfwListItems { .. } => "cfw:ListAddressItems",
            Route::CfwAddItems { .. } => "cfw:AddAddressItem",
            Route::CfwDeleteItem { .. } => "cfw:DeleteAddressItem",
            Route::WafPolicies { .. } => "waf:ListPolicy",
            Route::WafCreate { .. } => "waf:CreateWhiteblackipRule",
            Route::WafList { .. } => "waf:ListWhiteblackipRule",
            Route::WafDelete { .. } => "waf:DeleteWhiteBlackIpRule",
            Route::Iam(r) => r.endpoint(),
        }
    }

    /// The host prefix of the service (`iam`, `ecs`, `rms`, `obs`, `cfw`, `waf`).
    pub(crate) fn service(&self) -> &'static str {
        let ep = self.endpoint();
        ep.split(':').next().unwrap_or(ep)
    }

    /// The IAM fine-grained action the call needs (what Huawei names in its 403 messages).
    pub(crate) fn iam_action(&self) -> &'static str {
        if let Route::Iam(r) = self {
            return r.iam_action();
        }
        let endpoint = self.endpoint();
        ACTIONS
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map_or(endpoint, |(_, a)| a)
    }

    /// Whether the call is an OBS call (own signature and XML errors).
    pub(crate) fn is_obs(&self) -> bool {
        matches!(self, Route::ObsListBuckets | Route::ObsApiVersion)
    }
}

/// What the Host header says about the service and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostInfo {
    /// The service prefix (`ecs`, `iam`, `obs`, …), when the host is a Huawei Cloud name.
    pub(crate) service: Option<String>,
    /// The region in the host (`cn-north-4`), absent for global hosts and loopback.
    pub(crate) region: Option<String>,
    /// Whether the host is on the `.myhuaweicloud.eu` sovereign domain.
    pub(crate) eu: bool,
}

/// Splits a Host into service and region: `ecs.cn-north-4.myhuaweicloud.com` →
/// (`ecs`, `cn-north-4`); `iam.myhuaweicloud.com` → (`iam`, none); anything else → none.
pub(crate) fn host_info(host_name: &str) -> HostInfo {
    let (rest, eu) = if let Some(r) = host_name.strip_suffix(".myhuaweicloud.com") {
        (Some(r), false)
    } else if let Some(r) = host_name.strip_suffix(".myhuaweicloud.eu") {
        (Some(r), true)
    } else {
        (None, false)
    };
    match rest {
        None => HostInfo {
            service: None,
            region: None,
            eu: false,
        },
        Some(r) => {
            let mut parts = r.splitn(2, '.');
            let service = parts.next().map(str::to_string);
            let region = parts.next().map(str::to_string);
            HostInfo {
                service,
                region,
                eu,
            }
        }
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// Routes a request by method and path; `None` for paths Huawei does not serve here.
pub(crate) fn route(req: &SimRequest) -> Option<Route> {
    let segs = segments(&req.path);
    let m = &req.method;
    let get = *m == Method::GET;
    let s = |i: usize| segs.get(i).map(|x| x.to_string()).unwrap_or_default();
    let r = match segs.as_slice() {
        [] if *m == Method::HEAD && req.query.iter().any(|(k, _)| k == "apiversion") => {
            Route::ObsApiVersion
        }
        [] if get => Route::ObsListBuckets,
        ["v3", "auth", "projects"] if get => Route::AuthProjects,
        ["v3", "auth", "domains"] if get => Route::AuthDomains,
        ["v3", "projects"] if get => Route::Projects,
        ["v3", "regions"] if get => Route::Regions,
        ["v3.0", "OS-CREDENTIAL", "credentials", _] if get => {
            Route::Credential { access_key: s(3) }
        }
        ["v1", "resource-manager", "domains", _, "all-resources"] if get => {
            Route::AllResources { domain_id: s(3) }
        }
        ["v1", _, "cloudservers", "detail"] if get => Route::Servers { project_id: s(1) },
        ["v1", _, "firewall", "exist"] if get => Route::CfwFirewalls { project_id: s(1) },
        ["v1", _, "black-white-list"] if *m == Method::POST => Route::CfwAdd { project_id: s(1) },
        ["v1", _, "black-white-lists"] if get => Route::CfwList { project_id: s(1) },
        ["v1", _, "black-white-list", _] if *m == Method::DELETE => Route::CfwDelete {
            project_id: s(1),
            list_id: s(3),
        },
        ["v1", _, "address-sets"] if get => Route::CfwListSets { project_id: s(1) },
        ["v1", _, "address-items"] if get => Route::CfwListItems { project_id: s(1) },
        ["v1", _, "address-items"] if *m == Method::POST => Route::CfwAddItems { project_id: s(1) },
        ["v1", _, "address-items", _] if *m == Method::DELETE => Route::CfwDeleteItem {
            project_id: s(1),
            item_id: s(3),
        },
        ["v1", _, "waf", "policy"] if get => Route::WafPolicies { project_id: s(1) },
        ["v1", _, "waf", "policy", _, "whiteblackip"] if *m == Method::POST => Route::WafCreate {
            project_id: s(1),
            policy_id: s(4),
        },
        ["v1", _, "waf", "policy", _, "whiteblackip"] if get => Route::WafList {
            project_id: s(1),
            policy_id: s(4),
        },
        ["v1", _, "waf", "policy", _, "whiteblackip", _] if *m == Method::DELETE => {
            Route::WafDelete {
                project_id: s(1),
                policy_id: s(4),
                rule_id: s(6),
            }
        }
        _ => Route::Iam(iam_routes::route(m, &segs)?),
    };
    // A real service host only serves its own APIs: `ecs.…` answers APIGW.0101 to a WAF path.
    let info = host_info(&req.host_name());
    if let Some(svc) = &info.service {
        if svc != r.service() {
            return None;
        }
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(method: Method, host: &str, path: &str, query: &[(&str, &str)]) -> SimRequest {
        SimRequest {
            method,
            host: host.into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            raw_query: None,
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    #[test]
    fn paths_map_to_sdk_operations() {
        let host = "127.0.0.1:9";
        let r = |m, p| route(&req(m, host, p, &[])).map(|r| r.endpoint());
        assert_eq!(
            r(Method::GET, "/v3/auth/projects"),
            Some("iam:KeystoneListAuthProjects")
        );
        assert_eq!(
            r(Method::GET, "/v1/0b5c/cloudservers/detail"),
            Some("ecs:ListServersDetails")
        );
        assert_eq!(
            r(Method::DELETE, "/v1/p/waf/policy/pol/whiteblackip/r1"),
            Some("waf:DeleteWhiteBlackIpRule")
        );
        assert_eq!(
            r(Method::DELETE, "/v1/p/black-white-list/l1"),
            Some("cfw:DeleteBlackWhiteList")
        );
        assert_eq!(r(Method::GET, "/"), Some("obs:ListBuckets"));
        assert_eq!(r(Method::GET, "/v2/nothing"), None);
        let head = route(&req(Method::HEAD, host, "/", &[("apiversion", "")]));
        assert_eq!(head, Some(Route::ObsApiVersion));
    }

    #[test]
    fn service_hosts_only_serve_their_own_paths() {
        let ok = req(
            Method::GET,
            "ecs.cn-north-4.myhuaweicloud.com",
            "/v1/p/cloudservers/detail",
            &[],
        );
        assert!(route(&ok).is_some());
        let wrong = req(
            Method::GET,
            "waf.cn-north-4.myhuaweicloud.com",
            "/v1/p/cloudservers/detail",
            &[],
        );
        assert!(route(&wrong).is_none());
        let info = host_info("cfw.eu-west-101.myhuaweicloud.eu");
        assert_eq!(info.service.as_deref(), Some("cfw"));
        assert_eq!(info.region.as_deref(), Some("eu-west-101"));
        assert!(info.eu);
        assert_eq!(host_info("iam.myhuaweicloud.com").region, None);
    }
}
