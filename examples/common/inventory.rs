//! `verify`, `regions`, `hosts` and `products`, and how a failed listing is reported.

use super::*;

/// Runs `verify`, `regions`, `hosts` or `products`.
///
/// `make(domain)` builds the provider; when a call fails as an unknown key, the example
/// builds one for each other domain and checks the key there, to name the `--domain` that
/// fits. `extra` prints what only this cloud adds to a verify report.
pub(crate) async fn run_inventory<P, M, X>(
    info: &ProviderInfo,
    global: &Global,
    command: &Inventory,
    make: M,
    extra: X,
) -> Outcome
where
    P: CloudProvider,
    M: Fn(Domain) -> multicloud_sdk::Result<P>,
    X: Fn(&P, &VerifyReport),
{
    let domain = global.domain();
    let provider = make(domain)?;
    let ui = Ui::new(global);
    let outcome = inventory(&ui, global, command, &provider, &extra).await;
    ui.done();
    if let (Ok(EXIT_NOT_READY), Inventory::Verify { .. }) = (&outcome, command) {
        // Only a refused key gets here with no feature checked: is it a key of another domain?
        if let Ok(check) = provider.check_key().await {
            if check.status != CredentialStatus::Valid {
                if let Some(hint) = fitting_domain(info, domain, &make).await {
                    println!("to fix: {hint}");
                }
            }
        }
    }
    match outcome {
        Err(Failure::Sdk(e)) if e.kind() == ErrorKind::InvalidCredential => {
            Err(Failure::Sdk(domain_hint(info, domain, &make, e).await))
        }
        other => other,
    }
}

async fn inventory<P: CloudProvider>(
    ui: &Ui,
    global: &Global,
    command: &Inventory,
    provider: &P,
    extra: &dyn Fn(&P, &VerifyReport),
) -> Outcome {
    match command {
        Inventory::Verify { features } => {
            let wanted: Vec<&dyn Feature> = if features.is_empty() {
                provider
                    .features()
                    .iter()
                    .map(|f| f as &dyn Feature)
                    .collect()
            } else {
                features.iter().map(|f| f as &dyn Feature).collect()
            };
            let report = ui
                .wait("verifying the key", provider.verify(&wanted))
                .await?;
            ui.done();
            if global.output == Output::Json {
                println!("{}", to_json(&report));
            } else {
                print::report(&report);
                extra(provider, &report);
            }
            let problem = |status: &FeatureStatus| {
                matches!(
                    status,
                    FeatureStatus::Missing { .. } | FeatureStatus::Error { .. }
                )
            };
            Ok(match &report.credential {
                // No key at all, or a half-set one: the setup is wrong, not the key.
                CredentialStatus::Invalid {
                    kind: ErrorKind::CredentialNotConfigured | ErrorKind::Config,
                    ..
                } => EXIT_USAGE,
                CredentialStatus::Valid if !report.features.iter().any(|f| problem(&f.status)) => {
                    // Ok, not offered, or not checkable without side effects (printed).
                    EXIT_OK
                }
                _ => EXIT_NOT_READY,
            })
        }
        Inventory::Regions => {
            let regions = ui.wait("listing regions", provider.regions()).await?;
            ui.done();
            print::regions(global.output, &regions);
            Ok(EXIT_OK)
        }
        Inventory::Hosts => {
            let regions = select_regions(ui, provider, &global.regions).await?;
            let streams = regions
                .iter()
                .map(|r| (r.id.clone(), provider.hosts(r)))
                .collect();
            let (rows, failed) = drain(ui, "hosts", streams).await;
            print::hosts(global.output, &rows);
            failed.map_or(Ok(EXIT_OK), |e| listing_failed(e, rows.is_empty()))
        }
        Inventory::Products => {
            let regions = select_regions(ui, provider, &global.regions).await?;
            let mut streams = vec![("global".to_owned(), provider.global_resources())];
            streams.extend(
                regions
                    .iter()
                    .map(|r| (r.id.clone(), provider.cloud_resources(r))),
            );
            let (rows, failed) = drain(ui, "cloud products", streams).await;
            print::products(global.output, &rows);
            failed.map_or(Ok(EXIT_OK), |e| listing_failed(e, rows.is_empty()))
        }
    }
}

/// A listing that failed everywhere with an error about the key or the setup fails as
/// that error; otherwise the per-region errors are printed already: exit 1.
fn listing_failed(first: Error, nothing_listed: bool) -> Outcome {
    let about_setup = first.is_auth_failure()
        || matches!(
            first.kind(),
            ErrorKind::Config | ErrorKind::CredentialNotConfigured
        );
    if nothing_listed && about_setup {
        Err(Failure::Sdk(first))
    } else {
        Ok(EXIT_FAILURE)
    }
}

/// Checks the key on each other domain; when it works there, the error names the
/// `--domain` flag and the builder method that fix it.
async fn domain_hint<P, M>(info: &ProviderInfo, domain: Domain, make: &M, error: Error) -> Error
where
    P: CloudProvider,
    M: Fn(Domain) -> multicloud_sdk::Result<P>,
{
    match fitting_domain(info, domain, make).await {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// The advice to switch domains when the key works on another one of the cloud's domains.
async fn fitting_domain<P, M>(info: &ProviderInfo, domain: Domain, make: &M) -> Option<String>
where
    P: CloudProvider,
    M: Fn(Domain) -> multicloud_sdk::Result<P>,
{
    for (name, _) in info.domains {
        let Some(other) = domain_from(name) else {
            continue;
        };
        if other == domain {
            continue;
        }
        let Ok(provider) = make(other) else { continue };
        if let Ok(check) = provider.check_key().await {
            if check.status == CredentialStatus::Valid {
                return Some(format!(
                    "this key belongs to the {name} domain of {}, not {domain}: run again with \
                     --domain {name} (in code: {}(Domain::{other:?}))",
                    info.title, info.builder
                ));
            }
        }
    }
    None
}

/// Collects every stream, printing (not stopping at) each region's errors; returns the
/// rows and the first error.
async fn drain<T>(
    ui: &Ui,
    what: &str,
    streams: Vec<(String, BoxStream<'static, multicloud_sdk::Result<T>>)>,
) -> (Vec<T>, Option<Error>) {
    let mut rows = Vec::new();
    let mut first = None;
    let total = streams.len();
    for (i, (region, mut stream)) in streams.into_iter().enumerate() {
        let message = format!("listing {what} in {region} ({}/{total})", i + 1);
        while let Some(item) = ui.wait(message.clone(), stream.next()).await {
            match item {
                Ok(row) => rows.push(row),
                Err(e) => {
                    ui.note(format_args!("{region}: {e}"));
                    first.get_or_insert(e);
                }
            }
        }
    }
    ui.done();
    (rows, first)
}
