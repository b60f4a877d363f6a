//! Where each CTyun product is reached, and what the two editions are.
//!
//! Every product has its own EOP host, `{endpoint}-global.ctapi.ctyun.cn` (`ctecs`,
//! `ctgkafka`, `dcs2`, `zos`, `ctelb`, `ebs`, …); the resource pool travels as a parameter or
//! header, never in the host. The International edition (eSurfing Cloud) documents the same
//! `*.ctapi.ctyun.cn` hosts and the same EOP headers, so the edition changes no host here: it
//! names the console a key comes from and drives the diagnoses of a refused key. A test or
//! proxy may replace every host with one base URL ([`Endpoints::with_override`]).

use http::Uri;
use multicloud_core::{Domain, Error, Result};

/// The root of the production EOP hosts.
const ROOT: &str = "ctapi.ctyun.cn";

/// The edition's name as its console shows it, for diagnoses.
pub(crate) fn edition_name(domain: Domain) -> &'static str {
    match domain {
        Domain::China => "Chinese edition (ctyun.cn)",
        Domain::International => "International edition (eSurfing Cloud, esurfingcloud.com)",
    }
}

/// The other edition.
pub(crate) fn other_edition(domain: Domain) -> Domain {
    match domain {
        Domain::China => Domain::International,
        Domain::International => Domain::China,
    }
}

/// The builder call that selects `domain`, for diagnoses.
pub(crate) fn domain_call(domain: Domain) -> &'static str {
    match domain {
        Domain::China => "with_domain(Domain::China)",
        Domain::International => "with_domain(Domain::International)",
    }
}

/// Resolves the base URL of each product's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    domain: Domain,
    /// `scheme://authority` of an override serving every product, without a trailing slash.
    base: Option<String>,
}

impl Endpoints {
    /// The public hosts of `domain`.
    pub(crate) fn new(domain: Domain) -> Self {
        Endpoints { domain, base: None }
    }

    /// One URL (e.g. `http://127.0.0.1:40123`) serving every product.
    pub(crate) fn with_override(domain: Domain, url: &str) -> Result<Self> {
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

    /// The edition these endpoints belong to.
    pub(crate) fn domain(&self) -> Domain {
        self.domain
    }

    /// `scheme://host` for the product whose EOP endpoint name is `endpoint`.
    pub(crate) fn base_url(&self, endpoint: &str) -> String {
        match &self.base {
            Some(base) => base.clone(),
            None => format!("https://{endpoint}-global.{ROOT}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_has_its_own_global_host() {
        let e = Endpoints::new(Domain::China);
        assert_eq!(e.base_url("ctecs"), "https://ctecs-global.ctapi.ctyun.cn");
        assert_eq!(e.base_url("dcs2"), "https://dcs2-global.ctapi.ctyun.cn");
        let intl = Endpoints::new(Domain::International);
        assert_eq!(
            intl.base_url("ctecs"),
            "https://ctecs-global.ctapi.ctyun.cn"
        );
        assert_eq!(intl.domain(), Domain::International);
    }

    #[test]
    fn an_override_serves_every_product() {
        let e = Endpoints::with_override(Domain::China, "http://127.0.0.1:40123/").unwrap();
        assert_eq!(e.base_url("ctecs"), "http://127.0.0.1:40123");
        assert_eq!(e.base_url("zos"), "http://127.0.0.1:40123");
        for bad in ["127.0.0.1:8080", "ftp://x.example", "not a url"] {
            let err = Endpoints::with_override(Domain::China, bad).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn editions_name_each_other() {
        assert_eq!(other_edition(Domain::China), Domain::International);
        assert!(edition_name(Domain::International).contains("eSurfing"));
        assert!(domain_call(Domain::China).contains("China"));
    }
}
