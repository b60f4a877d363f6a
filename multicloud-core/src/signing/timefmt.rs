//! The timestamp forms the five algorithms write, from a time given as an argument.
//!
//! Nothing here reads a clock. CTyun's `Eop-date` is Beijing wall-clock time: UTC plus a fixed
//! eight hours, whatever the host's time zone.

use std::cell::Cell;

use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};

/// A calendar instant split into the fields the signers print, years 0000–9999 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    weekday: u8,
    unix: i64,
}

/// A short ASCII stamp on the stack (`YYYYMMDDTHHMMSSZ` and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp<const N: usize>([u8; N]);

impl<const N: usize> Stamp<N> {
    /// The stamp as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever written, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The stamp as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A signed decimal number on the stack (`X-TC-Timestamp`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    buf: [u8; 20],
    start: usize,
}

impl std::fmt::Debug for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Decimal").field(&self.as_str()).finish()
    }
}

impl Decimal {
    /// `value` in decimal, with a `-` when negative.
    pub fn new(value: i64) -> Self {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        let mut rest = value.unsigned_abs();
        // Two digits per division: a Unix time is five steps instead of ten.
        while rest >= 100 {
            start -= 2;
            buf[start..start + 2].copy_from_slice(&TWO_DIGITS[(rest % 100) as usize]);
            rest /= 100;
        }
        if rest >= 10 {
            start -= 2;
            buf[start..start + 2].copy_from_slice(&TWO_DIGITS[rest as usize]);
        } else {
            start -= 1;
            buf[start] = b'0' + rest as u8;
        }
        if value < 0 {
            start -= 1;
            buf[start] = b'-';
        }
        Decimal { buf, start }
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written, so this never falls back.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The digits as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// `00` to `99`, so a field is written two digits at a time.
static TWO_DIGITS: [[u8; 2]; 100] = {
    let mut table = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        table[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    table
};

/// Writes `value` as `width` (2 or 4) zero-padded digits at `at`.
fn put(buf: &mut [u8], at: usize, value: u32, width: usize) {
    let mut v = value;
    let mut end = at + width;
    while end > at {
        let [tens, ones] = TWO_DIGITS[(v % 100) as usize];
        buf[end - 2] = tens;
        buf[end - 1] = ones;
        v /= 100;
        end -= 2;
    }
}

impl SigningTime {
    /// The instant in UTC.
    pub fn utc(time: OffsetDateTime) -> Result<Self> {
        Self::at_offset(time, UtcOffset::UTC)
    }

    /// The instant as Beijing wall-clock time (UTC+08:00, no daylight saving).
    pub fn beijing(time: OffsetDateTime) -> Result<Self> {
        Self::at_offset(time, BEIJING)
    }

    fn at_offset(time: OffsetDateTime, offset: UtcOffset) -> Result<Self> {
        // A client signs many requests within one second: the fields of the last second seen
        // on this thread are kept (a pure function's result, so signing stays deterministic).
        thread_local! {
            static LAST: Cell<Option<(i64, i32, SigningTime)>> = const { Cell::new(None) };
        }
        let key = (time.unix_timestamp(), offset.whole_seconds());
        if let Some((unix, offset_seconds, fields)) = LAST.get() {
            if (unix, offset_seconds) == key {
                return Ok(fields);
            }
        }
        let fields = Self::fields_at_offset(time, offset)?;
        LAST.set(Some((key.0, key.1, fields)));
        Ok(fields)
    }

    fn fields_at_offset(time: OffsetDateTime, offset: UtcOffset) -> Result<Self> {
        let local = time.checked_to_offset(offset).ok_or_else(out_of_range)?;
        let year = u16::try_from(local.year())
            .ok()
            .filter(|y| *y <= 9999)
            .ok_or_else(out_of_range)?;
        Ok(SigningTime {
            year,
            month: local.month() as u8,
            day: local.day(),
            hour: local.hour(),
            minute: local.minute(),
            second: local.second(),
            weekday: local.weekday().number_days_from_monday(),
            unix: time.unix_timestamp(),
        })
    }

    /// Seconds since the Unix epoch (Tencent's `X-TC-Timestamp`).
    pub fn unix_seconds(&self) -> i64 {
        self.unix
    }

    /// [`unix_seconds`](Self::unix_seconds) in decimal, on the stack.
    pub fn unix_decimal(&self) -> Decimal {
        Decimal::new(self.unix)
    }

    /// `YYYYMMDDTHHMMSSZ` (`X-Amz-Date`, `X-Sdk-Date`, `Eop-date`).
    pub fn compact(&self) -> Stamp<16> {
        let mut b = *b"00000000T000000Z";
        self.put_date(&mut b, 0, false);
        put(&mut b, 9, u32::from(self.hour), 2);
        put(&mut b, 11, u32::from(self.minute), 2);
        put(&mut b, 13, u32::from(self.second), 2);
        Stamp(b)
    }

    /// `YYYYMMDD` (the AWS credential-scope date).
    pub fn compact_date(&self) -> Stamp<8> {
        let mut b = [b'0'; 8];
        self.put_date(&mut b, 0, false);
        Stamp(b)
    }

    /// `YYYY-MM-DD` (the Tencent credential-scope date).
    pub fn dashed_date(&self) -> Stamp<10> {
        let mut b = *b"0000-00-00";
        self.put_date(&mut b, 0, true);
        Stamp(b)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (Baidu's auth-string timestamp and `x-bce-date`).
    pub fn iso_seconds(&self) -> Stamp<20> {
        let mut b = *b"0000-00-00T00:00:00Z";
        self.put_date(&mut b, 0, true);
        put(&mut b, 11, u32::from(self.hour), 2);
        put(&mut b, 14, u32::from(self.minute), 2);
        put(&mut b, 17, u32::from(self.second), 2);
        Stamp(b)
    }

    /// RFC 1123 with a `-0000` zone, as Python's `email.utils.formatdate()` writes it
    /// (`Sun, 30 Aug 2015 12:36:00 -0000`).
    pub fn rfc1123_minus_zero(&self) -> Stamp<31> {
        const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
        const MONTHS: [&[u8; 3]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let mut b = *b"Mon, 00 Jan 0000 00:00:00 -0000";
        b[0..3].copy_from_slice(DAYS[usize::from(self.weekday % 7)]);
        put(&mut b, 5, u32::from(self.day), 2);
        b[8..11].copy_from_slice(MONTHS[usize::from(self.month.clamp(1, 12) - 1)]);
        put(&mut b, 12, u32::from(self.year), 4);
        put(&mut b, 17, u32::from(self.hour), 2);
        put(&mut b, 20, u32::from(self.minute), 2);
        put(&mut b, 23, u32::from(self.second), 2);
        Stamp(b)
    }

    fn put_date(&self, b: &mut [u8], at: usize, dashed: bool) {
        let step = usize::from(dashed);
        put(b, at, u32::from(self.year), 4);
        put(b, at + 4 + step, u32::from(self.month), 2);
        put(b, at + 6 + 2 * step, u32::from(self.day), 2);
    }

    /// Parses `YYYYMMDDTHHMMSSZ` as a UTC instant (Huawei reads a caller's `X-Sdk-Date`).
    pub fn parse_compact(text: &[u8]) -> Option<OffsetDateTime> {
        if text.len() != 16 || text[8] != b'T' || text[15] != b'Z' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            text[range].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let year = i32::try_from(num(0..4)?).ok()?;
        let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
        let date =
            time::Date::from_calendar_date(year, month, u8::try_from(num(6..8)?).ok()?).ok()?;
        let clock = time::Time::from_hms(
            u8::try_from(num(9..11)?).ok()?,
            u8::try_from(num(11..13)?).ok()?,
            u8::try_from(num(13..15)?).ok()?,
        )
        .ok()?;
        Some(date.with_time(clock).assume_utc())
    }
}

fn out_of_range() -> Error {
    Error::config("the signing time is outside the years 0000-9999")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn utc_forms() {
        let t = SigningTime::utc(datetime!(2015-08-30 12:36:00 UTC)).unwrap();
        assert_eq!(t.compact().as_str(), "20150830T123600Z");
        assert_eq!(t.compact_date().as_str(), "20150830");
        assert_eq!(t.dashed_date().as_str(), "2015-08-30");
        assert_eq!(t.iso_seconds().as_str(), "2015-08-30T12:36:00Z");
        assert_eq!(
            t.rfc1123_minus_zero().as_str(),
            "Sun, 30 Aug 2015 12:36:00 -0000"
        );
        assert_eq!(t.unix_seconds(), 1_440_938_160);
        assert_eq!(t.unix_decimal().as_str(), "1440938160");
        for n in [
            0,
            7,
            9,
            10,
            42,
            99,
            100,
            101,
            999,
            1000,
            -1,
            -10,
            -100,
            i64::MIN,
            i64::MAX,
            -62_167_219_200,
        ] {
            assert_eq!(Decimal::new(n).as_str(), n.to_string());
        }
        assert_eq!(format!("{:?}", Decimal::new(1800)), r#"Decimal("1800")"#);
    }

    #[test]
    fn the_remembered_second_never_answers_for_another_time_or_offset() {
        let a = datetime!(2024-05-01 08:30:00 UTC);
        let b = datetime!(2024-05-01 08:30:01 UTC);
        for _ in 0..2 {
            assert_eq!(
                SigningTime::utc(a).unwrap().compact().as_str(),
                "20240501T083000Z"
            );
            assert_eq!(
                SigningTime::utc(a).unwrap().compact().as_str(),
                "20240501T083000Z"
            );
            assert_eq!(
                SigningTime::beijing(a).unwrap().compact().as_str(),
                "20240501T163000Z"
            );
            assert_eq!(
                SigningTime::utc(b).unwrap().compact().as_str(),
                "20240501T083001Z"
            );
            // Sub-second parts never change a field, so they share the remembered second.
            let later = a + time::Duration::milliseconds(999);
            assert_eq!(
                SigningTime::utc(later).unwrap(),
                SigningTime::utc(a).unwrap()
            );
        }
        // An error is never remembered as a success.
        let bad = datetime!(9999-12-31 20:00:00 UTC);
        assert!(SigningTime::utc(bad).is_ok());
        assert!(SigningTime::beijing(bad).is_err());
        assert!(SigningTime::beijing(bad).is_err());
    }

    #[test]
    fn input_offset_is_ignored_for_utc_forms() {
        let t = SigningTime::utc(datetime!(2015-08-30 20:36:00 +08:00)).unwrap();
        assert_eq!(t.compact().as_str(), "20150830T123600Z");
    }

    #[test]
    fn beijing_time_rolls_to_the_next_day_from_16_utc() {
        let t = SigningTime::beijing(datetime!(2024-01-16 16:00:00 UTC)).unwrap();
        assert_eq!(t.compact().as_str(), "20240117T000000Z");
        let t = SigningTime::beijing(datetime!(2024-01-16 15:59:59 UTC)).unwrap();
        assert_eq!(t.compact().as_str(), "20240116T235959Z");
    }

    #[test]
    fn years_outside_four_digits_are_a_config_error() {
        let e = SigningTime::utc(datetime!(-0001-01-01 00:00:00 UTC)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(SigningTime::beijing(datetime!(9999-12-31 20:00:00 UTC)).is_err());
    }

    #[test]
    fn parse_compact_round_trips_and_rejects_junk() {
        let t = SigningTime::parse_compact(b"20191115T033655Z").unwrap();
        assert_eq!(t, datetime!(2019-11-15 03:36:55 UTC));
        for bad in [
            &b"2019111T033655Z"[..],
            b"20191315T033655Z",
            b"20191115T033655",
            b"2019-115T033655Z",
        ] {
            assert!(SigningTime::parse_compact(bad).is_none());
        }
    }
}
