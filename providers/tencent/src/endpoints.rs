//! Where each Tencent Cloud service is reached, per domain (China or International site).
//!
//! API 3.0 services live at `{service}.tencentcloudapi.com` (China site) or
//! `{service}.intl.tencentcloudapi.com` (International site); the region travels in the
//! `X-TC-Region` header, never in the host. A test or proxy may replace all of them with one
//! base URL ([`Endpoints::with_override`]), which then serves every service.

use http::Uri;
use multicloud_core::{Domain, Error, Result};

/// The root domain of the China site.
const CHINA_ROOT: &str = "tencentcloudapi.com";
/// The root domain of the International site.
const INTL_ROOT: &str = "intl.tencentcloudapi.com";

/// Resolves the URL to send a service's requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    domain: Domain,
    /// `scheme://authority` of an override serving every service, without a trailing slash.
    base: Option<String>,
}

/// The resolved target of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The full URL to POST to (path `/`).
    pub(crate) url: String,
    /// The `Host` header value that is signed.
    pub(crate) host: String,
}

impl Endpoints {
    /// The public endpoints of `domain`.
    pub(crate) fn new(domain: Domain) -> Self {
        Endpoints { domain, base: None }
    }

    /// One URL (e.g. `http://127.0.0.1:40123`) serving every service.
    pub(crate) fn with_override(domain: Domain, url: &str) -> Result<Self> {
        // Scheme, host and port range (port 99999 fails here, not at request time).
        multicloud_core::transport::check_endpoint_url(url)?;
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|e| Error::config(format!("invalid endpoint URL {url:?}: {e}")))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::config(format!(
                "endpoint URL {url:?} needs a scheme and a host, e.g. http://127.0.0.1:8080"
            )));
        };
        if !matches!(scheme, "http" | "https") {
            return Err(Error::config(format!(
                "endpoint URL {url:?} must use http or https"
            )));
        }
        Ok(Endpoints {
            domain,
            base: Some(format!("{scheme}://{authority}")),
        })
    }

    /// The `scheme://authority` every service is sent to, when overridden (COS uses it too).
    pub(crate) fn override_base(&self) -> Option<&str> {
        self.base.as_deref()
    }

    /// The domain these endpoints belong to.
    pub(crate) fn domain(&self) -> Domain {
        self.domain
    }

    /// The host name of `service` on the public site of this domain.
    pub(crate) fn public_host(&self, service: &str) -> String {
        let root = match self.domain {
            Domain::China => CHINA_ROOT,
            Domain::International => INTL_ROOT,
        };
        format!("{service}.{root}")
    }

    /// Where to send a request for `service`.
    pub(crate) fn target(&self, service: &str) -> Target {
        match &self.base {
            Some(base) => {
                let host = base
                    .split_once("://")
                    .map(|(_, authority)| authority.to_owned())
                    .unwrap_or_default();
                Target {
                    url: format!("{base}/"),
                    host,
                }
            }
            None => {
                let host = self.public_host(service);
                Target {
                    url: format!("https://{host}/"),
                    host,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_and_international_sites_use_their_own_roots() {
        let cn = Endpoints::new(Domain::China).target("cvm");
        assert_eq!(cn.url, "https://cvm.tencentcloudapi.com/");
        assert_eq!(cn.host, "cvm.tencentcloudapi.com");
        let intl = Endpoints::new(Domain::International).target("region");
        assert_eq!(intl.url, "https://region.intl.tencentcloudapi.com/");
        assert_eq!(intl.host, "region.intl.tencentcloudapi.com");
    }

    #[test]
    fn an_override_serves_every_service_and_keeps_the_port_in_host() {
        let e = Endpoints::with_override(Domain::China, "http://127.0.0.1:40123/").unwrap();
        for service in ["cvm", "cam", "cfw"] {
            let t = e.target(service);
            assert_eq!(t.url, "http://127.0.0.1:40123/");
            assert_eq!(t.host, "127.0.0.1:40123");
        }
        assert_eq!(e.domain(), Domain::China);
    }

    #[test]
    fn an_override_without_scheme_or_with_another_scheme_is_a_config_error() {
        for bad in ["127.0.0.1:8080", "ftp://x.example", "not a url"] {
            let err = Endpoints::with_override(Domain::China, bad).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Config, "{bad}");
        }
    }
}
