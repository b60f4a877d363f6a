//! The BCE APIs this crate calls: name (as `service:Action`, the key of rate limits and
//! errors), service host, method, path and the system policy that grants it.

use crate::endpoints::Service;

/// One BCE API.
/// The HTTP method of an API (a `Copy` stand-in for [`http::Method`], so APIs are constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    /// GET.
    Get,
    /// POST (with a JSON body).
    Post,
}

impl Verb {
    /// The HTTP method.
    pub(crate) fn method(self) -> http::Method {
        match self {
            Verb::Get => http::Method::GET,
            Verb::Post => http::Method::POST,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Api {
    /// `service:Action`.
    pub(crate) name: &'static str,
    /// The service whose host serves it.
    pub(crate) service: Service,
    /// GET or POST.
    pub(crate) method: Verb,
    /// The path (no query).
    pub(crate) path: &'static str,
    /// The system policy granting it (as the IAM console names it).
    pub(crate) grant: &'static str,
}

const fn get(name: &'static str, service: Service, path: &'static str, grant: &'static str) -> Api {
    Api {
        name,
        service,
        method: Verb::Get,
        path,
        grant,
    }
}

/// BCC `DescribeRegions`: `POST /v2/region/describeRegions` on `bcc.baidubce.com`.
pub(crate) const DESCRIBE_REGIONS: Api = Api {
    name: "bcc:DescribeRegions",
    service: Service::Bcc,
    method: Verb::Post,
    path: "/v2/region/describeRegions",
    grant: "BCCReadAccessPolicy",
};
/// BCC `ListInstances`.
pub(crate) const BCC_INSTANCES: Api = get(
    "bcc:ListInstances",
    Service::Bcc,
    "/v2/instance",
    "BCCReadAccessPolicy",
);
/// VPC `ListVpcs` (on the BCC host).
pub(crate) const VPCS: Api = get(
    "vpc:ListVpcs",
    Service::Bcc,
    "/v1/vpc",
    "VPCReadAccessPolicy",
);
/// SCS (Redis) `ListInstances`.
pub(crate) const REDIS: Api = get(
    "scs:ListInstances",
    Service::Redis,
    "/v2/instance",
    "RedisReadAccessPolicy",
);
/// Kafka `ListClusters`.
pub(crate) const KAFKA: Api = get(
    "kafka:ListClusters",
    Service::Kafka,
    "/v2/clusters",
    "KAFKAReadAccessPolicy",
);
/// MongoDB `ListInstances` (`manner=marker` selects marker paging).
pub(crate) const MONGODB: Api = get(
    "mongodb:ListInstances",
    Service::Mongodb,
    "/v1/instance",
    "MONGODBReadAccessPolicy",
);
/// RDS `ListInstances`.
pub(crate) const RDS: Api = get(
    "rds:ListInstances",
    Service::Rds,
    "/v1/instance",
    "RDSReadAccessPolicy",
);
/// Classic BLB `DescribeLoadBalancers`.
pub(crate) const BLB: Api = get(
    "blb:DescribeLoadBalancers",
    Service::Blb,
    "/v1/blb",
    "BLBReadAccessPolicy",
);
/// Application BLB `DescribeLoadBalancers`.
pub(crate) const APP_BLB: Api = get(
    "blb:DescribeAppLoadBalancers",
    Service::Blb,
    "/v1/appblb",
    "BLBReadAccessPolicy",
);
/// BOS `ListBuckets` (JSON, every bucket of the account from any region's host).
pub(crate) const BOS_BUCKETS: Api = get(
    "bos:ListBuckets",
    Service::Bos,
    "/",
    "BOSLISTANDReadAccessPolicy",
);
/// IAM `ListUser`.
pub(crate) const IAM_USERS: Api = get(
    "iam:ListUser",
    Service::Iam,
    "/v1/user",
    "IAMReadAccessPolicy",
);

/// Every API, for lookups by name.
pub(crate) const ALL: &[Api] = &[
    DESCRIBE_REGIONS,
    BCC_INSTANCES,
    VPCS,
    REDIS,
    KAFKA,
    MONGODB,
    RDS,
    BLB,
    APP_BLB,
    BOS_BUCKETS,
    IAM_USERS,
];

/// The API named `name`.
pub(crate) fn by_name(name: &str) -> Option<&'static Api> {
    ALL.iter().find(|a| a.name == name)
}
