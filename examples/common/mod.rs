//! The command line every provider example shares: global options, subcommands, exit codes,
//! the region check, timeouts, the progress line and how errors are shown.
//!
//! An example includes it with `#[path = "common/mod.rs"] mod common;`, describes its cloud
//! in a [`ProviderInfo`], and hands [`run_inventory`] (and, where the cloud blocks IPs,
//! [`run_blocking`]) a function that builds its provider for a domain.

// Each example uses a different part of this module (only two have `block`).
#![allow(dead_code)]

mod print;

use std::future::Future;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use multicloud_sdk::transport::Timeouts;
use multicloud_sdk::{
    BlockRequest, BlockRule, BlockTarget, CloudProvider, CredentialStatus, Domain, Error,
    ErrorKind, Feature, FeatureStatus, OnboardRequest, Onboarder, PolicyDocument, Region,
    StandardFeature, VerifyReport,
};

pub(crate) use print::to_json;

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: a call failed (network, provider, permission), or a listing was incomplete.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code: a usage or configuration error (bad flag, missing key, invalid URL, unknown
/// region); clap's own usage errors exit 2 too.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: `verify` ran and found the key or its permissions not ready.
pub(crate) const EXIT_NOT_READY: u8 = 3;

/// What `--help` says about one cloud.
#[derive(Debug)]
pub(crate) struct ProviderInfo {
    /// The cloud's name in messages ("AWS").
    pub(crate) title: &'static str,
    /// Key variables: id, secret, optional session token ("" when the cloud has none).
    pub(crate) key_vars: [&'static str; 3],
    /// The variable `--endpoint-url` falls back to.
    pub(crate) endpoint_env: &'static str,
    /// The `--domain` values this cloud has, the default first, each with what it means.
    pub(crate) domains: &'static [(&'static str, &'static str)],
    /// The method of the provider's builder that sets the domain.
    pub(crate) builder: &'static str,
}

impl ProviderInfo {
    fn after_help(&self) -> String {
        let [id, secret, token] = self.key_vars;
        let token = if token.is_empty() {
            String::new()
        } else {
            format!(" ({token} too for a temporary key)")
        };
        let domains: Vec<String> = self
            .domains
            .iter()
            .map(|(name, what)| format!("  {name:<14} {what}"))
            .collect();
        format!(
            "Key: {id} and {secret}{token}.\n\
             Endpoint: --endpoint-url, or {endpoint}, sends every service to one URL (a \
             simulator, emulator or proxy).\n\
             Domains (--domain; default {default}):\n{domains}\n\
             Global options work before or after the subcommand.\n\n\
             Exit codes: 0 ok; 1 a call failed or a listing is incomplete; 2 usage or \
             configuration error (bad option, missing key, invalid URL, unknown region); 3 verify \
             found the key refused or a permission missing.",
            endpoint = self.endpoint_env,
            default = self.domains[0].0,
            domains = domains.join("\n"),
        )
    }

    fn domain_names(&self) -> Vec<&'static str> {
        self.domains.iter().map(|(name, _)| *name).collect()
    }
}

/// The domain a `--domain` value names: the SDK's names, and CTyun's `chinese` edition.
fn domain_from(name: &str) -> Option<Domain> {
    match name.trim().to_ascii_lowercase().as_str() {
        "chinese" => Some(Domain::China),
        other => other.parse().ok(),
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// Aligned columns for a terminal.
    Table,
    /// One pretty-printed JSON document.
    Json,
}

/// The options every example takes, before or after the subcommand.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The site or partition the account was opened on (values below).
    #[arg(long, global = true)]
    pub(crate) domain: Option<String>,
    /// Only these regions (comma-separated), checked against the account's region list;
    /// default: every region the account can use.
    #[arg(long, global = true, value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
    /// One URL serving every service, e.g. http://127.0.0.1:4566.
    #[arg(long, global = true)]
    pub(crate) endpoint_url: Option<String>,
    /// How to print the results.
    #[arg(long, global = true, value_enum, default_value = "table")]
    pub(crate) output: Output,
    /// The name this account is known by.
    #[arg(long, global = true, default_value = "default")]
    pub(crate) account: String,
    /// Longest wait for a connection (e.g. 5s, 500ms).
    #[arg(long, global = true, value_parser = parse_duration, default_value = "5s")]
    pub(crate) connect_timeout: Duration,
    /// Longest wait for one attempt of a call, its whole answer included.
    #[arg(long, global = true, value_parser = parse_duration, default_value = "20s")]
    pub(crate) attempt_timeout: Duration,
    /// Longest wait for one call, retries included: a dead endpoint fails after this.
    #[arg(long, global = true, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
    /// Never show the progress line (it shows only on a terminal anyway).
    #[arg(long, global = true)]
    pub(crate) quiet: bool,
}

impl Global {
    /// The domain asked for (clap checked it against the cloud's values).
    pub(crate) fn domain(&self) -> Domain {
        self.domain
            .as_deref()
            .and_then(domain_from)
            .unwrap_or_default()
    }

    /// The transport timeouts the flags ask for.
    pub(crate) fn timeouts(&self) -> Timeouts {
        Timeouts::new(self.connect_timeout, self.attempt_timeout, self.timeout)
    }
}

/// The subcommands every example has.
#[derive(Debug, Subcommand)]
pub(crate) enum Inventory {
    /// Check the key and the permissions of each feature (exit 3 when the key is refused or
    /// a permission is missing).
    Verify {
        /// Features to check (comma-separated: host, cspm, agentless, response); default:
        /// every feature the cloud offers.
        #[arg(long, value_delimiter = ',')]
        features: Vec<StandardFeature>,
    },
    /// List the regions and whether each is scanned.
    Regions,
    /// List the hosts (virtual machines).
    Hosts,
    /// List the cloud products (regional and account-wide).
    Products,
}

/// Where a block goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// The cloud firewall's block list.
    Cfw,
    /// A WAF black-IP rule on the protection `--scope` names.
    Waf,
}

