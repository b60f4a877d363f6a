//! The serde-loadable default [`SyncPolicy`]: regions, region management and intervals.

use std::collections::BTreeSet;
use std::time::Duration;

use multicloud_core::{Error, RegionSelection, StandardFeature, SyncPolicy};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::interval::{Interval, IntervalError};

/// The standard sync policy, as a user writes it in TOML or JSON.
///
/// Every key is optional; missing keys take the [`Default`] values shown here:
///
/// ```toml
/// regions = "all"                    # or ["us-east-1", "eu-west-1"]
/// include_new_regions = true         # region management: pick up regions that appear later
/// host_interval = "1h"               # "off", a preset (1h 3h 6h 12h 24h 7d) or e.g. "90m"
/// cspm_interval = "24h"
/// agentless_interval = "off"         # volumes and snapshots for agentless scanning
/// credential_check_interval = "6h"
/// ```
///
/// Unknown keys are rejected (a typo must not silently fall back to a default).
///
/// ```
/// use std::time::Duration;
/// use multicloud_core::{StandardFeature, SyncPolicy};
/// use multicloud_sync::DefaultSyncPolicy;
///
/// let policy = DefaultSyncPolicy::from_toml_str(r#"
///     regions = ["ap-guangzhou"]
///     host_interval = "90m"
///     cspm_interval = "off"
/// "#)?;
/// assert_eq!(policy.interval("host"), Some(Duration::from_secs(5400)));
/// assert_eq!(policy.interval(StandardFeature::Cspm.as_str()), None);
///
/// let err = DefaultSyncPolicy::from_json_str(r#"{"host_interval": "0m"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("host_interval: "));
/// # Ok::<(), multicloud_sync::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyFile", into = "PolicyFile")]
pub struct DefaultSyncPolicy {
    /// Which regions to sync.
    pub regions: RegionSelection,
    /// Whether regions that appear after the first listing are synced automatically.
    pub include_new_regions: bool,
    /// How often to sync hosts.
    pub host_interval: Interval,
    /// How often to sync cloud products (CSPM), global resources included.
    pub cspm_interval: Interval,
    /// How often to sync the agentless-scan inventory (volumes, snapshots).
    pub agentless_interval: Interval,
    /// How often to re-check the AccessKey's validity.
    pub credential_check_interval: Interval,
}

impl Default for DefaultSyncPolicy {
    fn default() -> Self {
        DefaultSyncPolicy {
            regions: RegionSelection::All,
            include_new_regions: true,
            host_interval: Interval::Hours1,
            cspm_interval: Interval::Hours24,
            agentless_interval: Interval::Off,
            credential_check_interval: Interval::Hours6,
        }
    }
}

/// Why a sync policy was rejected. `Display` names the offending key first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The document is not valid TOML/JSON, has an unknown key, or has a value of the wrong
    /// type where serde could tell.
    #[error("invalid {format} sync policy: {message}")]
    Syntax {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's message, with the line where it knows it.
        message: String,
    },
    /// A key has a value of the wrong type.
    #[error("{field}: expected {expected}, got {got}")]
    WrongType {
        /// The key.
        field: &'static str,
        /// What the key takes.
        expected: &'static str,
        /// What was found, shortened.
        got: String,
    },
    /// An interval key has an invalid value.
    #[error("{field}: {reason}")]
    Interval {
        /// The key.
        field: &'static str,
        /// What is wrong with it.
        reason: IntervalError,
    },
    /// `regions` is a string other than `"all"`.
    #[error("regions: expected \"all\" or a list of region ids, got {got:?}")]
    RegionsKeyword {
        /// The string given.
        got: String,
    },
    /// `regions` is an empty list.
    #[error("regions: the list is empty; name at least one region or use \"all\"")]
    EmptyRegionList,
    /// A region id in `regions` is blank.
    #[error("regions: entry {index} is blank")]
    BlankRegion {
        /// Its zero-based position.
        index: usize,
    },
    /// A region id appears twice in `regions`.
    #[error("regions: {region:?} is listed twice")]
    DuplicateRegion {
        /// The repeated id.
        region: String,
    },
}

