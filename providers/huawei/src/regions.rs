//! Regions: the account's projects (`GET /v3/auth/projects`, looked up again on every call so
//! a newly used region appears) matched against the site's catalog (`GET /v3/regions`).
//!
//! A catalog region with a project is [`Enabled`](RegionStatus::Enabled); one without is
//! [`NotOptedIn`](RegionStatus::NotOptedIn): the account has no project there, so nothing
//! can be listed in it. When the catalog cannot be read (no IAM read, or an endpoint that
//! does not serve it), the regions are the projects named like regions, without display
//! names; only an authentication refusal fails the call.

use multicloud_core::{Region, RegionStatus, Result};
use serde_json::Value;

use crate::client::{Client, Request, IAM_LIST_REGIONS};
use crate::wire;

/// One catalog entry: id and English name.
fn catalog_entry(v: &Value) -> Option<(String, Option<String>)> {
    let id = wire::text(v, "id")?;
    let name = v
        .get("locales")
        .and_then(|l| wire::text(l, "en-us"))
        .or_else(|| wire::text(v, "description"));
    Some((id, name))
}

/// The regions of the account.
pub(crate) async fn list(client: &Client) -> Result<Vec<Region>> {
    let projects = client.projects(true).await?;
    let catalog = match client
        .json(IAM_LIST_REGIONS, &Request::get("/v3/regions"))
        .await
    {
        Ok(body) => Some(
            wire::list(&body, "regions", IAM_LIST_REGIONS.name, None)?
                .iter()
                .filter_map(catalog_entry)
                .collect::<Vec<_>>(),
        ),
        Err(e) if e.is_auth_failure() => return Err(e),
        Err(e) => {
            // Denied (no IAM read), absent (a gateway without the catalog) or failing: the
            // projects alone still name every region the account uses.
            tracing::info!(
                provider = "huawei",
                kind = %e.kind(),
                "the region catalog could not be read; regions come from projects alone"
            );
            None
        }
    };
    let mut regions: Vec<Region> = Vec::new();
    if let Some(catalog) = &catalog {
        for (id, name) in catalog {
            let status = if projects.project_of(id).is_some() {
                RegionStatus::Enabled
            } else {
                RegionStatus::NotOptedIn
            };
            regions.push(Region::new(id.clone(), status).with_name(name.clone()));
        }
    }
    for name in projects.region_names() {
        if !regions.iter().any(|r| r.id == name) {
            regions.push(Region::enabled(name));
        }
    }
    Ok(regions)
}
