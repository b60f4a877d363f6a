//! How the examples print results and errors: tables for people, JSON for tools.

use std::net::IpAddr;

use multicloud_sdk::{
    BlockRule, CloudResource, CredentialStatus, Error, FeatureStatus, Host, Region, VerifyReport,
};

use super::Output;

/// An error as a user reads it: what happened (and where), the underlying cause when there
/// is one, and what to do, each on its own line.
pub(crate) fn error(e: &Error) {
    let shown = e.to_string();
    let head = match e.hint() {
        Some(hint) => shown
            .strip_suffix(&format!("; to fix: {hint}"))
            .unwrap_or(&shown),
        None => &shown,
    };
    eprintln!("error: {head}");
    let mut causes = Vec::new();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        causes.push(cause.to_string());
        next = cause.source();
    }
    if !causes.is_empty() {
        eprintln!("  cause: {}", causes.join(": "));
    }
    if let Some(hint) = e.hint() {
        eprintln!("  to fix: {hint}");
    }
}

/// A verify report: the key, who it belongs to, and each feature's verdict.
pub(crate) fn report(report: &VerifyReport) {
    match &report.credential {
        CredentialStatus::Valid => println!("key: valid"),
        CredentialStatus::Invalid {
            kind,
            code,
            diagnosis,
        } => {
            let code = code
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default();
            println!("key: INVALID ({kind}{code})");
            println!("  {diagnosis}");
        }
        CredentialStatus::Unknown { kind, diagnosis } => {
            println!("key: could not be checked ({kind})");
            println!("  {diagnosis}");
        }
        other => println!("key: {other:?}"),
    }
    if let Some(id) = &report.identity {
        println!(
            "identity: {} ({:?}) in account {}",
            id.principal, id.principal_type, id.account_id
        );
    }
    if report.credential != CredentialStatus::Valid {
        let names: Vec<&str> = report.features.iter().map(|c| c.feature.as_str()).collect();
        println!(
            "features not checked until the key passes: {}",
            names.join(", ")
        );
        return;
    }
    for check in &report.features {
        let verdict = match &check.status {
            FeatureStatus::Ok => "ok".to_owned(),
            FeatureStatus::Missing {
                denied_actions,
                grant,
                ..
            } => format!(
                "missing: denied {}; grant {}",
                denied_actions.join(", "),
                grant.join(" + ")
            ),
            FeatureStatus::Unverified { not_checked, grant } => format!(
                "reads ok; not checkable without side effects: {} (granted by {})",
                not_checked.join(", "),
                grant.join(" + ")
            ),
            FeatureStatus::Unsupported => "not offered by this cloud".to_owned(),
            FeatureStatus::Error { kind, message } => {
                format!("could not check ({kind}): {message}")
            }
            other => format!("{other:?}"),
        };
        println!("{:<10} {verdict}", check.feature.as_str());
    }
    if report.is_valid_but_empty() {
        println!("warning: the key is valid but may list nothing (valid but empty)");
    }
}

/// The account's regions.
pub(crate) fn regions(output: Output, regions: &[Region]) {
    if output == Output::Json {
        println!("{}", to_json(&regions));
        return;
    }
    for r in regions {
        let scan = if r.is_scannable() {
            "scanned"
        } else {
            "not scanned"
        };
        println!(
            "{:<34} {:<28} {:<12} {scan}",
            r.id,
            r.name.as_deref().unwrap_or("-"),
            format!("{:?}", r.status)
        );
    }
    println!("{} regions", regions.len());
}

/// Hosts, one per line.
pub(crate) fn hosts(output: Output, rows: &[Host]) {
    if output == Output::Json {
        println!("{}", to_json(&rows));
        return;
    }
    for h in rows {
        let ips: Vec<String> = h
            .private_ips
            .iter()
            .chain(&h.public_ips)
            .map(ToString::to_string)
            .collect();
        println!(
            "{:<16} {:<38} {:<24} {:<12} {:<14} {}",
            h.region,
            h.id,
            h.name.as_deref().unwrap_or("-"),
            format!("{:?}", h.state),
            h.instance_type.as_deref().unwrap_or("-"),
            ips.join(",")
        );
    }
    println!("{} hosts", rows.len());
}

/// Cloud products, one per line.
pub(crate) fn products(output: Output, rows: &[CloudResource]) {
    if output == Output::Json {
        println!("{}", to_json(&rows));
        return;
    }
    for r in rows {
        println!(
            "{:<16} {:<22} {:<18} {:<40} {}",
            r.region,
            r.service,
            r.resource_type,
            r.id,
            r.name.as_deref().unwrap_or("-")
        );
    }
    println!("{} resources", rows.len());
}

/// Block rules.
pub(crate) fn rules(output: Output, rules: &[BlockRule]) {
    if output == Output::Json {
        println!("{}", to_json(&rules));
        return;
    }
    for r in rules {
        println!(
            "{:<16} {:<40} {:<18} {:?}",
            r.region, r.rule_id, r.ip, r.target
        );
    }
    println!("{} rules", rules.len());
}

/// The answer to `unblock`.
pub(crate) fn unblocked(output: Output, ip: &IpAddr, rule_id: &str) {
    if output == Output::Json {
        println!(
            "{}",
            to_json(&serde_json::json!({ "unblocked": rule_id, "ip": ip }))
        );
    } else {
        println!("unblocked {ip} ({rule_id})");
    }
}

/// Pretty JSON (serialising these SDK types cannot fail; say so if it ever does).
pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialise: {e}\"}}"))
}