/// The firewall or WAF a block subcommand works on.
#[derive(Debug, Args)]
pub(crate) struct At {
    /// The region of the firewall or WAF.
    #[arg(long)]
    pub(crate) region: String,
    /// cfw or waf.
    #[arg(long, value_enum, default_value = "cfw")]
    pub(crate) target: Target,
    /// WAF: the protection to block on, as the cloud names it (see the example's docs).
    #[arg(long, default_value = "*")]
    pub(crate) scope: String,
}

impl At {
    fn target(&self) -> BlockTarget {
        match self.target {
            Target::Cfw => BlockTarget::CloudFirewall,
            Target::Waf => BlockTarget::Waf {
                scope: self.scope.clone(),
            },
        }
    }
}

/// The subcommands of clouds that block IPs.
#[derive(Debug, Subcommand)]
pub(crate) enum Blocking {
    /// Block an IP (idempotent: an existing block is returned).
    Block {
        #[command(flatten)]
        at: At,
        /// A note stored with the rule.
        #[arg(long)]
        comment: Option<String>,
        /// The address to block.
        ip: IpAddr,
    },
    /// Remove exactly the block `--rule-id` (as `block` or `blocks` printed it).
    Unblock {
        #[command(flatten)]
        at: At,
        /// The rule id.
        #[arg(long)]
        rule_id: String,
        /// The blocked address.
        ip: IpAddr,
    },
    /// List the current blocks.
    Blocks {
        #[command(flatten)]
        at: At,
    },
}

/// Parses the command line of `C`, with the cloud's endpoint variable, domain values and
/// help text filled in. Usage errors exit 2, `--help` and `--version` exit 0 (clap's codes).
pub(crate) fn parse<C: Parser>(info: &ProviderInfo) -> C {
    let mut command = C::command()
        .mut_arg("endpoint_url", |a| a.env(info.endpoint_env))
        .mut_arg("domain", |a| {
            a.value_parser(info.domain_names())
                .default_value(info.domains[0].0)
        })
        .after_help(info.after_help());
    let matches = command.get_matches_mut();
    C::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command).exit())
}

/// `30s`, `500ms`, `2m`, or bare seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("{s:?}: the unit must be ms, s or m")),
    };
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!("{s:?} must be a positive duration")),
    }
}

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The user asked for something that cannot be (exit 2).
    Usage(String),
    /// The SDK failed (exit 2 for configuration errors, else 1).
    Sdk(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

/// The result of a command: an exit code, or why it failed.
pub(crate) type Outcome = Result<u8, Failure>;

/// Prints a failure as the user should read it and returns its exit code.
pub(crate) fn exit(outcome: Outcome) -> ExitCode {
    let code = match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
        Err(Failure::Sdk(e)) => {
            print::error(&e);
            match e.kind() {
                ErrorKind::Config | ErrorKind::CredentialNotConfigured => EXIT_USAGE,
                _ => EXIT_FAILURE,
            }
        }
    };
    ExitCode::from(code)
}

/// The progress line: a spinner on stderr while a call is out, only on a terminal.
#[derive(Debug)]
pub(crate) struct Ui {
    bar: ProgressBar,
}

impl Ui {
    /// A progress line, hidden when `quiet` or when stderr is not a terminal.
    pub(crate) fn new(global: &Global) -> Self {
        let visible = !global.quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Ui { bar }
    }

