//! The verify flow every provider shares: the key first, then one probe per kind.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::stream::{self, StreamExt};

use crate::error::Result;
use crate::feature::Feature;
use crate::kind::ResourceKind;
use crate::provider::CloudProvider;
use crate::verify::{Access, CredentialStatus, FeatureCheck, KindCheck, VerifyReport};

/// How many kind probes run at once: enough to finish quickly, few enough not to trip the
/// clouds' per-key rate limits (the transport's limits apply on top).
pub const PROBE_CONCURRENCY: usize = 4;

/// Runs [`CloudProvider::verify`]: the identity call, then the probes of every kind of
/// `features`, then one verdict per feature.
///
/// A key that fails the identity call is not probed further (some clouds lock a key after
/// a few failures). A probe refused by authentication stops the probes not yet sent; the
/// kinds they would have checked are reported as not checked.
pub async fn verify<P: CloudProvider + ?Sized>(
    provider: &P,
    features: &[&dyn Feature],
) -> Result<VerifyReport> {
    let key = provider.check_key().await?;
    let kinds = provider.kinds_of(features);
    let report = VerifyReport::new(
        provider.kind(),
        provider.account().clone(),
        provider.domain(),
        key.status.clone(),
    )
    .with_identity(key.identity);
    let checks = match &key.status {
        CredentialStatus::Valid => probe_kinds(provider, &kinds).await,
        CredentialStatus::Invalid { kind, .. } | CredentialStatus::Unknown { kind, .. } => {
            // No probe is sent with a key that failed: some clouds lock it after a few.
            let skipped = || Access::Failed {
                kind: *kind,
                message: "not probed: the key did not pass the identity check".to_owned(),
            };
            kinds
                .iter()
                .map(|k| KindCheck::new(k.id, skipped(), skipped()))
                .collect()
        }
    };
    let verdicts = features
        .iter()
        .map(|f| {
            // Per feature: a standard feature the provider does not offer here has no kinds,
            // even when another requested feature shares them.
            let offered: Vec<ResourceKind> =
                provider.kinds_of(&[*f]).into_iter().copied().collect();
            FeatureCheck::fold(*f, &offered, &checks)
        })
        .collect();
    Ok(report.with_kinds(checks).with_features(verdicts))
}

/// Probes `kinds` in parallel, keeping their order. Kinds listed through the same action
/// with no write actions (Huawei's RMS types) are probed once: no policy can grant one of
/// them without the others, so one answer is the answer for all.
async fn probe_kinds<P: CloudProvider + ?Sized>(
    provider: &P,
    kinds: &[&'static ResourceKind],
) -> Vec<KindCheck> {
    let refused = AtomicBool::new(false);
    let shares_probe = |a: &ResourceKind, b: &ResourceKind| {
        a.write_actions.is_empty()
            && b.write_actions.is_empty()
            && a.probe_action().is_some()
            && a.probe_action() == b.probe_action()
    };
    // For each kind, the earlier kind whose probe answers for it, if any.
    let answered_by: Vec<Option<usize>> = kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| kinds[..n].iter().position(|k| shares_probe(k, kind)))
        .collect();
    // Futures built first: a closure in the stream's type trips the `Send` inference of
    // the async trait method that awaits this.
    let probes: Vec<_> = kinds
        .iter()
        .zip(&answered_by)
        .filter(|(_, by)| by.is_none())
        .map(|(kind, _)| probe_kind(provider, &refused, kind))
        .collect();
    let probed: Vec<KindCheck> = stream::iter(probes)
        .buffered(PROBE_CONCURRENCY)
        .collect()
        .await;
    let mut probed = probed.into_iter();
    let mut checks: Vec<KindCheck> = Vec::with_capacity(kinds.len());
    for (kind, by) in kinds.iter().zip(&answered_by) {
        let check = match by {
            Some(first) => {
                let answer = &checks[*first];
                KindCheck::new(kind.id, answer.read.clone(), answer.write.clone())
            }
            None => match probed.next() {
                Some(check) => check,
                None => KindCheck::new(kind.id, not_checked(STOPPED), not_checked(STOPPED)),
            },
        };
        checks.push(check);
    }
    checks
}

/// The read and write verdicts on one kind.
async fn probe_kind<P: CloudProvider + ?Sized>(
    provider: &P,
    refused: &AtomicBool,
    kind: &'static ResourceKind,
) -> KindCheck {
    let read = if kind.list_actions.is_empty() {
        Access::NotNeeded
    } else {
        probe(refused, provider.probe_read(kind), kind.list_actions).await
    };
    let write = if kind.write_actions.is_empty() {
        Access::NotNeeded
    } else if refused.load(Ordering::SeqCst) {
        not_checked(STOPPED)
    } else {
        match provider.probe_write(kind).await {
            Some(result) => settle(refused, &result, kind.write_actions),
            None => not_checked(
                "this cloud offers no side-effect-free check of these actions; \
                 they will be known to work when first used",
            ),
        }
    };
    KindCheck::new(kind.id, read, write)
}

const STOPPED: &str = "not probed: an earlier probe was refused by authentication";

async fn probe(
    refused: &AtomicBool,
    call: impl std::future::Future<Output = Result<()>>,
    actions: &[&str],
) -> Access {
    if refused.load(Ordering::SeqCst) {
        return not_checked(STOPPED);
    }
    settle(refused, &call.await, actions)
}

fn settle(refused: &AtomicBool, result: &Result<()>, actions: &[&str]) -> Access {
    if let Err(e) = result {
        if e.is_auth_failure() {
            refused.store(true, Ordering::SeqCst);
        }
    }
    Access::from_probe(result, actions)
}

fn not_checked(reason: &str) -> Access {
    Access::NotChecked {
        reason: reason.to_owned(),
    }
}
