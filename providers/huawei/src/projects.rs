//! The key's projects (`GET /v3/auth/projects`): one project per region the account uses,
//! plus `MOS` and sub-projects, all in one account (domain).

use std::collections::BTreeMap;

use multicloud_core::Result;
use serde_json::Value;
use time::OffsetDateTime;

use crate::wire::{self, decode_error};

/// What one `GET /v3/auth/projects` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Projects {
    /// The account (domain) id, when the projects name it.
    pub(crate) domain_id: Option<String>,
    /// Enabled projects by name (a region's default project is named after the region).
    pub(crate) by_name: BTreeMap<String, String>,
    /// When the answer arrived.
    pub(crate) fetched_at: OffsetDateTime,
}

impl Projects {
    /// The project id of `region`'s default project.
    pub(crate) fn project_of(&self, region: &str) -> Option<&str> {
        self.by_name.get(region).map(String::as_str)
    }

    /// The names of projects that are regions' default projects: not `MOS`, not a
    /// sub-project (`cn-north-4_dev`).
    pub(crate) fn region_names(&self) -> impl Iterator<Item = &str> {
        self.by_name
            .keys()
            .map(String::as_str)
            .filter(|n| looks_like_region(n))
    }
}

/// `cn-north-4`, `ap-southeast-1`, `eu-west-101`: lower-case words joined by `-`, no `_`.
pub(crate) fn looks_like_region(name: &str) -> bool {
    name.contains('-')
        && !name.contains('_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Reads a `KeystoneListAuthProjects` answer.
pub(crate) fn parse(body: &Value, now: OffsetDateTime) -> Result<Projects> {
    const ACTION: &str = "iam:KeystoneListAuthProjects";
    let items = wire::list(body, "projects", ACTION, None)?;
    let mut domain_id = None;
    let mut by_name = BTreeMap::new();
    for p in items {
        let (Some(id), Some(name)) = (wire::text(p, "id"), wire::text(p, "name")) else {
            return Err(decode_error(ACTION, None, "a project without id or name"));
        };
        if domain_id.is_none() {
            domain_id = wire::text(p, "domain_id");
        }
        if p.get("enabled").and_then(Value::as_bool) != Some(false) {
            by_name.insert(name, id);
        }
    }
    Ok(Projects {
        domain_id,
        by_name,
        fetched_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projects_give_regions_and_the_domain() {
        let body = json!({"projects": [
            {"id": "p1", "name": "cn-north-4", "domain_id": "d1", "enabled": true},
            {"id": "p2", "name": "MOS", "domain_id": "d1", "enabled": true},
            {"id": "p3", "name": "cn-north-4_dev", "domain_id": "d1", "enabled": true},
            {"id": "p4", "name": "ap-southeast-1", "domain_id": "d1", "enabled": false},
        ]});
        let p = parse(&body, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(p.domain_id.as_deref(), Some("d1"));
        assert_eq!(p.project_of("cn-north-4"), Some("p1"));
        assert_eq!(p.project_of("ap-southeast-1"), None);
        assert_eq!(p.region_names().collect::<Vec<_>>(), ["cn-north-4"]);
        assert!(parse(&json!({"projects": null}), OffsetDateTime::UNIX_EPOCH).is_err());
        let none = parse(&json!({"projects": []}), OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(none.domain_id, None);
    }
}
