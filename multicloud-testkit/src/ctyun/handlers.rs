//! CTyun handlers. Each product pages its own way (`pageNo`, `pageNum`, `pageIndex`), takes
//! the region its own way (body/query `regionID`, header `regionId`) and has its own limits.

use serde_json::{json, Value};

use super::errors;
use super::routes::Api;
use super::wire;
use crate::sim::{SimContext, SimRequest, SimResponse};

/// ECS `list-instances` `pageSize` limit.
pub(crate) const ECS_MAX_PAGE_SIZE: u64 = 50;
/// ECS `list-instances` `maxResults` limit (token paging, public beta).
pub(crate) const ECS_MAX_RESULTS: u64 = 200;
/// ZOS `list-buckets` `pageSize` limit.
pub(crate) const ZOS_MAX_PAGE_SIZE: u64 = 50;
/// EBS `list-ebs` `pageSize` limit.
pub(crate) const EBS_MAX_PAGE_SIZE: u64 = 300;
/// DCS `describeInstances` `pageSize` limit.
pub(crate) const DCS_MAX_PAGE_SIZE: u64 = 1000;
/// Kafka `instances/query` `pageSize` limit.
pub(crate) const KAFKA_MAX_PAGE_SIZE: u64 = 40000;

/// Reads a parameter from a JSON body (`null` = absent) or the query.
#[derive(Debug)]
struct Params<'a> {
    req: &'a SimRequest,
    body: Value,
}

impl<'a> Params<'a> {
    fn new(req: &'a SimRequest, api: Api) -> Result<Self, String> {
        let body = if api == Api::ListInstances {
            req.json_body()
                .map_err(|e| format!("request body is not valid JSON: {e}"))?
        } else {
            Value::Null
        };
        Ok(Params { req, body })
    }

    fn str(&self, name: &str) -> Option<String> {
        match self.body.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => self.req.query_param(name).map(str::to_string),
        }
        .filter(|s| !s.is_empty())
    }

    /// A page number/size parameter within `1..=max`, or `default`.
    fn bounded(&self, name: &str, default: u64, max: u64) -> Result<u64, String> {
        match self.str(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{name} must be an integer between 1 and {max}, got {v}"
                )),
            },
        }
    }
}

/// The usable pool named by `region`, or the API's error.
fn usable_region(region: Option<String>, ctx: &SimContext<'_>) -> Result<String, SimResponse> {
    let Some(id) = region else {
        return Err(errors::bad_parameter(
            "regionID is required",
            ctx.request_id,
        ));
    };
    match ctx.inventory.region(&id) {
        Some(r) if r.opted_in => Ok(id),
        _ => Err(errors::region_access_failed(&id, ctx.request_id)),
    }
}

/// `(start index, reported total)` of a page-number page, honouring the loop fault.
fn page_window(page: u64, size: u64, total: usize, ctx: &SimContext<'_>) -> (usize, usize) {
    if ctx.pagination_loop() {
        // Page one again, under a total the client can reach within its page cap, so the
        // loop (not the cap) is what stops it.
        (0, total + 2 * size as usize)
    } else if ctx.endless_pagination() {
        // The endless fault: a total no client can reach.
        (((page - 1) * size) as usize, 1_000_000_000)
    } else {
        (((page - 1) * size) as usize, total)
    }
}