impl From<PolicyError> for Error {
    fn from(e: PolicyError) -> Self {
        // The message already says everything; no source, so reports don't repeat it.
        Error::config(e.to_string())
    }
}

impl DefaultSyncPolicy {
    /// Parses a policy from TOML.
    pub fn from_toml_str(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            PolicyError::Syntax {
                format: "TOML",
                message: match line {
                    Some(line) => format!("{} (line {line})", e.message().trim()),
                    None => e.message().trim().to_owned(),
                },
            }
        })?;
        file.validate()
    }

    /// Parses a policy from JSON.
    pub fn from_json_str(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
            format: "JSON",
            message: e.to_string(),
        })?;
        file.validate()
    }

    /// The policy as TOML, in the same shape [`from_toml_str`](Self::from_toml_str) reads.
    pub fn to_toml_string(&self) -> String {
        // Serializing plain strings, bools and string lists cannot fail.
        toml::to_string(&PolicyFile::from(self.clone())).unwrap_or_default()
    }

    /// Sets the regions.
    pub fn with_regions(mut self, regions: RegionSelection) -> Self {
        self.regions = regions;
        self
    }

    /// Sets region management.
    pub fn with_include_new_regions(mut self, include: bool) -> Self {
        self.include_new_regions = include;
        self
    }

    /// Sets the host sync interval.
    pub fn with_host_interval(mut self, every: Interval) -> Self {
        self.host_interval = every;
        self
    }

    /// Sets the cloud-product (CSPM) sync interval.
    pub fn with_cspm_interval(mut self, every: Interval) -> Self {
        self.cspm_interval = every;
        self
    }

    /// Sets the AccessKey check interval.
    pub fn with_credential_check_interval(mut self, every: Interval) -> Self {
        self.credential_check_interval = every;
        self
    }
}

impl SyncPolicy for DefaultSyncPolicy {
    fn regions(&self) -> RegionSelection {
        self.regions.clone()
    }

    fn include_new_regions(&self) -> bool {
        self.include_new_regions
    }

    fn interval(&self, feature: &str) -> Option<Duration> {
        match feature.parse::<StandardFeature>() {
            Ok(StandardFeature::Host) => self.host_interval.duration(),
            Ok(StandardFeature::Cspm) => self.cspm_interval.duration(),
            Ok(StandardFeature::Agentless) => self.agentless_interval.duration(),
            // Other features have no inventory to sync; custom features need a custom policy.
            _ => None,
        }
    }

    fn credential_check_interval(&self) -> Option<Duration> {
        self.credential_check_interval.duration()
    }
}

/// The file shape: loosely typed, so every value error can name its key.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    regions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    include_new_regions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host_interval: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cspm_interval: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agentless_interval: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credential_check_interval: Option<Value>,
}

impl PolicyFile {
    fn validate(self) -> Result<DefaultSyncPolicy, PolicyError> {
        let defaults = DefaultSyncPolicy::default();
        Ok(DefaultSyncPolicy {
            regions: match self.regions {
                None => defaults.regions,
                Some(v) => parse_regions(v)?,
            },
            include_new_regions: match self.include_new_regions {
                None => defaults.include_new_regions,
                Some(Value::Bool(b)) => b,
                Some(other) => {
                    return Err(wrong_type("include_new_regions", "true or false", &other))
                }
            },
            host_interval: parse_interval(
                "host_interval",
                self.host_interval,
                defaults.host_interval,
            )?,
            cspm_interval: parse_interval(
                "cspm_interval",
                self.cspm_interval,
                defaults.cspm_interval,
            )?,
            agentless_interval: parse_interval(
                "agentless_interval",
                self.agentless_interval,
                defaults.agentless_interval,
            )?,
            credential_check_interval: parse_interval(
                "credential_check_interval",
                self.credential_check_interval,
                defaults.credential_check_interval,
            )?,
        })
    }
}

impl TryFrom<PolicyFile> for DefaultSyncPolicy {
    type Error = PolicyError;

    fn try_from(file: PolicyFile) -> Result<Self, PolicyError> {
        file.validate()
    }
}

