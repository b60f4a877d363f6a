//! The API 3.0 actions this crate calls, and the request model that sends them.
//!
//! A request is `POST /` with a JSON body of the action's own parameters and the common
//! parameters in headers: `X-TC-Action`, `X-TC-Version`, `X-TC-Region` (omitted for global
//! services), `X-TC-Timestamp` and `X-TC-Token` (the last two are the signer's). The body is
//! serialized once; every attempt re-signs it with the clock's current time.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request};
use multicloud_core::{Error, Result};

use crate::endpoints::Target;

/// One API 3.0 action of one service version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Api {
    /// The service, as in its host name and in CAM permission names (`cvm`).
    pub(crate) service: &'static str,
    /// The service's API version (`2017-03-12`).
    pub(crate) version: &'static str,
    /// The action (`DescribeInstances`).
    pub(crate) action: &'static str,
    /// Whether the action only reads (safe to resend after a timeout).
    pub(crate) read_only: bool,
}

const fn read(service: &'static str, version: &'static str, action: &'static str) -> Api {
    Api {
        service,
        version,
        action,
        read_only: true,
    }
}

const fn write(service: &'static str, version: &'static str, action: &'static str) -> Api {
    Api {
        service,
        version,
        action,
        read_only: false,
    }
}

impl Api {
    /// `service:Action`, the CAM permission name and the transport's API key.
    pub(crate) fn name(&self) -> String {
        format!("{}:{}", self.service, self.action)
    }
}

pub(crate) const STS_GET_CALLER_IDENTITY: Api = read("sts", "2018-08-13", "GetCallerIdentity");
pub(crate) const CAM_GET_USER_APP_ID: Api = read("cam", "2019-01-16", "GetUserAppId");
pub(crate) const CAM_LIST_USERS: Api = read("cam", "2019-01-16", "ListUsers");
pub(crate) const CAM_GET_USER: Api = read("cam", "2019-01-16", "GetUser");
pub(crate) const CAM_ADD_USER: Api = write("cam", "2019-01-16", "AddUser");
pub(crate) const CAM_DELETE_USER: Api = write("cam", "2019-01-16", "DeleteUser");
pub(crate) const CAM_LIST_POLICIES: Api = read("cam", "2019-01-16", "ListPolicies");
pub(crate) const CAM_CREATE_POLICY: Api = write("cam", "2019-01-16", "CreatePolicy");
pub(crate) const CAM_DELETE_POLICY: Api = write("cam", "2019-01-16", "DeletePolicy");
pub(crate) const CAM_LIST_ATTACHED_USER_POLICIES: Api =
    read("cam", "2019-01-16", "ListAttachedUserPolicies");
pub(crate) const CAM_ATTACH_USER_POLICY: Api = write("cam", "2019-01-16", "AttachUserPolicy");
pub(crate) const CAM_DETACH_USER_POLICY: Api = write("cam", "2019-01-16", "DetachUserPolicy");
pub(crate) const CAM_LIST_ACCESS_KEYS: Api = read("cam", "2019-01-16", "ListAccessKeys");
pub(crate) const CAM_CREATE_ACCESS_KEY: Api = write("cam", "2019-01-16", "CreateAccessKey");
pub(crate) const CAM_DELETE_ACCESS_KEY: Api = write("cam", "2019-01-16", "DeleteAccessKey");
pub(crate) const REGION_DESCRIBE_REGIONS: Api = read("region", "2022-06-27", "DescribeRegions");
pub(crate) const CVM_DESCRIBE_INSTANCES: Api = read("cvm", "2017-03-12", "DescribeInstances");
pub(crate) const TAG_GET_RESOURCES: Api = read("tag", "2018-08-13", "GetResources");
pub(crate) const CBS_DESCRIBE_DISKS: Api = read("cbs", "2017-03-12", "DescribeDisks");
pub(crate) const CLB_DESCRIBE_LOAD_BALANCERS: Api =
    read("clb", "2018-03-17", "DescribeLoadBalancers");
pub(crate) const VPC_DESCRIBE_VPCS: Api = read("vpc", "2017-03-12", "DescribeVpcs");
pub(crate) const VPC_DESCRIBE_SECURITY_GROUPS: Api =
    read("vpc", "2017-03-12", "DescribeSecurityGroups");
pub(crate) const CDB_DESCRIBE_DB_INSTANCES: Api = read("cdb", "2017-03-20", "DescribeDBInstances");
pub(crate) const REDIS_DESCRIBE_INSTANCES: Api = read("redis", "2018-04-12", "DescribeInstances");
pub(crate) const CFW_DESCRIBE_BLOCK_IGNORE_LIST: Api =
    read("cfw", "2019-09-04", "DescribeBlockIgnoreList");
pub(crate) const CFW_CREATE_BLOCK_IGNORE_RULE_NEW: Api =
    write("cfw", "2019-09-04", "CreateBlockIgnoreRuleNew");
pub(crate) const CFW_DELETE_BLOCK_IGNORE_RULE_LIST: Api =
    write("cfw", "2019-09-04", "DeleteBlockIgnoreRuleList");
pub(crate) const WAF_DESCRIBE_IP_ACCESS_CONTROL: Api =
    read("waf", "2018-01-25", "DescribeIpAccessControl");
pub(crate) const WAF_CREATE_IP_ACCESS_CONTROL: Api =
    write("waf", "2018-01-25", "CreateIpAccessControl");
pub(crate) const WAF_DELETE_IP_ACCESS_CONTROL_V2: Api =
    write("waf", "2018-01-25", "DeleteIpAccessControlV2");