fn list_instances(p: &Params<'_>, ctx: &SimContext<'_>) -> Result<Value, SimResponse> {
    let region = usable_region(p.str("regionID"), ctx)?;
    let bad = |m: String| errors::bad_parameter(&m, ctx.request_id);
    let page_no = p.bounded("pageNo", 1, u64::from(u32::MAX)).map_err(bad)?;
    let page_size = p.bounded("pageSize", 10, ECS_MAX_PAGE_SIZE).map_err(bad)?;
    let max_results = match p.str("maxResults") {
        None => None,
        Some(_) => Some(p.bounded("maxResults", 10, ECS_MAX_RESULTS).map_err(bad)?),
    };
    let ids: Option<Vec<String>> = p
        .str("instanceIDList")
        .map(|l| l.split(',').map(|s| s.trim().to_string()).collect());
    let state = p.str("state").map(|s| s.to_ascii_lowercase());
    let labels: Vec<(String, String)> = p
        .body
        .get("labelList")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|l| {
                    let s = |k: &str| {
                        l.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    (s("labelKey"), s("labelValue"))
                })
                .collect()
        })
        .unwrap_or_default();
    let hosts: Vec<Value> = ctx
        .inventory
        .hosts_in(&region)
        .iter()
        .filter(|h| wire::instance_status(h.state).is_some())
        .filter(|h| {
            state.as_deref().is_none_or(|s| match s {
                "active" => wire::instance_status(h.state) == Some("running"),
                "shutoff" => wire::instance_status(h.state) == Some("stopped"),
                _ => false,
            })
        })
        .filter(|h| p.str("azName").is_none_or(|z| h.zone == z))
        .filter(|h| p.str("vpcID").is_none_or(|v| h.vpc_id == v))
        .filter(|h| p.str("instanceName").is_none_or(|n| h.name == n))
        .filter(|h| ids.as_ref().is_none_or(|ids| ids.contains(&h.id)))
        .filter(|h| {
            p.str("keyword").is_none_or(|k| {
                h.name.contains(&k) || h.id.contains(&k) || h.private_ip.contains(&k)
            })
        })
        .filter(|h| {
            labels
                .iter()
                .all(|(k, v)| h.tags.iter().any(|(hk, hv)| hk == k && hv == v))
        })
        .map(wire::instance)
        .collect();
    if let Some(max) = max_results {
        // Token paging: the token is the hex of the next start index.
        let start = match p.str("nextToken") {
            None => 0,
            Some(t) => hex::decode(&t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or_else(|| bad(format!("nextToken {t} is invalid")))?,
        };
        let results: Vec<Value> = hosts
            .iter()
            .skip(start)
            .take(max as usize)
            .cloned()
            .collect();
        let end = start + results.len();
        let mut next = if end < hosts.len() {
            hex::encode(end.to_string())
        } else {
            String::new()
        };
        if ctx.pagination_loop() {
            next = p
                .str("nextToken")
                .unwrap_or_else(|| hex::encode(start.to_string()));
        }
        return Ok(json!({
            "currentCount": results.len(),
            "totalCount": hosts.len(),
            "nextToken": next,
            "results": results,
        }));
    }
    let (start, total) = page_window(page_no, page_size, hosts.len(), ctx);
    let results: Vec<Value> = hosts
        .iter()
        .skip(start)
        .take(page_size as usize)
        .cloned()
        .collect();
    Ok(json!({
        "currentCount": results.len(),
        "totalCount": total,
        "totalPage": total.div_ceil(page_size as usize),
        "results": results,
    }))
}

fn customer_resources(p: &Params<'_>, ctx: &SimContext<'_>) -> Result<Value, SimResponse> {
    let region = usable_region(p.str("regionID"), ctx)?;
    let hosts = ctx.inventory.hosts_in(&region);
    let running = hosts
        .iter()
        .filter(|h| wire::instance_status(h.state) == Some("running"))
        .count();
    let stopped = hosts
        .iter()
        .filter(|h| wire::instance_status(h.state) == Some("stopped"))
        .count();
    let count = |svc: &str, ty: &str| ctx.inventory.resources_in(svc, ty, &region).len();
    let public_ips = hosts.iter().filter(|h| h.public_ip.is_some()).count();
    Ok(json!({
        "resources": {
            "VM": {"total_count": running + stopped, "vm_running_count": running, "vm_shutd_count": stopped, "expire_count": 0},
            "Volume": {"total_count": count("ebs", "disk")},
            "VPC": {"total_count": count("ctvpc", "vpc")},
            "Public_IP": {"total_count": public_ips},
            "LOADBALANCER": {"total_count": count("ctelb", "loadbalancer")},
            "IMAGE": {"total_count": 0},
            "NAT": {"total_count": 0},
            "CERT": {"total_count": 0},
        }
    }))
}