    /// Shows `what` while `work` runs.
    pub(crate) async fn wait<T>(
        &self,
        what: impl Into<String>,
        work: impl Future<Output = T>,
    ) -> T {
        self.bar.set_message(what.into());
        self.bar.reset_elapsed();
        work.await
    }

    /// Removes the progress line before results are printed.
    pub(crate) fn done(&self) {
        self.bar.finish_and_clear();
    }
}

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

/// The regions to scan: those named (each checked against the account's list), else
/// every scannable one.
pub(crate) async fn select_regions<P: CloudProvider>(
    ui: &Ui,
    provider: &P,
    wanted: &[String],
) -> Result<Vec<Region>, Failure> {
    let known = ui.wait("listing regions", provider.regions()).await?;
    if wanted.is_empty() {
        return Ok(known.into_iter().filter(Region::is_scannable).collect());
    }
    let mut chosen = Vec::new();
    for name in wanted {
        let name = name.trim();
        // By id, or by the name the console shows (CTyun's pools: 华东1).
        let found = known
            .iter()
            .find(|r| r.id == name)
            .or_else(|| known.iter().find(|r| r.name.as_deref() == Some(name)));
        match found {
            Some(region) if region.is_scannable() => chosen.push(region.clone()),
            Some(region) => {
                return Err(Failure::Usage(format!(
                    "region {name} is not usable by this account ({:?}); enable it in the \
                     console, or pick one the `regions` subcommand shows as scanned",
                    region.status
                )))
            }
            None => {
                let ids: Vec<&str> = known.iter().map(|r| r.id.as_str()).collect();
                let mut message = format!(
                    "unknown region {name} for {} ({} domain)",
                    provider.kind(),
                    provider.domain()
                );
                if let Some(close) = did_you_mean(name, &ids) {
                    message.push_str(&format!("; did you mean {close}?"));
                }
                message.push_str(&format!(
                    " (the `regions` subcommand lists the account's {} regions)",
                    ids.len()
                ));
                return Err(Failure::Usage(message));
            }
        }
    }
    Ok(chosen)
}

/// The known name closest to `name` by edit distance, when it is close enough to be a typo.
pub(crate) fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
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
                    ui.bar.suspend(|| eprintln!("{region}: {e}"));
                    first.get_or_insert(e);
                }
            }
        }
    }
    ui.done();
    (rows, first)
}

/// Runs `block`, `unblock` or `blocks` on the provider's IP blocker.
pub(crate) async fn run_blocking<P: CloudProvider>(
    global: &Global,
    command: &Blocking,
    provider: &P,
) -> Outcome {
    let Some(blocker) = provider.ip_blocker() else {
        return Err(Failure::Usage(format!(
            "{} offers no IP blocking",
            provider.kind()
        )));
    };
    let ui = Ui::new(global);
    let outcome = match command {
        Blocking::Block { at, comment, ip } => {
            let mut request = BlockRequest::new(*ip, at.target(), at.region.clone());
            if let Some(c) = comment {
                request = request.with_comment(c.clone());
            }
            let rule = ui
                .wait(format!("blocking {ip}"), blocker.block_ip(&request))
                .await;
            ui.done();
            rule.map(|rule| print::rules(global.output, &[rule]))
        }
        Blocking::Unblock { at, rule_id, ip } => {
            let rule = BlockRule::new(
                rule_id.clone(),
                ip.to_string(),
                at.target(),
                at.region.clone(),
            );
            let done = ui
                .wait(format!("unblocking {ip}"), blocker.unblock_ip(&rule))
                .await;
            ui.done();
            done.map(|()| print::unblocked(global.output, ip, rule_id))
        }
        Blocking::Blocks { at } => {
            let listing = blocker.list_blocks(&at.target(), &at.region).try_collect();
            let rules: multicloud_sdk::Result<Vec<BlockRule>> =
                ui.wait("listing blocks", listing).await;
            ui.done();
            rules.map(|rules| print::rules(global.output, &rules))
        }
    };
    outcome.map(|()| EXIT_OK).map_err(Failure::Sdk)
}

