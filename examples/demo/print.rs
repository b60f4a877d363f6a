//! How the demo shows verify reports, inventories and diffs.

use std::collections::BTreeMap;

use multicloud_sdk::sync::{Diff, Inventory, Item, SyncReport};
use multicloud_sdk::{CredentialStatus, FeatureStatus, VerifyReport};

/// One account's verify report, with the diagnosis when something is wrong.
pub(crate) fn verify(report: &VerifyReport) {
    let who = format!("{}/{}", report.provider, report.account);
    match &report.credential {
        CredentialStatus::Valid => {
            let identity = report
                .identity
                .as_ref()
                .map(|i| format!("{} ({:?})", i.principal, i.principal_type))
                .unwrap_or_default();
            println!("  ✔ {who:<26} key valid — {identity}");
        }
        CredentialStatus::Invalid {
            kind,
            code,
            diagnosis,
        } => {
            let code = code.as_deref().unwrap_or("-");
            println!("  ✘ {who:<26} {kind} [{code}]");
            println!("      {diagnosis}");
        }
        CredentialStatus::Unknown { kind, diagnosis } => {
            println!("  ? {who:<26} {kind}: {diagnosis}");
        }
        other => println!("  ? {who:<26} {other:?}"),
    }
    for check in &report.features {
        match &check.status {
            FeatureStatus::Ok => println!("      {:<10} ok", check.feature),
            FeatureStatus::Missing {
                allowed_actions,
                denied_actions,
                grant,
                denied_kinds,
            } => {
                println!(
                    "      {:<10} missing: denied {}; grant {}",
                    check.feature,
                    denied_actions.join(", "),
                    grant.join(" + ")
                );
                println!(
                    "      {:<10} not listed until granted: {}",
                    "",
                    denied_kinds.join(", ")
                );
                if !allowed_actions.is_empty() {
                    println!(
                        "      {:<10} still allowed: {}",
                        "",
                        allowed_actions.join(", ")
                    );
                }
            }
            FeatureStatus::Unverified { not_checked, grant } => println!(
                "      {:<10} reads ok; not checkable without side effects: {} (granted by {})",
                check.feature,
                not_checked.join(", "),
                grant.join(" + ")
            ),
            FeatureStatus::Unsupported => println!("      {:<10} not offered", check.feature),
            FeatureStatus::Error { kind, message } => {
                println!(
                    "      {:<10} could not check ({kind}): {message}",
                    check.feature
                )
            }
            other => println!("      {:<10} {other:?}", check.feature),
        }
    }
    if report.is_valid_but_empty() {
        println!("      ⚠ valid but empty: the key works but may list nothing");
    }
}

/// Item counts per region for one account: hosts, and every other kind as products.
pub(crate) fn inventory(inventory: &Inventory) {
    let mut rows: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for (region, kind, snapshot) in inventory.snapshots() {
        let column = usize::from(kind != "host");
        rows.entry(region).or_default()[column] += snapshot.len();
    }
    println!("  {}", inventory.account());
    println!("      {:<18} {:>6} {:>10}", "region", "hosts", "products");
    let mut totals = [0, 0];
    for (region, [hosts, products]) in &rows {
        println!("      {region:<18} {hosts:>6} {products:>10}");
        totals[0] += hosts;
        totals[1] += products;
    }
    println!("      {:<18} {:>6} {:>10}", "total", totals[0], totals[1]);
}

/// A round's failures, grouped by kind and cause so a missing permission reads as one
/// line rather than one per region.
pub(crate) fn failures(report: &SyncReport) {
    if let Some(e) = &report.regions_error {
        println!("  ! {}: listing regions failed: {e}", report.account);
    }
    let mut groups: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
    for (region, feature, error) in report.failures() {
        let cause = match (error.code(), error.action()) {
            (Some(code), Some(action)) => format!("{} {code} on {action}", error.kind()),
            (Some(code), None) => format!("{} {code}", error.kind()),
            _ => error.kind().to_string(),
        };
        groups.entry((feature, cause)).or_default().push(region);
    }
    for ((feature, cause), regions) in groups {
        println!(
            "  ! {} {feature}: {cause} in {} region(s) ({}); previous snapshots kept",
            report.account,
            regions.len(),
            regions.join(", ")
        );
    }
}

/// Every non-empty diff of one round.
pub(crate) fn diffs(report: &SyncReport) {
    let mut any = false;
    for job in &report.jobs {
        let Ok(success) = &job.result else { continue };
        if success.diff.is_empty() {
            continue;
        }
        any = true;
        println!("  {} {} {}", report.account, job.region, job.kind);
        diff(&success.diff);
    }
    if !any {
        println!("  {}: no changes", report.account);
    }
}

fn diff(diff: &Diff) {
    for item in &diff.added {
        println!("      + {}", describe(item));
    }
    for item in &diff.removed {
        println!("      - {}", describe(item));
    }
    for change in &diff.changed {
        println!(
            "      ~ {} changed: {}",
            change.key,
            change.fields.join(", ")
        );
    }
}

fn describe(item: &Item) -> String {
    match item.name() {
        Some(name) => format!("{} ({name})", item.key()),
        None => item.key().to_string(),
    }
}