/// Dispatches an authenticated request; every answer is the 800/900 envelope.
pub(crate) fn handle(api: Api, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
    let p = match Params::new(req, api) {
        Ok(p) => p,
        Err(m) => return errors::bad_parameter(&m, ctx.request_id),
    };
    let bad = |m: String| errors::bad_parameter(&m, ctx.request_id);
    let result: Result<Value, SimResponse> = (|| match api {
        Api::ListRegions => {
            let name = p.str("regionName");
            let list: Vec<Value> = ctx
                .inventory
                .regions
                .iter()
                .filter(|r| name.as_deref().is_none_or(|n| r.name.contains(n)))
                .map(wire::region)
                .collect();
            Ok(json!({"regionList": list}))
        }
        Api::CustomerResources => customer_resources(&p, ctx),
        Api::ListInstances => list_instances(&p, ctx),
        Api::KafkaQuery => {
            let region = usable_region(req.header("regionId").map(str::to_string), ctx)?;
            let page = p.bounded("pageNum", 1, u64::from(u32::MAX)).map_err(bad)?;
            let size = p
                .bounded("pageSize", 10, KAFKA_MAX_PAGE_SIZE)
                .map_err(bad)?;
            let all = ctx.inventory.resources_in("ctgkafka", "instance", &region);
            let (start, total) = page_window(page, size, all.len(), ctx);
            let data: Vec<Value> = all
                .iter()
                .skip(start)
                .take(size as usize)
                .map(wire::kafka)
                .collect();
            Ok(json!({"total": total, "data": data}))
        }
        Api::DcsDescribeInstances => {
            let region = usable_region(req.header("regionId").map(str::to_string), ctx)?;
            let page = p
                .bounded("pageIndex", 1, u64::from(u32::MAX))
                .map_err(bad)?;
            let size = p.bounded("pageSize", 10, DCS_MAX_PAGE_SIZE).map_err(bad)?;
            let all = ctx.inventory.resources_in("dcs2", "instance", &region);
            let (start, total) = page_window(page, size, all.len(), ctx);
            let rows: Vec<Value> = all
                .iter()
                .skip(start)
                .take(size as usize)
                .map(wire::dcs)
                .collect();
            Ok(json!({"total": total, "rows": rows}))
        }
        Api::ZosListBuckets => {
            let region = p.str("regionID");
            let page = p.bounded("pageNo", 1, u64::from(u32::MAX)).map_err(bad)?;
            let size = p.bounded("pageSize", 10, ZOS_MAX_PAGE_SIZE).map_err(bad)?;
            let mut all: Vec<_> = match region.as_deref() {
                Some("public") | None => {
                    ctx.inventory.resources_of("zos", "bucket").iter().collect()
                }
                Some(_) => {
                    let r = usable_region(region.clone(), ctx)?;
                    ctx.inventory
                        .resources_in("zos", "bucket", &r)
                        .iter()
                        .collect()
                }
            };
            all.sort_by(|a, b| a.name.cmp(&b.name));
            let (start, total) = page_window(page, size, all.len(), ctx);
            let list: Vec<Value> = all
                .iter()
                .skip(start)
                .take(size as usize)
                .map(|r| wire::bucket(r))
                .collect();
            Ok(json!({"bucketList": list, "totalCount": total}))
        }
        Api::ElbList => {
            let region = usable_region(p.str("regionID"), ctx)?;
            let list: Vec<Value> = ctx
                .inventory
                .resources_in("ctelb", "loadbalancer", &region)
                .iter()
                .map(wire::elb)
                .collect();
            Ok(Value::Array(list))
        }
        Api::EbsList => {
            let region = usable_region(p.str("regionID"), ctx)?;
            let page = p.bounded("pageNo", 1, u64::from(u32::MAX)).map_err(bad)?;
            let size = p.bounded("pageSize", 10, EBS_MAX_PAGE_SIZE).map_err(bad)?;
            let all = ctx.inventory.resources_in("ebs", "disk", &region);
            let (start, total) = page_window(page, size, all.len(), ctx);
            let list: Vec<Value> = all
                .iter()
                .skip(start)
                .take(size as usize)
                .map(wire::disk)
                .collect();
            Ok(json!({
                "diskList": list,
                "diskTotal": total,
                "currentCount": list.len(),
                "totalCount": total,
                "totalPage": total.div_ceil(size as usize),
            }))
        }
        Api::RocketMqList => {
            // No paging documented: one answer with every instance of the pool.
            let region = usable_region(req.header("regionId").map(str::to_string), ctx)?;
            let list: Vec<Value> = ctx
                .inventory
                .resources_in("rocketmq", "instance", &region)
                .iter()
                .map(wire::rocketmq)
                .collect();
            Ok(json!({"prodInstList": list}))
        }
    })();
    match result {
        Ok(v) => errors::success(v, ctx.request_id),
        Err(resp) => resp,
    }
}
