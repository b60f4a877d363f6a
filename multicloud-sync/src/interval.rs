//! How often a job runs: the console's menu of presets, free durations, or off.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// The shortest free interval accepted. Shorter schedules would hammer the providers' list
/// APIs (and their rate limits) for no gain.
pub const MIN_INTERVAL: Duration = Duration::from_secs(MINUTE);

/// The longest free interval accepted. Longer ones are almost certainly a typo (`"300d"`).
pub const MAX_INTERVAL: Duration = Duration::from_secs(30 * DAY);

/// How often a sync or check runs.
///
/// The presets are the console's menu; any other duration between [`MIN_INTERVAL`] and
/// [`MAX_INTERVAL`] is a [`Interval::Custom`]. In files an interval is a string: `"off"`,
/// a preset (`"1h"`, `"3h"`, `"6h"`, `"12h"`, `"24h"`, `"7d"`) or a free duration made of
/// `<number><unit>` groups with units `s`, `m`, `h`, `d`, `w` (`"90m"`, `"1h30m"`, `"2d"`).
/// A free duration equal to a preset becomes that preset (`"60m"` is [`Interval::Hours1`]).
///
/// ```
/// use std::time::Duration;
/// use multicloud_sync::Interval;
///
/// let every: Interval = "90m".parse()?;
/// assert_eq!(every.duration(), Some(Duration::from_secs(90 * 60)));
/// assert_eq!("24h".parse::<Interval>()?, Interval::Hours24);
/// assert_eq!("off".parse::<Interval>()?.duration(), None);
/// assert!("0m".parse::<Interval>().is_err());
/// # Ok::<(), multicloud_sync::IntervalError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    /// Never runs.
    Off,
    /// Every hour.
    Hours1,
    /// Every 3 hours.
    Hours3,
    /// Every 6 hours.
    Hours6,
    /// Every 12 hours.
    Hours12,
    /// Every 24 hours.
    Hours24,
    /// Every 7 days.
    Days7,
    /// Any other duration within bounds; build it with [`Interval::custom`].
    Custom(CustomInterval),
}

/// A validated free duration: within [`MIN_INTERVAL`]..=[`MAX_INTERVAL`] and not a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomInterval(Duration);

impl CustomInterval {
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

/// Why a string or duration is not a valid [`Interval`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntervalError {
    /// The string was empty.
    #[error("an interval is required; use \"off\" to disable")]
    Empty,
    /// The string is not a duration.
    #[error(
        "cannot read {input:?} as an interval; expected \"off\", a preset (1h, 3h, 6h, 12h, \
         24h, 7d) or a duration such as \"90m\" or \"1h30m\" (units s, m, h, d, w)"
    )]
    Malformed {
        /// The string as given.
        input: String,
    },
    /// The duration is zero or below [`MIN_INTERVAL`].
    #[error("interval {got} is too short; the minimum is 1m (use \"off\" to disable)")]
    TooShort {
        /// The duration given, formatted.
        got: String,
    },
    /// The duration is above [`MAX_INTERVAL`].
    #[error("interval {got} is too long; the maximum is 30d")]
    TooLong {
        /// The duration given, formatted.
        got: String,
    },
}

impl Interval {
    /// The console's menu, shortest first.
    pub const PRESETS: [Interval; 6] = [
        Interval::Hours1,
        Interval::Hours3,
        Interval::Hours6,
        Interval::Hours12,
        Interval::Hours24,
        Interval::Days7,
    ];

    /// An interval of `every`: the matching preset, or a checked [`Interval::Custom`].
    pub fn custom(every: Duration) -> Result<Interval, IntervalError> {
        if let Some(preset) = Self::PRESETS
            .into_iter()
            .find(|p| p.duration() == Some(every))
        {
            return Ok(preset);
        }
        if every < MIN_INTERVAL {
            return Err(IntervalError::TooShort {
                got: format_duration(every),
            });
        }
        if every > MAX_INTERVAL {
            return Err(IntervalError::TooLong {
                got: format_duration(every),
            });
        }
        Ok(Interval::Custom(CustomInterval(every)))
    }

    /// The period, or `None` when off.
    pub fn duration(self) -> Option<Duration> {
        let secs = match self {
            Interval::Off => return None,
            Interval::Hours1 => HOUR,
            Interval::Hours3 => 3 * HOUR,
            Interval::Hours6 => 6 * HOUR,
            Interval::Hours12 => 12 * HOUR,
            Interval::Hours24 => DAY,
            Interval::Days7 => WEEK,
            Interval::Custom(c) => return Some(c.get()),
        };
        Some(Duration::from_secs(secs))
    }

    /// Whether the job is disabled.
    pub fn is_off(self) -> bool {
        self == Interval::Off
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Off => f.write_str("off"),
            Interval::Hours24 => f.write_str("24h"),
            other => match other.duration() {
                Some(d) => f.write_str(&format_duration(d)),
                None => f.write_str("off"),
            },
        }
    }
}

