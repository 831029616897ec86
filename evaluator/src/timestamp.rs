//! A UTC instant with millisecond precision, parsed from what Config sends.
//!
//! The evaluator reads no clock: every timestamp comes from the event.
//! Invoking events carry ISO-8601 strings; GetResourceConfigHistory items
//! (as the JSON API returns them) carry epoch seconds. Both are accepted.

use std::fmt;

use crate::Error;

/// A UTC instant, milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    epoch_millis: i64,
}

impl Timestamp {
    /// The instant `epoch_millis` milliseconds after 1970-01-01T00:00:00Z.
    pub fn from_epoch_millis(epoch_millis: i64) -> Self {
        Self { epoch_millis }
    }

    /// Milliseconds since the Unix epoch.
    pub fn epoch_millis(self) -> i64 {
        self.epoch_millis
    }

    /// Parses an RFC 3339 / ISO-8601 date-time such as
    /// `2024-01-01T00:00:00.000Z` or `2024-01-01T02:00:00+02:00`.
    /// `field` names the input in the error.
    pub fn parse_rfc3339(text: &str, field: &str) -> Result<Self, Error> {
        parse_rfc3339(text).ok_or_else(|| {
            Error::invalid(
                field,
                text,
                "expected an ISO-8601 date-time such as 2024-01-01T00:00:00.000Z",
            )
        })
    }

    /// Reads a timestamp from a JSON value: a date-time string, or a number
    /// of epoch seconds (possibly fractional), as the Config JSON API sends.
    pub(crate) fn from_json(value: &serde_json::Value, field: &str) -> Result<Self, Error> {
        match value {
            serde_json::Value::String(text) => Self::parse_rfc3339(text, field),
            serde_json::Value::Number(number) => number
                .as_f64()
                .filter(|seconds| seconds.is_finite() && seconds.abs() < 1.0e11)
                .map(|seconds| Self::from_epoch_millis((seconds * 1000.0).round() as i64))
                .ok_or_else(|| {
                    Error::invalid(field, &number.to_string(), "expected epoch seconds")
                }),
            other => Err(Error::WrongType {
                field: field.to_owned(),
                expected: "an ISO-8601 date-time string or epoch seconds",
                found: crate::json::describe(other),
            }),
        }
    }
}

impl Timestamp {
    /// The UTC calendar day, `YYYY-MM-DD`: what a person plans by.
    pub fn day(self) -> String {
        let (year, month, day) = civil_from_days(self.epoch_millis.div_euclid(86_400_000));
        format!("{year:04}-{month:02}-{day:02}")
    }
}

impl fmt::Display for Timestamp {
    /// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.epoch_millis.div_euclid(86_400_000);
        let millis_of_day = self.epoch_millis.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let seconds_of_day = millis_of_day / 1000;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            seconds_of_day / 3600,
            seconds_of_day / 60 % 60,
            seconds_of_day % 60,
            millis_of_day % 1000
        )
    }
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    let second = digits(17..19)?;
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return None;
        }
        // Only milliseconds matter for ordering; extra digits are truncated.
        let padded = format!("{:0<3}", &fraction[..length.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[length..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset = &rest.as_bytes()[1..];
            if offset.len() != 5 || offset[2] != b':' {
                return None;
            }
            let hours = std::str::from_utf8(&offset[0..2])
                .ok()?
                .parse::<i64>()
                .ok()?;
            let minutes = std::str::from_utf8(&offset[3..5])
                .ok()?
                .parse::<i64>()
                .ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 60 + minutes)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(Timestamp::from_epoch_millis(seconds * 1000 + millis))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        let timestamp = Timestamp::parse_rfc3339(text, "t").unwrap();
        assert_eq!(timestamp.to_string(), expected);
    }

    #[test]
    fn formats_round_trip() {
        check("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z");
        check("2016-10-06T16:46:16.261Z", "2016-10-06T16:46:16.261Z");
        check("2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000Z");
        check("2024-01-01T02:30:00.5+02:30", "2024-01-01T00:00:00.500Z");
        check("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z");
        check("2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00.123Z");
    }

    #[test]
    fn day_is_the_utc_calendar_day() {
        let late = Timestamp::parse_rfc3339("2026-12-20T23:59:59.999+00:00", "t").unwrap();
        assert_eq!(late.day(), "2026-12-20");
        let east = Timestamp::parse_rfc3339("2026-12-21T01:00:00+02:00", "t").unwrap();
        assert_eq!(east.day(), "2026-12-20");
    }

    #[test]
    fn epoch_seconds() {
        let value = serde_json::json!(1645468935.271);
        let timestamp = Timestamp::from_json(&value, "t").unwrap();
        assert_eq!(timestamp.to_string(), "2022-02-21T18:42:15.271Z");
    }

    #[test]
    fn rejects_garbage() {
        for text in [
            "",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0200",
            "yesterday",
            "2024-01-01T00:00:00Zjunk",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(text, "t").is_err(), "{text}");
        }
    }
}
