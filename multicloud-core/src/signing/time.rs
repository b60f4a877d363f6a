//! The timestamp forms signatures carry, all from a time passed in (a signer never reads the
//! clock).

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::{Error, Result};

/// A signing time in UTC whose year has four digits (every form below needs that), with the
/// forms the five algorithms write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningTime(OffsetDateTime);

/// UTC+08:00, the offset of CTyun's `Eop-date` (Beijing time, whatever the host's zone).
const BEIJING: UtcOffset = time::macros::offset!(+8);

impl SigningTime {
    /// `time` in UTC; a [`Config`](crate::ErrorKind::Config) error for a year outside
    /// 0–9998, so that every form, Beijing time's shift included, has four digits.
    pub fn new(time: OffsetDateTime) -> Result<Self> {
        let utc = time.to_offset(UtcOffset::UTC);
        if !(0..=9998).contains(&utc.year()) {
            return Err(Error::config(format!(
                "signing time {time} is out of range: a signature needs a four-digit year"
            )));
        }
        Ok(SigningTime(utc))
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// `YYYYMMDDTHHMMSSZ` (`X-Amz-Date`, `X-Sdk-Date`).
    pub fn compact(&self) -> String {
        stamp(self.0, "YMDThmsZ")
    }

    /// `YYYYMMDD`: the date of a V4 scope.
    pub fn compact_date(&self) -> String {
        stamp(self.0, "YMD")
    }

    /// `YYYY-MM-DD`: the date of a TC3 scope.
    pub fn dashed_date(&self) -> String {
        stamp(self.0, "Y-M-D")
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (Baidu).
    pub fn iso_seconds(&self) -> String {
        stamp(self.0, "Y-M-DTh:m:sZ")
    }

    /// `Wed, 21 Oct 2015 07:28:00 -0000`: botocore's rewrite of a `Date` header.
    pub fn rfc1123_minus_zero(&self) -> String {
        let t = self.0;
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} -0000",
            &t.weekday().to_string()[..3],
            t.day(),
            &t.month().to_string()[..3],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// `YYYYMMDDTHHMMSSZ` of the Beijing wall-clock time (UTC+08:00), the `Z` kept as CTyun's
    /// SDK writes it.
    pub fn beijing_compact(&self) -> String {
        stamp(self.0.to_offset(BEIJING), "YMDThmsZ")
    }

    /// Parses `YYYYMMDDTHHMMSSZ` as UTC (a received `X-Sdk-Date`); `None` when malformed.
    pub fn parse_compact(text: &[u8]) -> Option<OffsetDateTime> {
        let text = std::str::from_utf8(text).ok()?;
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        PrimitiveDateTime::parse(text, format)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    }
}

/// `t` written by `pattern` (ASCII): `Y` the four-digit year, `M` `D` `h` `m` `s` two digits
/// each, anything else as itself (by hand: `format!` padding costs more than the rest of a stamp).
fn stamp(t: OffsetDateTime, pattern: &str) -> String {
    let mut out = Vec::with_capacity(20);
    // Each calendar field once (each accessor decodes the date again), and constant divisors
    // only: a division by a variable costs more than the rest of a stamp.
    let ((year, month, day), (hour, minute, second)) = (t.to_calendar_date(), t.to_hms());
    let two = |out: &mut Vec<u8>, v: u8| out.extend([b'0' + v / 10, b'0' + v % 10]);
    for c in pattern.bytes() {
        match c {
            b'Y' => {
                // 0–9998 (checked by `new`).
                let year = year.unsigned_abs();
                two(&mut out, (year / 100 % 100) as u8);
                two(&mut out, (year % 100) as u8);
            }
            b'M' => two(&mut out, u8::from(month)),
            b'D' => two(&mut out, day),
            b'h' => two(&mut out, hour),
            b'm' => two(&mut out, minute),
            b's' => two(&mut out, second),
            literal => out.push(literal),
        }
    }
    // Digits and the pattern's ASCII: never the empty fallback.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_form_of_one_instant() {
        let t = SigningTime::new(datetime!(2015-08-30 12:36:00 UTC)).unwrap();
        assert_eq!(t.compact(), "20150830T123600Z");
        assert_eq!(t.compact_date(), "20150830");
        assert_eq!(t.dashed_date(), "2015-08-30");
        assert_eq!(t.iso_seconds(), "2015-08-30T12:36:00Z");
        assert_eq!(t.rfc1123_minus_zero(), "Sun, 30 Aug 2015 12:36:00 -0000");
        assert_eq!(t.unix_seconds(), 1_440_938_160);
        // Beijing time crosses midnight: the date moves too.
        let late = SigningTime::new(datetime!(2024-12-31 20:30:05 -02:00)).unwrap();
        assert_eq!(late.compact(), "20241231T223005Z");
        assert_eq!(late.beijing_compact(), "20250101T063005Z");
    }

    #[test]
    fn compact_round_trips_and_rejects_garbage() {
        let t = datetime!(2026-01-02 03:04:05 UTC);
        let text = SigningTime::new(t).unwrap().compact();
        assert_eq!(SigningTime::parse_compact(text.as_bytes()), Some(t));
        assert_eq!(SigningTime::parse_compact(b"2026-01-02"), None);
        assert_eq!(SigningTime::parse_compact(b"\xff"), None);
    }

    #[test]
    fn years_without_four_digits_are_refused() {
        let err = SigningTime::new(datetime!(9999-12-31 23:00:00 UTC)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
    }
}