impl From<DefaultSyncPolicy> for PolicyFile {
    fn from(p: DefaultSyncPolicy) -> Self {
        let regions = match p.regions {
            RegionSelection::All => Value::String("all".into()),
            RegionSelection::Only(ids) => {
                Value::Array(ids.into_iter().map(Value::String).collect())
            }
        };
        let text = |i: Interval| Some(Value::String(i.to_string()));
        PolicyFile {
            regions: Some(regions),
            include_new_regions: Some(Value::Bool(p.include_new_regions)),
            host_interval: text(p.host_interval),
            cspm_interval: text(p.cspm_interval),
            agentless_interval: text(p.agentless_interval),
            credential_check_interval: text(p.credential_check_interval),
        }
    }
}

fn parse_regions(v: Value) -> Result<RegionSelection, PolicyError> {
    match v {
        Value::String(s) if s.trim().eq_ignore_ascii_case("all") => Ok(RegionSelection::All),
        Value::String(s) => Err(PolicyError::RegionsKeyword { got: s }),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(PolicyError::EmptyRegionList);
            }
            let mut seen = BTreeSet::new();
            let mut ids = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let Value::String(id) = item else {
                    return Err(wrong_type(
                        "regions",
                        "\"all\" or a list of region ids",
                        &item,
                    ));
                };
                let id = id.trim().to_owned();
                if id.is_empty() {
                    return Err(PolicyError::BlankRegion { index });
                }
                if !seen.insert(id.clone()) {
                    return Err(PolicyError::DuplicateRegion { region: id });
                }
                ids.push(id);
            }
            Ok(RegionSelection::Only(ids))
        }
        other => Err(wrong_type(
            "regions",
            "\"all\" or a list of region ids",
            &other,
        )),
    }
}

fn parse_interval(
    field: &'static str,
    value: Option<Value>,
    default: Interval,
) -> Result<Interval, PolicyError> {
    match value {
        None => Ok(default),
        Some(Value::String(s)) => s
            .parse()
            .map_err(|reason| PolicyError::Interval { field, reason }),
        Some(other) => Err(wrong_type(
            field,
            "a string such as \"1h\", \"90m\" or \"off\"",
            &other,
        )),
    }
}

