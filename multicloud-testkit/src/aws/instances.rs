//! EC2 `DescribeInstances`: one reservation per instance, `MaxResults` 5..1000 (not with
//! `InstanceId.N`), filters by state, ids, network, zone and tags; the XML follows
//! botocore's `locationName`s (`reservationSet/item/instancesSet/item`).

use crate::inventory::{SimHost, SimHostState};
use crate::render::{iso8601_millis, Xml};

use super::ec2::{bad_filter, doc, filters, max_results, paginate, tag_matches, tag_set};
use super::errors::AwsError;
use super::route::{dns_suffix, list_param};
use super::Call;

fn state_code(s: SimHostState) -> (u32, &'static str) {
    match s {
        SimHostState::Pending => (0, "pending"),
        SimHostState::Running => (16, "running"),
        SimHostState::Stopping => (64, "stopping"),
        SimHostState::Stopped => (80, "stopped"),
        SimHostState::Terminated => (48, "terminated"),
    }
}

fn host_matches(h: &SimHost, filters: &[(String, Vec<String>)]) -> Result<bool, AwsError> {
    for (name, values) in filters {
        let hit = |v: &str| values.iter().any(|x| x == v);
        let ok = match name.as_str() {
            "instance-id" => hit(&h.id),
            "instance-state-name" => hit(state_code(h.state).1),
            "instance-type" => hit(&h.instance_type),
            "vpc-id" => hit(&h.vpc_id),
            "subnet-id" => hit(&h.subnet_id),
            "availability-zone" => hit(&h.zone),
            "private-ip-address" => hit(&h.private_ip),
            "ip-address" => h.public_ip.as_deref().is_some_and(hit),
            other => match tag_matches(&h.tags, other, values) {
                Some(b) => b,
                None => return Err(bad_filter(other)),
            },
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `DescribeInstances`: one reservation per instance, `MaxResults` 5..1000.
pub(crate) fn describe_instances(call: &Call<'_>) -> Result<String, AwsError> {
    let ids = list_param(&call.params, "InstanceId");
    let limit = max_results(call, 5, 1000)?;
    if !ids.is_empty() && limit.is_some() {
        return Err(AwsError::new(
            400,
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    let hosts = call.ctx.inventory.hosts_in(&call.route.region);
    for id in &ids {
        if !hosts.iter().any(|h| &h.id == id) {
            return Err(AwsError::new(
                400,
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{id}' does not exist"),
            ));
        }
    }
    let filters = filters(call);
    // Validate filter names once, so a bad name fails even on an empty region.
    if let Some(h) = hosts.first() {
        host_matches(h, &filters)?;
    }
    let selected = hosts.iter().filter(|h| {
        (ids.is_empty() || ids.contains(&h.id)) && host_matches(h, &filters).unwrap_or(false)
    });
    let (page, next) = paginate(call, selected, limit)?;
    Ok(doc(call, "DescribeInstancesResponse", |x| {
        x.open("reservationSet");
        for h in page {
            render_reservation(x, call, h);
        }
        x.close("reservationSet");
        x.leaf_opt("nextToken", next.as_deref());
    }))
}

fn render_reservation(x: &mut Xml, call: &Call<'_>, h: &SimHost) {
    let region = &call.route.region;
    let (code, name) = state_code(h.state);
    let live = h.state != SimHostState::Terminated;
    let dns_ip = h.private_ip.replace('.', "-");
    let private_dns = if region == "us-east-1" {
        format!("ip-{dns_ip}.ec2.internal")
    } else {
        format!("ip-{dns_ip}.{region}.compute.internal")
    };
    let launch = iso8601_millis(h.created_at);
    let suffix = &h.id[2..];
    x.open("item").leaf("reservationId", format!("r-{suffix}"));
    x.leaf("ownerId", &call.key.account_id).empty("groupSet");
    x.open("instancesSet").open("item");
    x.leaf("instanceId", &h.id).leaf("imageId", &h.image_id);
    x.open("instanceState")
        .leaf("code", code.to_string())
        .leaf("name", name)
        .close("instanceState");
    x.leaf(
        "privateDnsName",
        if live { private_dns.as_str() } else { "" },
    );
    let public_dns = h.public_ip.as_ref().filter(|_| live).map(|ip| {
        format!(
            "ec2-{}.{region}.compute.{}",
            ip.replace('.', "-"),
            dns_suffix(call.route.domain)
        )
    });
    x.leaf("dnsName", public_dns.as_deref().unwrap_or(""));
    x.leaf("amiLaunchIndex", "0").empty("productCodes");
    x.leaf("instanceType", &h.instance_type)
        .leaf("launchTime", &launch);
    x.open("placement")
        .leaf("availabilityZone", &h.zone)
        .leaf("tenancy", "default")
        .close("placement");
    if h.is_windows() {
        x.leaf("platform", "windows");
    }
    x.open("monitoring")
        .leaf("state", "disabled")
        .close("monitoring");
    if live {
        x.leaf("subnetId", &h.subnet_id).leaf("vpcId", &h.vpc_id);
        x.leaf("privateIpAddress", &h.private_ip);
        x.leaf_opt("ipAddress", h.public_ip.as_deref());
    }
    x.leaf("sourceDestCheck", "true")
        .leaf("architecture", "x86_64");
    x.leaf("rootDeviceType", "ebs")
        .leaf("rootDeviceName", "/dev/xvda");
    x.leaf("virtualizationType", "hvm")
        .leaf("hypervisor", "xen");
    tag_set(x, &h.tags);
    if live {
        x.open("networkInterfaceSet").open("item");
        x.leaf("networkInterfaceId", format!("eni-{suffix}"));
        x.leaf("subnetId", &h.subnet_id).leaf("vpcId", &h.vpc_id);
        x.leaf("ownerId", &call.key.account_id)
            .leaf("status", "in-use");
        x.leaf("privateIpAddress", &h.private_ip)
            .leaf("privateDnsName", &private_dns);
        x.open("attachment")
            .leaf("attachmentId", format!("eni-attach-{suffix}"));
        x.leaf("deviceIndex", "0").leaf("status", "attached");
        x.leaf("attachTime", &launch)
            .leaf("deleteOnTermination", "true")
            .close("attachment");
        if let Some(ip) = &h.public_ip {
            x.open("association")
                .leaf("publicIp", ip)
                .leaf("ipOwnerId", "amazon")
                .close("association");
        }
        x.close("item").close("networkInterfaceSet");
    }
    x.leaf("ebsOptimized", "false").leaf("enaSupport", "true");
    let platform = if h.is_windows() {
        "Windows"
    } else {
        "Linux/UNIX"
    };
    x.leaf("platformDetails", platform)
        .leaf("usageOperation", "RunInstances");
    x.open("cpuOptions")
        .leaf("coreCount", (h.cpu / 2).max(1).to_string());
    x.leaf("threadsPerCore", if h.cpu > 1 { "2" } else { "1" })
        .close("cpuOptions");
    x.close("item").close("instancesSet").close("item");
}
