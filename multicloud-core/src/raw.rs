//! [`RawRecord`]: the provider's item as compact JSON text, shared rather than copied.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The provider's item exactly as received, kept as compact JSON text (an XML item is
/// converted to JSON once, by the provider's parser).
///
/// Keeping text instead of a [`serde_json::Value`] tree costs a fraction of the memory and
/// nothing to build beyond writing the text; cloning shares it (the text is reference
/// counted), so the stored snapshot, a diff, its events and the history hold one copy.
/// Read it as text with [`get`](Self::get), or decode what you need with
/// [`parse`](Self::parse):
///
/// ```
/// use multicloud_core::RawRecord;
/// use serde_json::json;
///
/// let raw = RawRecord::from(json!({"InstanceId": "i-1", "Placement": {"Tenancy": "default"}}));
/// assert_eq!(raw.get(), r#"{"InstanceId":"i-1","Placement":{"Tenancy":"default"}}"#);
///
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "PascalCase")]
/// struct Instance { instance_id: String }
/// assert_eq!(raw.parse::<Instance>()?.instance_id, "i-1");
/// assert_eq!(raw.to_value()["Placement"]["Tenancy"], "default");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// It serializes as the JSON it holds (not as a string), so a stored item's JSON is the same
/// as when `raw` was a `Value`; it deserializes only from JSON (`serde_json`).
#[derive(Clone)]
pub struct RawRecord(Text);

/// The text, and whether it is known to be one JSON value.
#[derive(Clone)]
enum Text {
    /// Checked when made (or written by serde_json itself): serialized as it is.
    Checked(Arc<RawValue>),
    /// Vouched for by its writer ([`RawRecord::from_json_unchecked`]): checked each time it
    /// is serialized, so a writer's mistake can never make invalid JSON.
    Unchecked(Arc<str>),
}

impl RawRecord {
    /// JSON `null`: no raw item.
    pub fn null() -> Self {
        RawRecord(Text::Checked(Arc::from(RawValue::NULL.to_owned())))
    }

    /// The record of `text`, checked to be one JSON value; it is kept as given (write it
    /// compact).
    pub fn from_json(text: impl Into<String>) -> serde_json::Result<Self> {
        let raw = RawValue::from_string(text.into())?;
        Ok(RawRecord(Text::Checked(Arc::from(raw))))
    }

    /// The record of `text` that its writer guarantees is one compact JSON value (the
    /// providers' parsers write it so); not checked here, but each time it is serialized.
    pub fn from_json_unchecked(text: impl Into<Arc<str>>) -> Self {
        RawRecord(Text::Unchecked(text.into()))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        match &self.0 {
            Text::Checked(raw) => raw.get(),
            Text::Unchecked(text) => text,
        }
    }

    /// Decodes the JSON into `T` (a struct of the fields you need, or a
    /// [`serde_json::Value`]).
    pub fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.get())
    }

    /// The JSON as a [`serde_json::Value`] tree (`Null` if the text was not JSON, which
    /// only [`from_json_unchecked`](Self::from_json_unchecked) allows).
    pub fn to_value(&self) -> serde_json::Value {
        self.parse().unwrap_or(serde_json::Value::Null)
    }

    /// Whether this is JSON `null` (no raw item).
    pub fn is_null(&self) -> bool {
        self.get() == "null"
    }

    /// The length of the JSON text in bytes.
    pub fn len(&self) -> usize {
        self.get().len()
    }

    /// Whether the text is empty (never, for a checked record).
    pub fn is_empty(&self) -> bool {
        self.get().is_empty()
    }
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawRecord {}

impl std::hash::Hash for RawRecord {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.get().hash(state);
    }
}

impl Default for RawRecord {
    fn default() -> Self {
        RawRecord::null()
    }
}

impl From<serde_json::Value> for RawRecord {
    fn from(value: serde_json::Value) -> Self {
        RawRecord::from(&value)
    }
}

impl From<&serde_json::Value> for RawRecord {
    fn from(value: &serde_json::Value) -> Self {
        // serde_json writes it, so it is JSON without a second look; writing a `Value`
        // cannot fail (its keys are strings).
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => RawRecord(Text::Checked(Arc::from(raw))),
            Err(_) => RawRecord::null(),
        }
    }
}

impl PartialEq<serde_json::Value> for RawRecord {
    fn eq(&self, other: &serde_json::Value) -> bool {
        self.to_value() == *other
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl fmt::Display for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl Serialize for RawRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            // Checked when made: written as it is, with no second parse per write (a
            // store writes every item of every sync).
            Text::Checked(raw) => raw.serialize(serializer),
            Text::Unchecked(text) => match serde_json::from_str::<&RawValue>(text) {
                Ok(raw) => raw.serialize(serializer),
                Err(_) => serializer.serialize_unit(),
            },
        }
    }
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Ok(RawRecord(Text::Checked(Arc::from(raw))))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn serializes_as_the_json_it_holds_and_round_trips() {
        let raw = RawRecord::from(json!({"a": [1, "x"], "b": null}));
        let outer = serde_json::to_string(&json!({"raw": raw.to_value()})).unwrap();
        #[derive(Serialize, Deserialize)]
        struct Outer {
            raw: RawRecord,
        }
        assert_eq!(
            serde_json::to_string(&Outer { raw: raw.clone() }).unwrap(),
            outer
        );
        let back: Outer = serde_json::from_str(&outer).unwrap();
        assert_eq!(back.raw, raw);
        assert_eq!(back.raw, json!({"a": [1, "x"], "b": null}));
    }

    #[test]
    fn from_json_refuses_what_is_not_one_json_value() {
        assert!(RawRecord::from_json("{\"a\":1}").is_ok());
        assert!(RawRecord::from_json("{\"a\":").is_err());
        assert!(RawRecord::from_json("1 2").is_err());
        assert!(RawRecord::null().is_null());
        assert_eq!(RawRecord::default().to_value(), serde_json::Value::Null);
    }

    #[test]
    fn an_unchecked_text_that_is_not_json_serializes_as_null_and_equal_texts_are_equal() {
        let bad = RawRecord::from_json_unchecked("{\"a\":");
        assert_eq!(serde_json::to_string(&bad).unwrap(), "null");
        let good = RawRecord::from_json_unchecked("{\"a\":1}");
        assert_eq!(serde_json::to_string(&good).unwrap(), "{\"a\":1}");
        // Equality and hashing go by the text, however the record was made.
        let checked = RawRecord::from_json("{\"a\":1}").unwrap();
        assert_eq!(good, checked);
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(state.hash_one(&good), state.hash_one(&checked));
        assert_eq!(serde_json::to_string(&checked).unwrap(), "{\"a\":1}");
    }

    #[test]
    fn clones_share_the_text() {
        let raw = RawRecord::from(json!({"big": "x".repeat(1000)}));
        let copy = raw.clone();
        assert!(std::ptr::eq(raw.get().as_ptr(), copy.get().as_ptr()));
    }
}
