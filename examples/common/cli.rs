//! Global options, the subcommands every example has, and parsing them.

use super::*;

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
pub(super) fn domain_from(name: &str) -> Option<Domain> {
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
    pub(super) fn target(&self) -> BlockTarget {
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
