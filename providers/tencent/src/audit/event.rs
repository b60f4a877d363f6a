//! Tencent Cloud Audit events, as a CLS topic delivers them, into [`AuditEvent`].
//!
//! A tracking set (跟踪集) that ships to CLS writes one log per event; consumed over Kafka in
//! JSON format (`ConsumerContent.Format = 1`) a message is an object of the log's fields,
//! plus any metadata fields asked for (`__TIMESTAMP__`, `__SOURCE__`, `__TAG__`, …); in raw
//! format it is the log text itself, and a full-text log arrives as `{"__CONTENT__": "…"}`.
//! The event's fields are those of `CloudAuditEvent` in the CloudAudit API (`LookUpEvents`,
//! `DescribeEvents`): `eventID`, `eventTime` (Unix seconds; older records
//! `YYYY-MM-DD HH:MM:SS` in Beijing time), `eventName`, `eventSource`, `userIdentity`
//! (`principalId`, `userName`, `accountId`, …), `sourceIPAddress`, `eventRegion` and
//! `actionType` (`Read`/`Write`). Nested values may arrive as JSON text (`JsonType = 2`), and
//! numbers as strings; both are read. Nothing here panics on any input.

use multicloud_core::audit::AuditEvent;
use multicloud_core::{Error, ProviderKind, Result};
use serde_json::{Map, Value};
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Largest payload parsed (a Cloud Audit event is a few KiB; CLS caps a log at 1 MB).
const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// What the caller knows about a record besides its payload: used when the record itself
/// lacks an id or a time (the Kafka position and the message timestamp).
#[derive(Debug, Clone)]
pub(crate) struct Fallback {
    pub(crate) id: String,
    pub(crate) time: Option<OffsetDateTime>,
}

/// Parses one Cloud Audit event (a CLS log consumed in JSON or raw format).
///
/// The event must name its API (`eventName`), its id (`eventID`) and its time (`eventTime`);
/// anything else missing is `None`. A payload that is not a JSON object, or not an audit
/// event, is a [`Decode`](multicloud_core::ErrorKind::Decode) error.
///
/// ```
/// use multicloud_tencent::audit::parse_cloud_audit_event;
///
/// let event = parse_cloud_audit_event(
///     br#"{"eventID":"e-1","eventTime":1680513809,"eventName":"RunInstances",
///          "eventSource":"cvm.tencentcloudapi.com","eventRegion":"ap-guangzhou",
///          "sourceIPAddress":"203.0.113.7","actionType":"Write",
///          "userIdentity":{"principalId":"100015596048","type":"CAMUser"}}"#,
/// )?;
/// assert_eq!(event.id, "e-1");
/// assert_eq!(event.principal.as_deref(), Some("100015596048"));
/// assert_eq!(event.read_only, Some(false));
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub fn parse_cloud_audit_event(payload: &[u8]) -> Result<AuditEvent> {
    parse_record(payload, None)
}

/// Parses one record; with a `fallback`, a missing id or time is taken from it.
pub(crate) fn parse_record(payload: &[u8], fallback: Option<&Fallback>) -> Result<AuditEvent> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(decode(format!(
            "a CLS record of {} bytes is over the {MAX_PAYLOAD_BYTES}-byte limit",
            payload.len()
        )));
    }
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| decode(format!("a CLS record is not JSON: {e}")))?;
    let record = unwrap_content(value)?;
    let name = text(&record, "eventName")
        .ok_or_else(|| decode("a CLS record has no eventName: not a Cloud Audit event"))?;
    let id = text(&record, "eventID")
        .or_else(|| text(&record, "eventId"))
        .or_else(|| fallback.map(|f| f.id.clone()))
        .ok_or_else(|| decode(format!("the Cloud Audit event {name} has no eventID")))?;
    let time = record
        .get("eventTime")
        .and_then(event_time)
        .or_else(|| fallback.and_then(|f| f.time))
        .ok_or_else(|| {
            decode(format!(
                "the Cloud Audit event {id} has no readable eventTime"
            ))
        })?;
    let identity = record.get("userIdentity").and_then(object_or_json_text);
    let principal = identity.as_ref().and_then(|i| {
        text(i, "principalId")
            .or_else(|| text(i, "userName"))
            .or_else(|| text(i, "accountId"))
    });
    let read_only = match text(&record, "actionType").as_deref() {
        Some(t) if t.eq_ignore_ascii_case("read") => Some(true),
        Some(t) if t.eq_ignore_ascii_case("write") => Some(false),
        _ => record.get("readOnly").and_then(boolean),
    };
    let mut record = record;
    redact_session_token(&mut record);
    Ok(AuditEvent::new(id, time, name)
        .with_event_source(text(&record, "eventSource"))
        .with_principal(principal)
        .with_source_ip(text(&record, "sourceIPAddress"))
        .with_region(text(&record, "eventRegion"))
        .with_read_only(read_only)
        .with_raw(Value::Object(record)))
}

