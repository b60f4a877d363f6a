//! Resource Groups Tagging API `GetResources` (awsJson1.1, target
//! `ResourceGroupsTaggingAPI_20170126.GetResources`): the tagged resources of one region
//! as ARNs, `ResourcesPerPage` 1..100 (default 50), `PaginationToken` (`""` when done).

use serde_json::{json, Value};

use crate::render::{page_token, parse_page_token};

use super::errors::{invalid_value, AwsError};
use super::route::{partition_name, Service};
use super::Call;

struct Mapping<'a> {
    arn: String,
    resource_type: &'static str,
    tags: &'a [(String, String)],
}

fn mappings<'a>(call: &'a Call<'_>) -> Vec<Mapping<'a>> {
    let inv = call.ctx.inventory;
    let region = call.route.region.as_str();
    let p = partition_name(call.route.domain);
    let acct = &call.key.account_id;
    let mut out = Vec::new();
    for h in inv.hosts_in(region) {
        out.push(Mapping {
            arn: format!("arn:{p}:ec2:{region}:{acct}:instance/{}", h.id),
            resource_type: "ec2:instance",
            tags: &h.tags,
        });
    }
    let kinds: [(&str, &str, &'static str, &str); 6] = [
        ("ec2", "vpc", "ec2:vpc", "vpc"),
        (
            "ec2",
            "security-group",
            "ec2:security-group",
            "security-group",
        ),
        ("ec2", "volume", "ec2:volume", "volume"),
        ("ec2", "snapshot", "ec2:snapshot", "snapshot"),
        ("rds", "db-instance", "rds:db", "db"),
        (
            "elasticloadbalancing",
            "loadbalancer",
            "elasticloadbalancing:loadbalancer",
            "loadbalancer",
        ),
    ];
    for (svc, ty, rtype, arn_ty) in kinds {
        for r in inv.resources_in(svc, ty, region) {
            let arn = match svc {
                "rds" => format!("arn:{p}:rds:{region}:{acct}:db:{}", r.id),
                "elasticloadbalancing" => {
                    format!(
                        "arn:{p}:elasticloadbalancing:{region}:{acct}:loadbalancer/app/{}/{}",
                        r.name, r.id
                    )
                }
                _ => format!("arn:{p}:{svc}:{region}:{acct}:{arn_ty}/{}", r.id),
            };
            out.push(Mapping {
                arn,
                resource_type: rtype,
                tags: &r.tags,
            });
        }
    }
    for b in inv.resources_in("s3", "bucket", region) {
        out.push(Mapping {
            arn: format!("arn:{p}:s3:::{}", b.id),
            resource_type: "s3:bucket",
            tags: &b.tags,
        });
    }
    // The tagging service only knows resources that carry tags.
    out.retain(|m| !m.tags.is_empty());
    out
}

/// `GetResources`.
pub(crate) fn get_resources(call: &Call<'_>) -> Result<Value, AwsError> {
    let body = call
        .req
        .json_body()
        .map_err(|_| AwsError::new(400, "SerializationException", "Malformed JSON body"))?;
    let per_page = match body.get("ResourcesPerPage") {
        None | Some(Value::Null) => 50,
        Some(v) => {
            let n = v.as_u64().unwrap_or(0) as usize;
            if !(1..=100).contains(&n) {
                return Err(invalid_value(
                    Service::Tagging,
                    "ResourcesPerPage must be between 1 and 100",
                ));
            }
            n
        }
    };
    let token = body
        .get("PaginationToken")
        .and_then(Value::as_str)
        .unwrap_or("");
    let offset = if token.is_empty() {
        0
    } else {
        parse_page_token(token).ok_or_else(|| {
            AwsError::new(
                400,
                "PaginationTokenExpiredException",
                "The pagination token is invalid or expired",
            )
        })?
    };
    let type_filters: Vec<&str> = body
        .get("ResourceTypeFilters")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let tag_filters: Vec<(String, Vec<String>)> = body
        .get("TagFilters")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|f| {
                    let key = f["Key"].as_str().unwrap_or("").to_string();
                    let values = f["Values"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    (key, values)
                })
                .collect()
        })
        .unwrap_or_default();
    let all: Vec<Mapping<'_>> = mappings(call)
        .into_iter()
        .filter(|m| {
            type_filters.is_empty()
                || type_filters
                    .iter()
                    .any(|t| m.resource_type == *t || m.resource_type.starts_with(&format!("{t}:")))
        })
        .filter(|m| {
            tag_filters.iter().all(|(k, vals)| {
                m.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && (vals.is_empty() || vals.contains(tv)))
            })
        })
        .collect();
    let start = offset.min(all.len());
    let end = (start + per_page).min(all.len());
    let next = if call.ctx.pagination_loop() {
        if token.is_empty() {
            page_token(per_page)
        } else {
            token.to_string()
        }
    } else if end < all.len() {
        page_token(end)
    } else {
        String::new()
    };
    let list: Vec<Value> = all[start..end]
        .iter()
        .map(|m| {
            let tags: Vec<Value> = m
                .tags
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect();
            json!({"ResourceARN": m.arn, "Tags": tags})
        })
        .collect();
    Ok(json!({"PaginationToken": next, "ResourceTagMappingList": list}))
}
