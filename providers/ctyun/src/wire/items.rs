//! The `returnObj` shapes of regions and ECS (field names from the official SDK models and
//! API docs, providers.md §5; the products' shapes are declared in `resources.rs`). Items
//! stay raw JSON; [`field`] reads a scalar the way the products send it (a string, or a
//! number where others send text).

use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

/// `list-regions`.
#[derive(Debug, Deserialize)]
pub(crate) struct RegionList {
    #[serde(rename = "regionList")]
    pub(crate) region_list: Option<Vec<RegionItem>>,
}

/// One resource pool.
#[derive(Debug, Deserialize)]
pub(crate) struct RegionItem {
    #[serde(rename = "regionID")]
    pub(crate) region_id: String,
    #[serde(rename = "regionName")]
    pub(crate) region_name: Option<String>,
    /// Pools without it are listed but cannot be driven by the API.
    #[serde(rename = "openapiAvailable")]
    pub(crate) openapi_available: Option<bool>,
}

/// ECS `list-instances` (`pageNo`/`pageSize`).
#[derive(Debug, Deserialize)]
pub(crate) struct EcsPage {
    pub(crate) results: Option<Vec<Value>>,
    /// A number, or a number written as text.
    #[serde(rename = "totalCount")]
    pub(crate) total_count: Option<Value>,
}

impl EcsPage {
    /// The reported total, when it is a number (or its text).
    pub(crate) fn total(&self) -> Option<u64> {
        count(self.total_count.as_ref()?)
    }
}

/// A count sent as a number or as its text.
pub(crate) fn count(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A scalar field as text: strings as they are (empty = absent), numbers and booleans
/// written out.
pub(crate) fn field(item: &Value, name: &str) -> Option<String> {
    match item.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A time as the products write it: RFC 3339 (`2023-03-27T06:46:19.528839Z`, ECS, ZOS, ELB)
/// or `2023-06-01 10:00:00` in Beijing time (Kafka, Redis, RocketMQ).
pub(crate) fn time_text(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        PrimitiveDateTime::parse(text, fmt)
            .ok()
            .map(|t| t.assume_offset(offset!(+8)))
    })?;
    // One form for every product: UTC.
    Some(parsed.to_offset(time::UtcOffset::UTC))
}

/// A time field in either text form.
pub(crate) fn time_field(item: &Value, name: &str) -> Option<OffsetDateTime> {
    field(item, name).and_then(|t| time_text(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_in_every_product_form() {
        let iso = time_text("2023-06-01T02:00:00.000000Z").unwrap();
        assert_eq!(iso.unix_timestamp(), 1_685_584_800);
        let beijing = time_text("2023-06-01 10:00:00").unwrap();
        assert_eq!(beijing, iso);
        assert_eq!(beijing.offset(), time::UtcOffset::UTC);
        assert_eq!(time_text("soon"), None);
    }

    #[test]
    fn fields_read_strings_and_numbers() {
        let item = json!({"a": "x", "b": 7, "c": "", "d": null});
        assert_eq!(field(&item, "a").as_deref(), Some("x"));
        assert_eq!(field(&item, "b").as_deref(), Some("7"));
        assert_eq!(field(&item, "c"), None);
        assert_eq!(field(&item, "d"), None);
        assert_eq!(field(&item, "e"), None);
        assert_eq!(count(&json!(12)), Some(12));
        assert_eq!(count(&json!("12")), Some(12));
        assert_eq!(count(&json!(null)), None);
    }
}