fn decode(message: impl Into<String>) -> Error {
    Error::decode(message).with_provider(ProviderKind::Tencent)
}

/// The event's fields: the record itself, or the JSON text of its `__CONTENT__` (a log
/// collected as full text).
fn unwrap_content(value: Value) -> Result<Map<String, Value>> {
    let Value::Object(record) = value else {
        return Err(decode("a CLS record is not a JSON object"));
    };
    if record.contains_key("eventName") {
        return Ok(record);
    }
    match record.get("__CONTENT__").and_then(Value::as_str) {
        Some(content) => match serde_json::from_str(content) {
            Ok(Value::Object(inner)) => Ok(inner),
            _ => Err(decode(
                "the __CONTENT__ of a CLS record is not a JSON object",
            )),
        },
        None => Ok(record),
    }
}

/// Console calls carry the caller's login session in `userIdentity.sessionContext`
/// (JSON text with a `token`, per CloudAudit's `DescribeEvents` example): the token is a
/// credential, so the raw record keeps everything but its value.
fn redact_session_token(record: &mut Map<String, Value>) {
    const REDACTED: &str = "** redacted **";
    let Some(identity) = record.get_mut("userIdentity") else {
        return;
    };
    let mut parsed = object_or_json_text(identity);
    let Some(map) = parsed.as_mut() else {
        return;
    };
    let Some(context) = map.get_mut("sessionContext") else {
        return;
    };
    let changed = match context {
        Value::Object(c) => c.get_mut("token").map(|t| *t = REDACTED.into()).is_some(),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(mut c)) if c.contains_key("token") => {
                c.insert("token".into(), REDACTED.into());
                *text = Value::Object(c).to_string();
                true
            }
            Ok(_) => false,
            // Not JSON: keep no part of it that could be a token.
            Err(_) => {
                let had_token = text.contains("token");
                if had_token {
                    *text = REDACTED.into();
                }
                had_token
            }
        },
        _ => false,
    };
    if changed {
        *identity = match &*identity {
            Value::String(_) => Value::String(Value::Object(map.clone()).to_string()),
            _ => Value::Object(map.clone()),
        };
    }
}

/// A non-empty string (numbers as their text); `None` for anything else.
fn text(record: &Map<String, Value>, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An object, or the JSON text of one (`JsonType = 2` escapes nested values).
fn object_or_json_text(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map.clone()),
        Value::String(s) => match serde_json::from_str(s) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        },
        _ => None,
    }
}

fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `eventTime`: Unix seconds (or milliseconds) as a number or text; or, in older records,
/// `YYYY-MM-DD HH:MM:SS` in Beijing time (UTC+8, as the CloudAudit API examples show next
/// to their Unix request ids); or RFC 3339.
fn event_time(value: &Value) -> Option<OffsetDateTime> {
    let unix = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if let Some(n) = unix {
        // Seconds until the year 5138; anything larger is milliseconds.
        let secs = if n.unsigned_abs() >= 100_000_000_000 {
            n / 1000
        } else {
            n
        };
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    let s = value.as_str()?.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
    .ok()
    .map(|t| t.assume_offset(offset!(+8)))
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