/// Quick configuration: the subcommands of clouds that have an onboarder.
#[derive(Debug, Subcommand)]
pub(crate) enum Onboarding {
    /// Print the policies the features need: managed policies by name, custom ones as JSON
    /// to paste into the console.
    Policy {
        /// Features (comma-separated: host, cspm, agentless, response).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
    },
    /// With the root user's key: create (or reuse) a least-privilege user, attach the
    /// features' policies and print its new key once.
    Onboard {
        /// The user name (the SDK adds its `multicloud-` prefix).
        #[arg(long)]
        user: String,
        /// Features (comma-separated: host, cspm, agentless, response).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Do not ask before creating anything (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// With the root user's key: issue a new key for the user, check it works, then delete
    /// its old key.
    RotateKey {
        /// The user name, as `onboard` printed it.
        #[arg(long)]
        user: String,
        /// The key to replace.
        #[arg(long)]
        old_key_id: String,
        /// Do not ask before changing anything (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// `name=value`.
fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}

fn onboard_request(
    user: &str,
    features: &[StandardFeature],
    params: &[(String, String)],
) -> OnboardRequest {
    params
        .iter()
        .fold(OnboardRequest::new(user, features.to_vec()), |r, (k, v)| {
            r.with_param(k.clone(), v.clone())
        })
}

/// Prints policy documents: managed ones by name, custom ones as the JSON to paste.
pub(crate) fn print_policies(output: Output, docs: &[PolicyDocument]) {
    if output == Output::Json {
        println!("{}", to_json(&docs));
        return;
    }
    for doc in docs {
        match &doc.document {
            None => println!("managed policy: {}", doc.name),
            Some(_) => println!("custom policy {}:\n{}", doc.name, doc.render()),
        }
    }
}

/// Asks on the terminal; only an explicit `yes` goes on. Without a terminal, `--yes` is
/// required (a usage error otherwise).
fn confirm(question: &str) -> Result<bool, Failure> {
    use std::io::Write;
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "stdin is not a terminal, so there is no one to confirm: pass --yes".to_owned(),
        ));
    }
    eprint!("{question} [yes/no] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    Ok(std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes")
}

/// Prints a new key: its id, and its secret this once, with what to do next.
fn print_new_key(output: Output, user: &str, key: &multicloud_sdk::AccessKey, root_note: bool) {
    if output == Output::Json {
        let value = serde_json::json!({
            "user": user,
            "access_key_id": key.id(),
            "secret_access_key": key.secret().expose(),
        });
        println!("{}", to_json(&value));
    } else {
        println!("access key id: {}", key.id());
        println!("secret (shown once): {}", key.secret().expose());
    }
    eprintln!("warning: store the secret now, it is not shown again.");
    if root_note {
        eprintln!(
            "warning: use this key from now on, and delete the root user's key you ran this \
             with (a root key can do anything in the account)."
        );
    }
}

/// Runs `policy`, `onboard` or `rotate-key` on the provider's onboarder.
pub(crate) async fn run_onboarding<P: CloudProvider>(
    global: &Global,
    command: &Onboarding,
    provider: &P,
) -> Outcome {
    let Some(onboarder) = provider.onboarder() else {
        return Err(Failure::Usage(format!(
            "{} offers no quick configuration",
            provider.kind()
        )));
    };
    onboarding(global, command, onboarder).await
}

async fn onboarding(global: &Global, command: &Onboarding, onboarder: &dyn Onboarder) -> Outcome {
    let ui = Ui::new(global);
    match command {
        Onboarding::Policy { features, params } => {
            let docs = onboarder.policy_documents(&onboard_request("-", features, params))?;
            print_policies(global.output, &docs);
        }
        Onboarding::Onboard {
            user,
            features,
            params,
            yes,
        } => {
            let request = onboard_request(user, features, params);
            let docs = onboarder.policy_documents(&request)?;
            if !yes {
                print_policies(Output::Table, &docs);
                if !confirm(&format!(
                    "Create or reuse user {user} with these policies and a new key?"
                ))? {
                    eprintln!("nothing changed");
                    return Ok(EXIT_FAILURE);
                }
            }
            let outcome = ui
                .wait(format!("onboarding {user}"), onboarder.onboard(&request))
                .await;
            ui.done();
            let outcome = outcome?;
            if global.output == Output::Table {
                let created = if outcome.created_user {
                    "created"
                } else {
                    "reused"
                };
                println!("user: {} ({created})", outcome.user_name);
                println!("policies: {}", outcome.policies.join(", "));
                for old in &outcome.deleted_keys {
                    println!("deleted an old key of ours: {old}");
                }
            }
            print_new_key(global.output, &outcome.user_name, &outcome.access_key, true);
        }
        Onboarding::RotateKey {
            user,
            old_key_id,
            yes,
        } => {
            if !yes
                && !confirm(&format!(
                    "Issue a new key for {user} and delete {old_key_id}?"
                ))?
            {
                eprintln!("nothing changed");
                return Ok(EXIT_FAILURE);
            }
            let key = ui
                .wait(
                    format!("rotating the key of {user}"),
                    onboarder.rotate_key(user, old_key_id, &|_| {}),
                )
                .await;
            ui.done();
            let key = key?;
            if global.output == Output::Table {
                println!("deleted the old key {old_key_id}");
            }
            print_new_key(global.output, user, &key, false);
        }
    }
    Ok(EXIT_OK)
}