fn wrong_type(field: &'static str, expected: &'static str, got: &Value) -> PolicyError {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    };
    let mut shown = got.to_string();
    if shown.len() > 40 {
        shown = format!("{}…", shown.chars().take(40).collect::<String>());
    }
    PolicyError::WrongType {
        field,
        expected,
        got: format!("{kind} ({shown})"),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |head| head.matches('\n').count())
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_document_is_the_default_policy() {
        assert_eq!(
            DefaultSyncPolicy::from_toml_str("").unwrap(),
            DefaultSyncPolicy::default()
        );
        assert_eq!(
            DefaultSyncPolicy::from_json_str("{}").unwrap(),
            DefaultSyncPolicy::default()
        );
        let p = DefaultSyncPolicy::default();
        assert_eq!(p.interval("host"), Some(Duration::from_secs(3600)));
        assert_eq!(p.interval("cspm"), Some(Duration::from_secs(86_400)));
        assert_eq!(
            p.credential_check_interval(),
            Some(Duration::from_secs(6 * 3600))
        );
        assert_eq!(p.interval("response"), None);
        assert!(p.include_new_regions());
    }

    #[test]
    fn a_full_toml_policy_is_read() {
        let p = DefaultSyncPolicy::from_toml_str(
            r#"
            regions = ["us-east-1", "eu-west-1"]
            include_new_regions = false
            host_interval = "3h"
            cspm_interval = "7d"
            credential_check_interval = "off"
            "#,
        )
        .unwrap();
        assert_eq!(
            p.regions(),
            RegionSelection::Only(vec!["us-east-1".into(), "eu-west-1".into()])
        );
        assert!(!p.include_new_regions());
        assert_eq!(p.host_interval, Interval::Hours3);
        assert_eq!(p.cspm_interval, Interval::Days7);
        assert_eq!(p.credential_check_interval(), None);
    }

    #[test]
    fn json_and_toml_round_trip() {
        let p = DefaultSyncPolicy::default()
            .with_regions(RegionSelection::Only(vec!["ap-guangzhou".into()]))
            .with_host_interval("45m".parse().unwrap())
            .with_cspm_interval(Interval::Off);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"host_interval\":\"45m\""), "{json}");
        assert_eq!(DefaultSyncPolicy::from_json_str(&json).unwrap(), p);
        assert_eq!(
            DefaultSyncPolicy::from_toml_str(&p.to_toml_string()).unwrap(),
            p
        );
        let all = DefaultSyncPolicy::default().to_toml_string();
        assert!(all.contains("regions = \"all\""), "{all}");
    }

    #[test]
    fn each_interval_error_names_its_field() {
        for field in [
            "host_interval",
            "cspm_interval",
            "credential_check_interval",
        ] {
            let err = DefaultSyncPolicy::from_toml_str(&format!("{field} = \"0m\"")).unwrap_err();
            assert!(matches!(
                &err,
                PolicyError::Interval { field: f, reason: IntervalError::TooShort { .. } } if *f == field
            ));
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
        }
        let err = DefaultSyncPolicy::from_json_str(r#"{"cspm_interval": "400d"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cspm_interval: interval 400d is too long; the maximum is 30d"
        );
        let err = DefaultSyncPolicy::from_json_str(r#"{"host_interval": "soon"}"#).unwrap_err();
        assert!(matches!(
            err,
            PolicyError::Interval {
                field: "host_interval",
                reason: IntervalError::Malformed { .. }
            }
        ));
        let err = DefaultSyncPolicy::from_toml_str("host_interval = 3600").unwrap_err();
        assert_eq!(
            err.to_string(),
            "host_interval: expected a string such as \"1h\", \"90m\" or \"off\", got a number (3600)"
        );
    }

    #[test]
    fn region_errors_are_specific() {
        let parse = DefaultSyncPolicy::from_json_str;
        assert_eq!(
            parse(r#"{"regions": "some"}"#).unwrap_err(),
            PolicyError::RegionsKeyword { got: "some".into() }
        );
        assert_eq!(
            parse(r#"{"regions": []}"#).unwrap_err(),
            PolicyError::EmptyRegionList
        );
        assert_eq!(
            parse(r#"{"regions": ["a", " "]}"#).unwrap_err(),
            PolicyError::BlankRegion { index: 1 }
        );
        assert_eq!(
            parse(r#"{"regions": ["a", "a"]}"#).unwrap_err(),
            PolicyError::DuplicateRegion { region: "a".into() }
        );
        assert!(matches!(
            parse(r#"{"regions": [1]}"#).unwrap_err(),
            PolicyError::WrongType {
                field: "regions",
                ..
            }
        ));
        assert!(matches!(
            parse(r#"{"include_new_regions": "yes"}"#).unwrap_err(),
            PolicyError::WrongType {
                field: "include_new_regions",
                ..
            }
        ));
        assert_eq!(
            parse(r#"{"regions": "ALL"}"#).unwrap().regions,
            RegionSelection::All
        );
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_rejected_with_a_line() {
        let err =
            DefaultSyncPolicy::from_toml_str("host_interval = \"1h\"\nhost_intervall = \"2h\"")
                .unwrap_err();
        let PolicyError::Syntax {
            format: "TOML",
            message,
        } = &err
        else {
            panic!("unexpected {err:?}");
        };
        assert!(message.contains("host_intervall"), "{message}");
        assert!(message.contains("line 2"), "{message}");
        assert!(!err.to_string().contains('\n'));
        let err = DefaultSyncPolicy::from_json_str("{\"regions\": ").unwrap_err();
        assert!(matches!(err, PolicyError::Syntax { format: "JSON", .. }));
        let core: Error = err.into();
        assert_eq!(core.kind(), multicloud_core::ErrorKind::Config);
    }

    #[test]
    fn embedding_in_a_larger_config_validates_too() {
        #[derive(Deserialize)]
        struct Outer {
            sync: DefaultSyncPolicy,
        }
        let ok: Outer = toml::from_str("[sync]\nhost_interval = \"12h\"").unwrap();
        assert_eq!(ok.sync.host_interval, Interval::Hours12);
        let err = toml::from_str::<Outer>("[sync]\nhost_interval = \"1s\"")
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("host_interval: interval 1s is too short"),
            "{err}"
        );
    }
}
