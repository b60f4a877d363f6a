//! Where each BCE service is reached.
//!
//! BCE puts the service and the region in the host name: `{service}.{region}.baidubce.com`
//! (`bcc`, which also serves VPC, `blb`, `redis`, `kafka`, `mongodb`, `rds`), BOS at
//! `{region}.bcebos.com`, IAM on its one global host `iam.bj.baidubce.com`, and BCC's
//! `describeRegions` on the region-less `bcc.baidubce.com`. URLs are always `https` (the
//! official Go SDK defaults to plain `http`; this crate never does).
//!
//! With [`with_endpoint_url`](crate::BaiduProviderBuilder::with_endpoint_url) the requests are
//! still built for these real hosts and signed for them; the transport then sends them to the
//! override URL with the `Host` header kept. So a simulator or proxy behind one loopback URL
//! still learns the service and the region of every request from its `Host` header, exactly
//! as BCE itself does — no extra header, path or query is needed.

/// The root domain of the BCE APIs.
const ROOT: &str = "baidubce.com";
/// The root domain of BOS.
const BOS_ROOT: &str = "bcebos.com";
/// The region of the global IAM host and of the bucket list.
pub(crate) const HOME_REGION: &str = "bj";

/// A BCE service, as its host names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// BCC (and VPC, served on the BCC host).
    Bcc,
    /// BLB and application BLB.
    Blb,
    /// SCS (Redis).
    Redis,
    /// Kafka.
    Kafka,
    /// MongoDB.
    Mongodb,
    /// RDS.
    Rds,
    /// IAM (global).
    Iam,
    /// BOS.
    Bos,
}

impl Service {
    /// The host prefix of the service.
    fn prefix(self) -> &'static str {
        match self {
            Service::Bcc => "bcc",
            Service::Blb => "blb",
            Service::Redis => "redis",
            Service::Kafka => "kafka",
            Service::Mongodb => "mongodb",
            Service::Rds => "rds",
            Service::Iam => "iam",
            Service::Bos => "bos",
        }
    }
}

/// The host of `service` in `region`; `None` is the region-less host (BCC's
/// `describeRegions`), and IAM is always on its global host.
pub(crate) fn host(service: Service, region: Option<&str>) -> String {
    match (service, region) {
        (Service::Iam, _) => format!("iam.{HOME_REGION}.{ROOT}"),
        (Service::Bos, region) => format!("{}.{BOS_ROOT}", region.unwrap_or(HOME_REGION)),
        (service, Some(region)) => format!("{}.{region}.{ROOT}", service.prefix()),
        (service, None) => format!("{}.{ROOT}", service.prefix()),
    }
}

/// The `https` URL of `path_and_query` on `service` in `region`.
pub(crate) fn url(service: Service, region: Option<&str>, path_and_query: &str) -> String {
    format!("https://{}{path_and_query}", host(service, region))
}

/// Whether `region` can be put in a host name (letters, digits and dashes only): a region
/// id from a server or a user never turns into another host or a path.
pub(crate) fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_carry_service_and_region_and_urls_are_https() {
        assert_eq!(host(Service::Bcc, Some("gz")), "bcc.gz.baidubce.com");
        assert_eq!(host(Service::Bcc, None), "bcc.baidubce.com");
        assert_eq!(host(Service::Redis, Some("su")), "redis.su.baidubce.com");
        assert_eq!(host(Service::Iam, Some("gz")), "iam.bj.baidubce.com");
        assert_eq!(host(Service::Bos, Some("gz")), "gz.bcebos.com");
        assert_eq!(host(Service::Bos, None), "bj.bcebos.com");
        assert_eq!(
            url(Service::Rds, Some("bd"), "/v1/instance?maxKeys=10"),
            "https://rds.bd.baidubce.com/v1/instance?maxKeys=10"
        );
    }

    #[test]
    fn only_plain_region_ids_reach_a_host_name() {
        assert!(is_valid_region("bj"));
        assert!(is_valid_region("cn-north-1"));
        for bad in ["", "evil.com/x", "BJ", "a b", "bj:80", "x@y"] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }
}
