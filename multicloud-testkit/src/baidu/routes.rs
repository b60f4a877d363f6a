//! Routing of Baidu AI Cloud (BCE) requests.
//!
//! BCE puts the service and region in the host (`bcc.gz.baidubce.com`, `gz.bcebos.com`), and
//! several products share a path (`GET /v1/instance` is RDS, Redis and MongoDB). A request
//! whose Host is a BCE name is routed by host and path; one sent with `Host: 127.0.0.1:port`
//! is routed by path alone, in region `bj`, with `GET /v1/instance` meaning RDS (MongoDB when
//! `manner=marker` is present) and `GET /v2/instance` meaning BCC.

use http::Method;

use crate::sim::SimRequest;

/// The region assumed for loopback requests (BCE has no region header).
pub(crate) const DEFAULT_REGION: &str = "bj";

/// One BCE API this simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// IAM `ListUser`: `GET /v1/user` on `iam.bj.baidubce.com`.
    IamListUser,
    /// BCC `DescribeRegions`: `POST /v2/region/describeRegions` on `bcc.baidubce.com`.
    BccDescribeRegions,
    /// BCC `ListInstances`: `GET /v2/instance`.
    BccListInstances,
    /// VPC `ListVpcs`: `GET /v1/vpc` on the `bcc` host.
    VpcListVpcs,
    /// SCS (Redis) `ListInstances`: `GET /v1/instance` or `/v2/instance` on `redis.{r}`.
    ScsListInstances,
    /// Kafka `ListClusters`: `GET /v2/clusters` on `kafka.{r}`.
    KafkaListClusters,
    /// MongoDB `ListInstances`: `GET /v1/instance?manner=marker` on `mongodb.{r}`.
    MongoListInstances,
    /// RDS `ListInstances`: `GET /v1/instance` on `rds.{r}`.
    RdsListInstances,
    /// BLB `DescribeLoadBalancers`: `GET /v1/blb` on `blb.{r}`.
    BlbList,
    /// Application BLB `DescribeLoadBalancers`: `GET /v1/appblb` on `blb.{r}`.
    AppBlbList,
    /// BOS `ListBuckets`: `GET /` on `{r}.bcebos.com` (JSON).
    BosListBuckets,
}

impl Api {
    /// The endpoint name for permissions, faults and recording.
    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Api::IamListUser => "iam:ListUser",
            Api::BccDescribeRegions => "bcc:DescribeRegions",
            Api::BccListInstances => "bcc:ListInstances",
            Api::VpcListVpcs => "vpc:ListVpcs",
            Api::ScsListInstances => "scs:ListInstances",
            Api::KafkaListClusters => "kafka:ListClusters",
            Api::MongoListInstances => "mongodb:ListInstances",
            Api::RdsListInstances => "rds:ListInstances",
            Api::BlbList => "blb:DescribeLoadBalancers",
            Api::AppBlbList => "blb:DescribeAppLoadBalancers",
            Api::BosListBuckets => "bos:ListBuckets",
        }
    }
}

/// A routed request: the API and the region it is addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The API.
    pub(crate) api: Api,
    /// The region from the host, or [`DEFAULT_REGION`].
    pub(crate) region: String,
}

/// What a BCE host names: `(service, region)`. `bcc.baidubce.com` → (`bcc`, none);
/// `gz.bcebos.com` → (`bos`, `gz`); anything else → (none, none).
pub(crate) fn host_parts(host_name: &str) -> (Option<String>, Option<String>) {
    if let Some(rest) = host_name.strip_suffix(".baidubce.com") {
        let mut it = rest.splitn(2, '.');
        let svc = it.next().map(str::to_string);
        return (svc, it.next().map(str::to_string));
    }
    if let Some(region) = host_name.strip_suffix(".bcebos.com") {
        return (Some("bos".into()), Some(region.to_string()));
    }
    (None, None)
}

/// Routes a request; `None` for what BCE does not serve here (or a host/path mismatch).
pub(crate) fn route(req: &SimRequest) -> Option<Route> {
    let (svc, region) = host_parts(&req.host_name());
    let path = req.path.trim_end_matches('/');
    let get = req.method == Method::GET;
    let mongo_hint = req.query_param("manner").is_some();
    let api = match (svc.as_deref(), path) {
        (Some("iam") | None, "/v1/user") if get => Api::IamListUser,
        (Some("bcc") | None, "/v2/region/describeRegions") if req.method == Method::POST => {
            Api::BccDescribeRegions
        }
        (Some("bcc") | None, "/v2/instance") if get => Api::BccListInstances,
        (Some("bcc") | None, "/v1/vpc") if get => Api::VpcListVpcs,
        (Some("redis"), "/v1/instance" | "/v2/instance") if get => Api::ScsListInstances,
        (Some("kafka") | None, "/v2/clusters") if get => Api::KafkaListClusters,
        (Some("mongodb"), "/v1/instance") if get => Api::MongoListInstances,
        (None, "/v1/instance") if get && mongo_hint => Api::MongoListInstances,
        (Some("rds") | None, "/v1/instance") if get => Api::RdsListInstances,
        (Some("blb") | None, "/v1/blb") if get => Api::BlbList,
        (Some("blb") | None, "/v1/appblb") if get => Api::AppBlbList,
        (Some("bos") | None, "") if get => Api::BosListBuckets,
        _ => return None,
    };
    Some(Route {
        api,
        region: region.unwrap_or_else(|| DEFAULT_REGION.to_string()),
    })
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
    fn hosts_disambiguate_shared_paths() {
        let r = |host, path, q: &[(&str, &str)]| {
            route(&req(Method::GET, host, path, q)).map(|r| (r.api, r.region))
        };
        assert_eq!(
            r("rds.gz.baidubce.com", "/v1/instance", &[]),
            Some((Api::RdsListInstances, "gz".into()))
        );
        assert_eq!(
            r("redis.su.baidubce.com", "/v1/instance", &[]),
            Some((Api::ScsListInstances, "su".into()))
        );
        assert_eq!(
            r("mongodb.bj.baidubce.com", "/v1/instance", &[]).map(|x| x.0),
            Some(Api::MongoListInstances)
        );
        assert_eq!(
            r("127.0.0.1:1", "/v1/instance", &[("manner", "marker")]).map(|x| x.0),
            Some(Api::MongoListInstances)
        );
        assert_eq!(
            r("127.0.0.1:1", "/v1/instance", &[]),
            Some((Api::RdsListInstances, "bj".into()))
        );
        assert_eq!(
            r("bcc.gz.baidubce.com", "/v2/instance", &[]).map(|x| x.0),
            Some(Api::BccListInstances)
        );
        assert_eq!(
            r("gz.bcebos.com", "/", &[]),
            Some((Api::BosListBuckets, "gz".into()))
        );
        assert_eq!(r("rds.gz.baidubce.com", "/v1/blb", &[]), None);
        assert_eq!(r("127.0.0.1:1", "/v9/none", &[]), None);
    }

    #[test]
    fn describe_regions_is_a_post_on_bcc() {
        let p = req(
            Method::POST,
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            &[],
        );
        assert_eq!(route(&p).map(|r| r.api), Some(Api::BccDescribeRegions));
        let g = req(
            Method::GET,
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            &[],
        );
        assert!(route(&g).is_none());
    }
}
