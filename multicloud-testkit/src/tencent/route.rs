//! Routing and parameters of Tencent Cloud API 3.0 requests.
//!
//! The service comes from a real host (`cvm.tencentcloudapi.com`,
//! `cvm.intl.tencentcloudapi.com`, `cvm.ap-guangzhou.tencentcloudapi.com`) or, when the
//! client signed the loopback address, from the TC3 credential scope
//! `SecretId/date/service/tc3_request`. The action, version and region are headers.

use multicloud_core::Domain;
use serde_json::Value;

use crate::sim::SimRequest;

use super::errors::TcError;

/// A simulated service: name, API version, whether `X-TC-Region` is required, actions.
pub(crate) struct ServiceSpec {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    pub(crate) regional: bool,
    pub(crate) actions: &'static [&'static str],
}

/// Every simulated service and action.
pub(crate) const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "sts",
        version: "2018-08-13",
        regional: false,
        actions: &["GetCallerIdentity"],
    },
    ServiceSpec {
        name: "cam",
        version: "2019-01-16",
        regional: false,
        actions: super::cam::ACTIONS,
    },
    ServiceSpec {
        name: "region",
        version: "2022-06-27",
        regional: false,
        actions: &["DescribeRegions"],
    },
    ServiceSpec {
        name: "cvm",
        version: "2017-03-12",
        regional: true,
        actions: &["DescribeInstances"],
    },
    ServiceSpec {
        name: "tag",
        version: "2018-08-13",
        regional: false,
        actions: &["GetResources"],
    },
    ServiceSpec {
        name: "cbs",
        version: "2017-03-12",
        regional: true,
        actions: &["DescribeDisks"],
    },
    ServiceSpec {
        name: "clb",
        version: "2018-03-17",
        regional: true,
        actions: &["DescribeLoadBalancers"],
    },
    ServiceSpec {
        name: "vpc",
        version: "2017-03-12",
        regional: true,
        actions: &["DescribeVpcs", "DescribeSecurityGroups"],
    },
    ServiceSpec {
        name: "cdb",
        version: "2017-03-20",
        regional: true,
        actions: &["DescribeDBInstances"],
    },
    ServiceSpec {
        name: "redis",
        version: "2018-04-12",
        regional: true,
        actions: &["DescribeInstances"],
    },
    ServiceSpec {
        name: "cfw",
        version: "2019-09-04",
        regional: false,
        actions: &[
            "CreateBlockIgnoreRuleNew",
            "DescribeBlockIgnoreList",
            "DeleteBlockIgnoreRuleNew",
            "DeleteBlockIgnoreRuleList",
        ],
    },
    ServiceSpec {
        name: "cls",
        version: "2020-10-16",
        regional: true,
        actions: &["OpenKafkaConsumer", "DescribeKafkaConsumer"],
    },
    ServiceSpec {
        name: "waf",
        version: "2018-01-25",
        regional: false,
        actions: &[
            "DescribeDomains",
            "CreateIpAccessControl",
            "DescribeIpAccessControl",
            "DeleteIpAccessControlV2",
            "DeleteIpAccessControl",
        ],
    },
];

/// The spec of a service by name.
pub(crate) fn spec(name: &str) -> Option<&'static ServiceSpec> {
    SERVICES.iter().find(|s| s.name == name)
}

/// Where a request is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) service: String,
    /// The domain named by the host, if the host is a real Tencent host.
    pub(crate) host_domain: Option<Domain>,
}

fn from_host(host: &str) -> Option<Route> {
    let rest = host.strip_suffix(".tencentcloudapi.com")?;
    let (rest, domain) = match rest.strip_suffix(".intl") {
        Some(r) => (r, Domain::International),
        None => (rest, Domain::China),
    };
    let service = rest.split('.').next()?.to_string();
    Some(Route {
        service,
        host_domain: Some(domain),
    })
}

/// The service named in the TC3 credential scope.
pub(crate) fn scope_service(req: &SimRequest) -> Option<String> {
    let auth = req.header("authorization")?;
    let start = auth.find("Credential=")? + "Credential=".len();
    let cred = auth[start..].split([',', ' ']).next()?;
    let parts: Vec<&str> = cred.split('/').collect();
    (parts.len() == 4 && parts[3] == "tc3_request").then(|| parts[2].to_string())
}