impl FromStr for Interval {
    type Err = IntervalError;

    fn from_str(s: &str) -> Result<Self, IntervalError> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(IntervalError::Empty);
        }
        if trimmed.eq_ignore_ascii_case("off") {
            return Ok(Interval::Off);
        }
        let every = parse_duration(trimmed).ok_or_else(|| IntervalError::Malformed {
            input: s.to_owned(),
        })?;
        Interval::custom(every)
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses `<number><unit>` groups (`"1h30m"`, `"90 m"`, `"2d"`); `None` when malformed.
/// Huge values saturate so that the bounds check reports them as too long.
fn parse_duration(s: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().unwrap_or(u64::MAX);
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = unit_seconds(&rest[..unit_len])?;
        total = total.saturating_add(number.saturating_mul(unit));
        rest = rest[unit_len..].trim_start();
    }
    Some(Duration::from_secs(total))
}

fn unit_seconds(unit: &str) -> Option<u64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
        "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => WEEK,
        _ => return None,
    })
}

/// Formats a duration in the largest units first (`1d2h30m`); sub-second parts are dropped.
pub(crate) fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return if d.is_zero() {
            "0s".to_owned()
        } else {
            format!("{}ms", d.as_millis())
        };
    }
    let mut out = String::new();
    for (unit, size) in [("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_print_as_the_console_names_them() {
        for (text, preset) in [
            ("1h", Interval::Hours1),
            ("3h", Interval::Hours3),
            ("6h", Interval::Hours6),
            ("12h", Interval::Hours12),
            ("24h", Interval::Hours24),
            ("7d", Interval::Days7),
        ] {
            assert_eq!(text.parse::<Interval>().unwrap(), preset);
            assert_eq!(preset.to_string(), text);
        }
        assert_eq!(Interval::PRESETS.len(), 6);
    }

    #[test]
    fn equivalent_spellings_normalize_to_the_preset() {
        assert_eq!("60m".parse::<Interval>().unwrap(), Interval::Hours1);
        assert_eq!("1d".parse::<Interval>().unwrap(), Interval::Hours24);
        assert_eq!("1w".parse::<Interval>().unwrap(), Interval::Days7);
        assert_eq!("OFF".parse::<Interval>().unwrap(), Interval::Off);
    }

    #[test]
    fn free_durations_are_custom_and_round_trip() {
        let i: Interval = "1h30m".parse().unwrap();
        assert_eq!(i.duration(), Some(Duration::from_secs(5400)));
        assert!(matches!(i, Interval::Custom(_)));
        assert_eq!(i.to_string(), "1h30m");
        assert_eq!("90 minutes".parse::<Interval>().unwrap(), i);
        assert_eq!("2d".parse::<Interval>().unwrap().to_string(), "2d");
        assert_eq!(
            "2d".parse::<Interval>()
                .unwrap()
                .to_string()
                .parse::<Interval>()
                .unwrap(),
            "48h".parse().unwrap()
        );
    }

    #[test]
    fn zero_and_too_short_are_rejected_with_the_minimum() {
        let err = "0m".parse::<Interval>().unwrap_err();
        assert_eq!(err, IntervalError::TooShort { got: "0s".into() });
        assert!(err.to_string().contains("minimum is 1m"));
        assert!(matches!(
            "59s".parse::<Interval>(),
            Err(IntervalError::TooShort { .. })
        ));
        assert!(Interval::custom(Duration::from_millis(10)).is_err());
    }

    #[test]
    fn absurd_durations_are_rejected() {
        let err = "300d".parse::<Interval>().unwrap_err();
        assert_eq!(err, IntervalError::TooLong { got: "300d".into() });
        // Values past u64 seconds saturate instead of panicking or wrapping around.
        for huge in [
            "99999999999999999999w",
            "9999999999999999w",
            "1w99999999999999999999s",
        ] {
            assert!(
                matches!(huge.parse::<Interval>(), Err(IntervalError::TooLong { .. })),
                "{huge}"
            );
        }
    }

    #[test]
    fn malformed_strings_are_rejected() {
        for bad in ["h", "1.5h", "1x", "one hour", "-1h", "1h-"] {
            assert!(
                matches!(
                    bad.parse::<Interval>(),
                    Err(IntervalError::Malformed { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!("  ".parse::<Interval>().unwrap_err(), IntervalError::Empty);
    }

    #[test]
    fn serde_uses_the_string_form() {
        let json = serde_json::to_string(&Interval::Days7).unwrap();
        assert_eq!(json, "\"7d\"");
        let back: Interval = serde_json::from_str("\"45m\"").unwrap();
        assert_eq!(back.duration(), Some(Duration::from_secs(45 * 60)));
        let err = serde_json::from_str::<Interval>("\"0s\"").unwrap_err();
        assert!(err.to_string().contains("too short"), "{err}");
    }
}
