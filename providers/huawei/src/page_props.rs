//! Property tests of the Huawei Cloud page parsers, from the response body to the listed
//! items (ECS servers, RMS resources, OBS buckets): generated pages give exactly their
//! items; an answer without its list or with `null`, another document, a cut body or
//! arbitrary bytes are errors, never an empty page; no edit of a valid page panics, and a
//! one-byte edit that still parses keeps every item (RMS excepted: it drops deleted items
//! and other kinds by design, so an edit of those fields may change the count).
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-huawei page_props`
//! for the long run (docs/testing.md).

#[path = "../../../testdata/props/mutation.rs"]
mod mutation;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use multicloud_core::{ErrorKind, Result};

use crate::client::{parse_json, ECS_LIST_SERVERS, OBS_LIST_BUCKETS, RMS_LIST_ALL_RESOURCES};
use crate::hosts::servers_page;
use crate::resources::rms_page;
use crate::wire::obs::parse_list;
use mutation::{apply, content_len, is_single_byte, mutation};

/// One listed item as generated.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    name: String,
    tags: Vec<(String, String)>,
    /// RMS only: reported deleted, or of another kind; either is left out of the page.
    skipped: Option<Skip>,
}

#[derive(Debug, Clone, Copy)]
enum Skip {
    Deleted,
    OtherKind,
}

#[derive(Debug, Clone)]
struct Doc {
    items: Vec<Entry>,
    pretty: bool,
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        "[a-zA-Z0-9\"\\\\/'<>&Ω-]{1,16}",
        "[ -~Ω]{0,12}",
        prop::collection::vec(("[a-z]{1,6}", "[ -~]{0,6}"), 0..3),
        prop_oneof![
            6 => Just(None),
            1 => Just(Some(Skip::Deleted)),
            1 => Just(Some(Skip::OtherKind)),
        ],
    )
        .prop_map(|(id, name, tags, skipped)| Entry {
            id,
            name,
            tags,
            skipped,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (prop::collection::vec(entry(), 0..8), any::<bool>())
        .prop_map(|(items, pretty)| Doc { items, pretty })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Servers,
    Rms,
    Obs,
}

const SHAPES: [Shape; 3] = [Shape::Servers, Shape::Rms, Shape::Obs];

#[derive(Debug, Clone, Copy, PartialEq)]
enum ListState {
    Present,
    Missing,
    Null,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl Shape {
    fn list_name(self) -> &'static str {
        match self {
            Shape::Servers => "servers",
            Shape::Rms => "resources",
            Shape::Obs => "Buckets",
        }
    }

    /// The ids the page must yield.
    fn expected(self, doc: &Doc) -> Vec<String> {
        doc.items
            .iter()
            .filter(|e| self != Shape::Rms || e.skipped.is_none())
            .map(|e| e.id.clone())
            .collect()
    }

    fn render(self, doc: &Doc, list: ListState) -> String {
        if self == Shape::Obs {
            let buckets: String = doc
                .items
                .iter()
                .map(|e| {
                    format!(
                        "<Bucket><Name>{}</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate><Location>cn-north-4</Location><BucketType>OBJECT</BucketType></Bucket>",
                        esc(&e.id)
                    )
                })
                .collect();
            let nl = if doc.pretty { "\n  " } else { "" };
            let list = match list {
                ListState::Present => format!("<Buckets>{nl}{buckets}</Buckets>"),
                // XML has no null: an absent element is the only way to leave it out.
                ListState::Missing | ListState::Null => String::new(),
            };
            return format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<ListAllMyBucketsResult xmlns=\"http://obs.myhwclouds.com/doc/2015-06-30/\">{nl}<Owner><ID>d1</ID></Owner>{nl}{list}{nl}<IsTruncated>false</IsTruncated></ListAllMyBucketsResult>"
            );
        }
        let items: Vec<Value> = doc.items.iter().map(|e| self.item(e)).collect();
        let mut body = Map::new();
        match list {
            ListState::Present => {
                body.insert(self.list_name().into(), json!(items));
            }
            ListState::Null => {
                body.insert(self.list_name().into(), Value::Null);
            }
            ListState::Missing => {}
        }
        match self {
            Shape::Servers => {
                body.insert("count".into(), json!(doc.items.len()));
            }
            _ => {
                body.insert(
                    "page_info".into(),
                    json!({"current_count": doc.items.len(), "next_marker": null}),
                );
            }
        }
        let body = Value::Object(body);
        if doc.pretty {
            serde_json::to_string_pretty(&body).unwrap_or_default()
        } else {
            body.to_string()
        }
    }

    fn item(self, e: &Entry) -> Value {
        let tags: Vec<Value> = e
            .tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        match self {
            Shape::Servers => json!({
                "id": e.id,
                "name": e.name,
                "status": "ACTIVE",
                "OS-EXT-STS:task_state": "",
                "addresses": {"vpc-1": [{"addr": "192.168.0.10", "OS-EXT-IPS:type": "fixed"}]},
                "flavor": {"id": "s6.small.1", "name": "s6.small.1"},
                "metadata": {"image_name": "CentOS 7.6", "vpc_id": "vpc-1"},
                "OS-EXT-AZ:availability_zone": "cn-north-4a",
                "created": "2024-01-01T00:00:00Z",
                "tags": tags,
            }),
            _ => {
                let (provider, state) = match e.skipped {
                    Some(Skip::OtherKind) => ("evs", "Normal"),
                    Some(Skip::Deleted) => ("vpc", "deleted"),
                    None => ("vpc", "Normal"),
                };
                let tags: Map<String, Value> =
                    e.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                json!({
                    "id": e.id,
                    "name": e.name,
                    "provider": provider,
                    "type": "vpcs",
                    "region_id": "cn-north-4",
                    "tags": tags,
                    "state": state,
                    "properties": {"cidr": "10.0.0.0/8"},
                })
            }
        }
    }

    /// Reads a body the way the listing does.
    fn read(self, body: &[u8]) -> Result<Vec<String>> {
        Ok(match self {
            Shape::Servers => {
                let value = parse_json(ECS_LIST_SERVERS, Some("cn-north-4"), body)?;
                let (hosts, _) = servers_page(value, "cn-north-4")?;
                hosts.into_iter().map(|h| h.id).collect()
            }
            Shape::Rms => {
                let value = parse_json(RMS_LIST_ALL_RESOURCES, None, body)?;
                let (resources, _) = rms_page(&value, "vpc", "vpcs")?;
                resources.into_iter().map(|r| r.id).collect()
            }
            Shape::Obs => parse_list(body, OBS_LIST_BUCKETS.name)?
                .buckets
                .map(|b| b.bucket.into_iter().map(|b| b.name).collect())
                .unwrap_or_default(),
        })
    }
}

fn impostor() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<!DOCTYPE html><html><body>portal</body></html>".to_owned()),
        Just(
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#
                .to_owned()
        ),
        Just(r#"{"error":{"code":"403","message":"no"}}"#.to_owned()),
        Just(
            "<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>r</RequestId></Error>"
                .to_owned()
        ),
        Just(
            "<ListAllMyBucketsResult><Owner><ID>d</ID></Owner></ListAllMyBucketsResult>".to_owned()
        ),
        Just("{}".to_owned()),
        Just("[]".to_owned()),
        Just("null".to_owned()),
        Just(String::new()),
        (0..SHAPES.len(), doc()).prop_map(|(i, d)| SHAPES[i].render(&d, ListState::Present)),
    ]
}

proptest! {
    #[test]
    fn a_valid_page_yields_exactly_its_items(doc in doc()) {
        for shape in SHAPES {
            let body = shape.render(&doc, ListState::Present);
            let ids = shape.read(body.as_bytes()).map_err(|e| {
                TestCaseError::fail(format!("{shape:?}: {e} in {body}"))
            })?;
            prop_assert_eq!(ids, shape.expected(&doc), "{:?}", shape);
        }
    }

    #[test]
    fn a_page_without_its_list_or_with_null_is_a_decode_error(doc in doc(), null in any::<bool>()) {
        let state = if null { ListState::Null } else { ListState::Missing };
        for shape in SHAPES {
            let body = shape.render(&doc, state);
            let err = shape.read(body.as_bytes()).expect_err(&body);
            prop_assert_eq!(err.kind(), ErrorKind::Decode, "{:?}: {}", shape, err);
        }
    }

    #[test]
    fn another_document_is_an_error(body in impostor()) {
        for shape in SHAPES {
            let own = match shape {
                Shape::Obs => body.contains("<Buckets>"),
                _ => serde_json::from_str::<Value>(&body)
                    .ok()
                    .is_some_and(|v| v.get(shape.list_name()).is_some_and(Value::is_array)),
            };
            if own {
                continue;
            }
            prop_assert!(shape.read(body.as_bytes()).is_err(), "{:?} read {}", shape, body);
        }
    }

    #[test]
    fn a_cut_page_is_an_error(doc in doc(), cut in any::<prop::sample::Index>()) {
        for shape in SHAPES {
            let body = shape.render(&doc, ListState::Present);
            let at = cut.index(content_len(body.as_bytes()));
            prop_assert!(shape.read(&body.as_bytes()[..at]).is_err(), "{:?} cut at {}", shape, at);
        }
    }

    #[test]
    fn an_edited_page_never_panics_and_never_loses_items_silently(doc in doc(), edit in mutation()) {
        for shape in SHAPES {
            let body = apply(shape.render(&doc, ListState::Present).as_bytes(), &edit);
            if let Ok(ids) = shape.read(&body) {
                if shape == Shape::Rms {
                    continue; // drops deleted items and other kinds by design
                }
                let shown = String::from_utf8_lossy(&body);
                let want = shape.expected(&doc).len();
                prop_assert!(!ids.is_empty() || want == 0, "{:?}: empty page from {}", shape, shown);
                if is_single_byte(&edit) {
                    prop_assert_eq!(ids.len(), want, "{:?}: {:?} gave {}", shape, edit, shown);
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        for shape in SHAPES {
            let _ = shape.read(&body).map(|ids| ids.len());
        }
    }
}
