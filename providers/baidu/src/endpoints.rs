//! Where each BCE service is reached.
//!
//! BCE puts the service and the region in the host name: `{service}.{region}.baidubce.com`
//! (`bcc`, which also serves VPC, `blb`, `redis`, `kafka`, `mongodb`, `rds`), BOS at
//! `{region}.bcebos.com`, IAM on its one global host `iam.bj.baidubce.com`, and BCC's
//! `describeRegions` on the region-less `bcc.baidubce.com`. URLs are always `https` (the
//! official Go SDK defaults to plain `http`; this crate never does).
//!
//! With [`with_endpoint_url`](crate::BaiduProviderBuilder::with_endpoint_url) every request
//! is sent to that one URL but keeps its real host in the `Host` header, which is what is
//! signed. So a simulator or proxy behind one loopback URL still learns the service and the
//! region of every request from `Host`, exactly as BCE itself does — no extra header, path
//! or query is needed.

use http::Uri;
use multicloud_core::{Error, Result};

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

/// Where requests go: BCE's real hosts, or one override URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Endpoints {
    /// `scheme://authority` of an override serving every service and region.
    base: Option<String>,
}

/// The resolved target of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The URL to send to.
    pub(crate) url: String,
    /// The real BCE host: signed, and sent as `Host` when the URL is an override's.
    pub(crate) host: String,
    /// Whether the URL is an override's (the `Host` header must then be set explicitly).
    pub(crate) overridden: bool,
}

impl Endpoints {
    /// BCE's public `https` endpoints.
    pub(crate) fn public() -> Self {
        Endpoints::default()
    }

    /// One URL (`scheme://host[:port]`, e.g. `http://127.0.0.1:40123`) serving everything.
    pub(crate) fn with_override(url: &str) -> Result<Self> {
        let bad =
            |why: &str| Error::config(format!("endpoint URL must be scheme://host[:port] ({why})"));
        // Scheme, host and port range (port 99999 fails here, not at request time).
        multicloud_core::transport::check_endpoint_url(url)?;
        let uri: Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?;
        if !matches!(scheme, "http" | "https") {
            return Err(bad("the scheme is not http or https"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("credentials in the URL"));
        }
        if uri.query().is_some() || !matches!(uri.path(), "" | "/") {
            return Err(bad("a path or query"));
        }
        Ok(Endpoints {
            base: Some(format!("{scheme}://{authority}")),
        })
    }

    /// Where to send `path_and_query` of `service` in `region`.
    pub(crate) fn target(
        &self,
        service: Service,
        region: Option<&str>,
        path_and_query: &str,
    ) -> Target {
        let host = host(service, region);
        match &self.base {
            Some(base) => Target {
                url: format!("{base}{path_and_query}"),
                host,
                overridden: true,
            },
            None => Target {
                url: format!("https://{host}{path_and_query}"),
                host,
                overridden: false,
            },
        }
    }
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
        let t = Endpoints::public().target(Service::Rds, Some("bd"), "/v1/instance?maxKeys=10");
        assert_eq!(t.url, "https://rds.bd.baidubce.com/v1/instance?maxKeys=10");
        assert!(!t.overridden);
    }

    #[test]
    fn an_override_takes_every_request_and_keeps_the_real_host() {
        let e = Endpoints::with_override("http://127.0.0.1:40123/").unwrap();
        let t = e.target(Service::Redis, Some("gz"), "/v2/instance?maxKeys=1");
        assert_eq!(t.url, "http://127.0.0.1:40123/v2/instance?maxKeys=1");
        assert_eq!(t.host, "redis.gz.baidubce.com");
        assert!(t.overridden);
        for bad in [
            "127.0.0.1:80",
            "ftp://127.0.0.1",
            "http://127.0.0.1/prefix",
            "http://127.0.0.1/?q=1",
            "http://u:p@127.0.0.1",
            "not a url",
        ] {
            assert!(Endpoints::with_override(bad).is_err(), "{bad}");
        }
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