/// Routes by a real host, else by credential scope.
pub(crate) fn route(req: &SimRequest) -> Option<Route> {
    from_host(&req.host_name()).or_else(|| {
        Some(Route {
            service: scope_service(req)?,
            host_domain: None,
        })
    })
}

/// The `X-TC-Action` header.
pub(crate) fn action(req: &SimRequest) -> Option<&str> {
    req.header("x-tc-action")
}

/// The request parameters: the JSON body of a POST, or the query of a GET.
pub(crate) fn params(req: &SimRequest) -> Result<Value, TcError> {
    if req.method == http::Method::GET {
        let mut map = serde_json::Map::new();
        for (k, v) in &req.query {
            map.insert(k.clone(), Value::String(v.clone()));
        }
        return Ok(Value::Object(map));
    }
    match req.json_body() {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(TcError::new(
            "InvalidParameter",
            "The request body is not a valid JSON object.",
        )),
    }
}

/// An integer parameter given as a number or a numeric string (the VPC models type
/// `Limit`/`Offset` as strings).
pub(crate) fn int(params: &Value, name: &str) -> Result<Option<i64>, TcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad_type(name)),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad_type(name)),
        Some(_) => Err(bad_type(name)),
    }
}

fn bad_type(name: &str) -> TcError {
    TcError::new(
        "InvalidParameterValue",
        format!("The value of parameter `{name}` is not a valid integer."),
    )
}

/// A string parameter.
pub(crate) fn string<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str)
}

/// A list of strings (absent = empty).
pub(crate) fn strings(params: &Value, name: &str) -> Vec<String> {
    params
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `Filters[]{Name, Values[]}`.
pub(crate) fn filters(params: &Value) -> Vec<(String, Vec<String>)> {
    params
        .get("Filters")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|f| {
                    let name = f
                        .get("Name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    (name, strings(f, "Values"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `Offset`/`Limit` with the API's default and maximum `Limit`.
pub(crate) fn offset_limit(
    params: &Value,
    default: i64,
    max: i64,
) -> Result<(usize, usize), TcError> {
    let offset = int(params, "Offset")?.unwrap_or(0);
    let limit = int(params, "Limit")?.unwrap_or(default);
    if offset < 0 {
        return Err(TcError::new(
            "InvalidParameterValue",
            "The value of parameter `Offset` must not be negative.",
        ));
    }
    if !(1..=max).contains(&limit) {
        return Err(TcError::new(
            "InvalidParameterValue",
            format!("The value of parameter `Limit` must be between 1 and {max}."),
        ));
    }
    Ok((offset as usize, limit as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(host: &str, auth: Option<&str>) -> SimRequest {
        let mut headers = http::HeaderMap::new();
        if let Some(a) = auth {
            headers.insert("authorization", a.parse().unwrap());
        }
        SimRequest {
            method: http::Method::POST,
            host: host.into(),
            path: "/".into(),
            query: vec![],
            raw_query: None,
            headers,
            body: Bytes::from_static(b"{\"Limit\":\"50\",\"Offset\":10}"),
        }
    }

    #[test]
    fn routes_by_host_or_scope() {
        assert_eq!(
            route(&req("cvm.tencentcloudapi.com", None))
                .unwrap()
                .host_domain,
            Some(Domain::China)
        );
        let r = route(&req("cvm.intl.tencentcloudapi.com", None)).unwrap();
        assert_eq!(
            (r.service.as_str(), r.host_domain),
            ("cvm", Some(Domain::International))
        );
        let auth = "TC3-HMAC-SHA256 Credential=AKID/2025-03-01/cbs/tc3_request, SignedHeaders=content-type;host, Signature=00";
        let r = route(&req("127.0.0.1:1", Some(auth))).unwrap();
        assert_eq!((r.service.as_str(), r.host_domain), ("cbs", None));
        assert!(route(&req("127.0.0.1:1", None)).is_none());
    }

    #[test]
    fn limits_accept_numbers_and_strings() {
        let p = params(&req("h", None)).unwrap();
        assert_eq!(offset_limit(&p, 20, 100).unwrap(), (10, 50));
        assert!(offset_limit(&p, 20, 40).is_err());
        assert!(spec("vpc").is_some_and(|s| s.regional));
    }
}
