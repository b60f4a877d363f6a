//! Which action and region each request to the canned server is, per cloud, so the front can
//! count requests per (action, region). Each cloud routes its own way:
//!
//! - AWS: the query form's `Action`, the region of the SigV4 credential scope;
//! - Tencent: the `X-TC-Action` and `X-TC-Region` headers;
//! - Huawei: the path (`/v1/{project_id}/cloudservers/detail` is `ListServersDetails`), the
//!   region of the project id (the bench knows the account's projects);
//! - Baidu: the path, the region in the `Host` header (`bcc.{region}.baidubce.com`);
//! - CTyun: the path, the `regionID` of the JSON body.

use std::collections::HashMap;

use crate::front::Head;
use crate::world::Cloud;

/// Names the action and region of a request to one cloud's front.
pub(crate) struct Router {
    cloud: Cloud,
    /// Huawei: project id → region.
    projects: HashMap<String, String>,
}

impl Router {
    /// The router of `cloud`, whose account uses `regions`.
    pub(crate) fn new(cloud: Cloud, regions: &[&str]) -> Router {
        let projects = match cloud {
            Cloud::Huawei => {
                let account = cloud.admin_key().account_id;
                regions
                    .iter()
                    .map(|r| {
                        let project = multicloud_testkit::huawei::project_id(&account, r);
                        (project, (*r).to_owned())
                    })
                    .collect()
            }
            _ => HashMap::new(),
        };
        Router { cloud, projects }
    }

    /// `(action, region)`; the region is empty for global calls.
    pub(crate) fn route(&self, head: &Head, body: &[u8]) -> (String, String) {
        let target = head.start.split(' ').nth(1).unwrap_or_default();
        let path = target.split('?').next().unwrap_or_default();
        match self.cloud {
            Cloud::Aws => {
                let action = form_value(body, "Action").unwrap_or_else(|| "?".into());
                let region = credential_scope(head)
                    .and_then(|s| s.first().map(|r| (*r).to_owned()))
                    .unwrap_or_default();
                (action, region)
            }
            Cloud::Tencent => (
                head.header("x-tc-action").unwrap_or("?").to_owned(),
                head.header("x-tc-region").unwrap_or_default().to_owned(),
            ),
            Cloud::Huawei => huawei(path, &self.projects),
            Cloud::Baidu => {
                let host = head.header("host").unwrap_or_default();
                // `bcc.gz.baidubce.com`: service, region, root.
                let region = host
                    .strip_suffix(".baidubce.com")
                    .and_then(|h| h.split_once('.'))
                    .map(|(_, region)| region.to_owned())
                    .unwrap_or_default();
                let action = match path {
                    "/v2/instance" => "ListInstances",
                    "/v2/region/describeRegions" => "describeRegions",
                    other => other,
                };
                (action.to_owned(), region)
            }
            Cloud::Ctyun => {
                let action = path.rsplit('/').next().unwrap_or(path).to_owned();
                let region = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("regionID")?.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (action, region)
            }
        }
    }
}

/// Huawei's action by path; the region from the project id in it.
fn huawei(path: &str, projects: &HashMap<String, String>) -> (String, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["v1", project, "cloudservers", "detail"] => (
            "ListServersDetails".to_owned(),
            projects.get(*project).cloned().unwrap_or_default(),
        ),
        ["v3", "auth", "projects"] => ("KeystoneListAuthProjects".to_owned(), String::new()),
        ["v3", "auth", "domains"] => ("KeystoneListAuthDomains".to_owned(), String::new()),
        ["v3", "regions"] => ("KeystoneListRegions".to_owned(), String::new()),
        _ => (path.to_owned(), String::new()),
    }
}

/// The routing part of a SigV4 or TC3 credential scope (`Credential=<key id>/<date>/<region>/
/// <service>/<terminator>`): `[region, service]` (TC3 has the service alone).
pub(crate) fn credential_scope(head: &Head) -> Option<Vec<&str>> {
    let scope = head
        .header("authorization")?
        .split("Credential=")
        .nth(1)?
        .split([',', ' '])
        .next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    Some(parts.get(2..parts.len().saturating_sub(1))?.to_vec())
}

/// A form field's value (AWS query protocol bodies), undecoded.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}
