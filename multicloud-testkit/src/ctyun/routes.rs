//! Routing of CTyun OpenAPI requests: every product has its own host
//! (`{endpoint}-global.ctapi.ctyun.cn`) and its own paths, so a request is routed by path;
//! when the Host is a CTyun name its endpoint must be the product's.

use http::Method;

use crate::sim::SimRequest;

/// One CTyun API this simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// ctecs `GET /v4/region/list-regions`.
    ListRegions,
    /// ctecs `GET /v4/region/customer-resources?regionID=`.
    CustomerResources,
    /// ctecs `POST /v4/ecs/list-instances`.
    ListInstances,
    /// ctgkafka `GET /v3/instances/query` (region in header `regionId`).
    KafkaQuery,
    /// dcs2 `GET /v2|v3/instanceManageMgrServant/describeInstances` (header `regionId`).
    DcsDescribeInstances,
    /// zos `GET /v4/oss/list-buckets`.
    ZosListBuckets,
    /// ctelb `GET /v4/elb/list-loadbalancer`.
    ElbList,
    /// ebs `GET /v4/ebs/list-ebs`.
    EbsList,
    /// RocketMQ `GET /v2/instance/list` (header `regionId`; host name unconfirmed,
    /// `rocketmq` assumed).
    RocketMqList,
}

impl Api {
    /// The endpoint name for permissions, faults and recording.
    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Api::ListRegions => "region:ListRegions",
            Api::CustomerResources => "region:CustomerResources",
            Api::ListInstances => "ecs:ListInstances",
            Api::KafkaQuery => "kafka:QueryInstances",
            Api::DcsDescribeInstances => "dcs:DescribeInstances",
            Api::ZosListBuckets => "zos:ListBuckets",
            Api::ElbList => "elb:ListLoadBalancer",
            Api::EbsList => "ebs:ListEbs",
            Api::RocketMqList => "rocketmq:ListInstances",
        }
    }

    /// The EOP endpoint name in the host (`ctecs` in `ctecs-global.ctapi.ctyun.cn`).
    pub(crate) fn host_endpoint(self) -> &'static str {
        match self {
            Api::ListRegions | Api::CustomerResources | Api::ListInstances => "ctecs",
            Api::KafkaQuery => "ctgkafka",
            Api::DcsDescribeInstances => "dcs2",
            Api::ZosListBuckets => "zos",
            Api::ElbList => "ctelb",
            Api::EbsList => "ebs",
            Api::RocketMqList => "rocketmq",
        }
    }
}

/// The EOP endpoint named by a CTyun host, if the host is one.
pub(crate) fn host_endpoint(host_name: &str) -> Option<&str> {
    host_name
        .strip_suffix(".ctapi.ctyun.cn")
        .or_else(|| host_name.strip_suffix(".ctapi-test.ctyun.cn"))
        .map(|h| h.strip_suffix("-global").unwrap_or(h))
}

/// Routes a request; `None` for unknown paths or a path sent to another product's host.
pub(crate) fn route(req: &SimRequest) -> Option<Api> {
    let get = req.method == Method::GET;
    let api = match req.path.trim_end_matches('/') {
        "/v4/region/list-regions" if get => Api::ListRegions,
        "/v4/region/customer-resources" if get => Api::CustomerResources,
        "/v4/ecs/list-instances" if req.method == Method::POST => Api::ListInstances,
        "/v3/instances/query" if get => Api::KafkaQuery,
        "/v2/instanceManageMgrServant/describeInstances"
        | "/v3/instanceManageMgrServant/describeInstances"
            if get =>
        {
            Api::DcsDescribeInstances
        }
        "/v4/oss/list-buckets" if get => Api::ZosListBuckets,
        "/v4/elb/list-loadbalancer" if get => Api::ElbList,
        "/v4/ebs/list-ebs" if get => Api::EbsList,
        "/v2/instance/list" if get => Api::RocketMqList,
        _ => return None,
    };
    match host_endpoint(&req.host_name()) {
        Some(ep) if ep != api.host_endpoint() => None,
        _ => Some(api),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(method: Method, host: &str, path: &str) -> SimRequest {
        SimRequest {
            method,
            host: host.into(),
            path: path.into(),
            query: vec![],
            raw_query: None,
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    #[test]
    fn paths_and_hosts() {
        let r = |m, h, p| route(&req(m, h, p));
        assert_eq!(
            r(
                Method::GET,
                "ctecs-global.ctapi.ctyun.cn",
                "/v4/region/list-regions"
            ),
            Some(Api::ListRegions)
        );
        assert_eq!(
            r(Method::POST, "127.0.0.1:1", "/v4/ecs/list-instances"),
            Some(Api::ListInstances)
        );
        assert_eq!(
            r(Method::GET, "127.0.0.1:1", "/v4/ecs/list-instances"),
            None
        );
        assert_eq!(
            r(
                Method::GET,
                "ebs-global.ctapi.ctyun.cn",
                "/v4/region/list-regions"
            ),
            None
        );
        assert_eq!(
            r(
                Method::GET,
                "dcs2-global.ctapi.ctyun.cn",
                "/v3/instanceManageMgrServant/describeInstances"
            ),
            Some(Api::DcsDescribeInstances)
        );
        assert_eq!(
            host_endpoint("ctgkafka-global.ctapi.ctyun.cn"),
            Some("ctgkafka")
        );
    }
}