pub(crate) const CLS_OPEN_KAFKA_CONSUMER: Api = write("cls", "2020-10-16", "OpenKafkaConsumer");
pub(crate) const CLS_DESCRIBE_KAFKA_CONSUMER: Api =
    read("cls", "2020-10-16", "DescribeKafkaConsumer");

/// Every action above (the rate-limit table must cover each).
#[cfg(test)]
pub(crate) const ALL: &[Api] = &[
    STS_GET_CALLER_IDENTITY,
    CAM_GET_USER_APP_ID,
    CAM_LIST_USERS,
    CAM_GET_USER,
    CAM_ADD_USER,
    CAM_DELETE_USER,
    CAM_LIST_POLICIES,
    CAM_CREATE_POLICY,
    CAM_DELETE_POLICY,
    CAM_LIST_ATTACHED_USER_POLICIES,
    CAM_ATTACH_USER_POLICY,
    CAM_DETACH_USER_POLICY,
    CAM_LIST_ACCESS_KEYS,
    CAM_CREATE_ACCESS_KEY,
    CAM_DELETE_ACCESS_KEY,
    REGION_DESCRIBE_REGIONS,
    CVM_DESCRIBE_INSTANCES,
    TAG_GET_RESOURCES,
    CBS_DESCRIBE_DISKS,
    CLB_DESCRIBE_LOAD_BALANCERS,
    VPC_DESCRIBE_VPCS,
    VPC_DESCRIBE_SECURITY_GROUPS,
    CDB_DESCRIBE_DB_INSTANCES,
    REDIS_DESCRIBE_INSTANCES,
    CFW_DESCRIBE_BLOCK_IGNORE_LIST,
    CFW_CREATE_BLOCK_IGNORE_RULE_NEW,
    CFW_DELETE_BLOCK_IGNORE_RULE_LIST,
    WAF_DESCRIBE_IP_ACCESS_CONTROL,
    WAF_CREATE_IP_ACCESS_CONTROL,
    WAF_DELETE_IP_ACCESS_CONTROL_V2,
    CLS_OPEN_KAFKA_CONSUMER,
    CLS_DESCRIBE_KAFKA_CONSUMER,
];

/// A call ready to be signed and sent: the serialized body and the unsigned headers.
#[derive(Debug, Clone)]
pub(crate) struct PreparedCall {
    pub(crate) api: Api,
    pub(crate) region: Option<String>,
    pub(crate) target: Target,
    pub(crate) body: Bytes,
}

impl PreparedCall {
    /// Serializes `params` once.
    pub(crate) fn new(
        api: Api,
        region: Option<&str>,
        target: Target,
        params: &serde_json::Value,
    ) -> Result<Self> {
        let body = serde_json::to_vec(params).map_err(|e| {
            Error::config(format!("cannot serialize {} parameters: {e}", api.name()))
        })?;
        Ok(PreparedCall {
            api,
            region: region.filter(|r| !r.is_empty()).map(str::to_owned),
            target,
            body: Bytes::from(body),
        })
    }

    /// The unsigned request; the signer adds `X-TC-Timestamp`, `Authorization` and the token.
    pub(crate) fn unsigned_request(&self) -> Result<Request<Bytes>> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(&self.target.url);
        // Room for the signer's headers too: an `http` header map made empty regrows (and
        // rehashes every header) when it passes six.
        if let Some(headers) = builder.headers_mut() {
            headers.reserve(8);
        }
        builder = builder
            .header(HOST, &self.target.host)
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .header("X-TC-Action", self.api.action)
            .header("X-TC-Version", self.api.version);
        if let Some(region) = &self.region {
            builder = builder.header("X-TC-Region", region);
        }
        builder.body(self.body.clone()).map_err(|e| {
            Error::config(format!("cannot build the {} request: {e}", self.api.name()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::Endpoints;
    use multicloud_core::Domain;

    #[test]
    fn request_carries_the_common_parameters_as_headers_and_the_body_once() {
        let target = Endpoints::new(Domain::China).target("cvm");
        let call = PreparedCall::new(
            CVM_DESCRIBE_INSTANCES,
            Some("ap-guangzhou"),
            target,
            &serde_json::json!({"Offset": 0, "Limit": 100}),
        )
        .unwrap();
        let req = call.unsigned_request().unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri().to_string(), "https://cvm.tencentcloudapi.com/");
        let h = req.headers();
        assert_eq!(h["host"], "cvm.tencentcloudapi.com");
        assert_eq!(h["x-tc-action"], "DescribeInstances");
        assert_eq!(h["x-tc-version"], "2017-03-12");
        assert_eq!(h["x-tc-region"], "ap-guangzhou");
        assert_eq!(h.len(), 5, "host, content type, action, version, region");
        assert_eq!(h["content-type"], "application/json; charset=utf-8");
        assert_eq!(req.body().as_ref(), br#"{"Limit":100,"Offset":0}"#);
        // A second attempt sends the very same bytes.
        assert_eq!(call.unsigned_request().unwrap().body(), req.body());
    }

    #[test]
    fn global_services_send_no_region_header() {
        let target = Endpoints::new(Domain::International).target("cam");
        let call = PreparedCall::new(CAM_LIST_USERS, None, target, &serde_json::json!({})).unwrap();
        let req = call.unsigned_request().unwrap();
        assert!(req.headers().get("x-tc-region").is_none());
        assert_eq!(req.headers()["host"], "cam.intl.tencentcloudapi.com");
    }

    #[test]
    fn every_action_has_a_rate_limit() {
        for api in ALL {
            assert!(
                crate::limits::rate_limit(api.service, api.action).is_some(),
                "{}",
                api.name()
            );
        }
    }
}
