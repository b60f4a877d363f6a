//! Property tests of the Tencent Cloud API 3.0 page parsers, from the response body to the
//! listed items (CVM hosts, every regional product, CAM users): generated pages give
//! exactly their items; a `Response` without its list or with `null`, another document, a
//! cut body or arbitrary bytes are errors, never an empty page; no edit of a valid page
//! panics, and a one-byte edit that still parses keeps every item.
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-tencent page_props`
//! for the long run (docs/testing.md).

#[path = "../../../testdata/props/mutation.rs"]
mod mutation;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use multicloud_core::{ErrorKind, Result};

use crate::hosts::to_host;
use crate::resources::{cam_user, to_resource, Product, PRODUCTS};
use crate::wire::{offset_page, read_response};
use mutation::{apply, content_len, is_single_byte, mutation};

/// One listed item as generated.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    /// Sent as a JSON number (CAM `Uin`) when set.
    numeric_id: Option<u64>,
    name: String,
    tags: Vec<(String, String)>,
}

impl Entry {
    fn id_value(&self) -> Value {
        match self.numeric_id {
            Some(n) => json!(n),
            None => json!(self.id),
        }
    }

    fn expected_id(&self) -> String {
        self.numeric_id
            .map_or_else(|| self.id.clone(), |n| n.to_string())
    }
}

/// One generated page.
#[derive(Debug, Clone)]
struct Doc {
    items: Vec<Entry>,
    /// `TotalCount` as a number (false) or as text (true, as the VPC APIs send it).
    total_as_text: bool,
    pretty: bool,
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        "[a-zA-Z0-9\"\\\\/'<>&Ω\u{1F600}-]{1,16}",
        prop::option::of(any::<u64>()),
        "[ -~Ω]{0,12}",
        prop::collection::vec(("[a-z]{1,6}", "[ -~]{0,6}"), 0..3),
    )
        .prop_map(|(id, numeric_id, name, tags)| Entry {
            id,
            numeric_id,
            name,
            tags,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec(entry(), 0..8),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(items, total_as_text, pretty)| Doc {
            items,
            total_as_text,
            pretty,
        })
}

/// One listing: CVM, a regional product, or CAM users.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Cvm,
    Product(&'static Product),
    CamUsers,
}

fn shapes() -> Vec<Shape> {
    let mut out = vec![Shape::Cvm, Shape::CamUsers];
    out.extend(PRODUCTS.iter().map(Shape::Product));
    out
}

/// The list field's value when the list is left out.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListState {
    Present,
    Missing,
    Null,
}

impl Shape {
    fn action(self) -> &'static str {
        match self {
            Shape::Cvm => "DescribeInstances",
            Shape::Product(p) => p.api.action,
            Shape::CamUsers => "ListUsers",
        }
    }

    fn list_field(self) -> &'static str {
        match self {
            Shape::Cvm => "InstanceSet",
            Shape::Product(p) => p.list_field,
            Shape::CamUsers => "Data",
        }
    }

    fn item(self, e: &Entry) -> Value {
        match self {
            Shape::Cvm => json!({
                "InstanceId": e.id,
                "InstanceName": e.name,
                "InstanceState": "RUNNING",
                "PrivateIpAddresses": ["10.0.0.1"],
                "PublicIpAddresses": null,
                "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 0},
                "Tags": e.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
                "CreatedTime": "2020-09-22T00:00:00Z",
            }),
            Shape::Product(p) => {
                let mut item = Map::new();
                item.insert(p.id_field.into(), e.id_value());
                item.insert(p.name_field.into(), json!(e.name));
                let tags: Vec<Value> = e
                    .tags
                    .iter()
                    .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
                    .collect();
                item.insert(p.tags_field.into(), json!(tags));
                item.insert("Extra".into(), json!({"Nested": [1, "two", null]}));
                Value::Object(item)
            }
            Shape::CamUsers => json!({"Uin": e.id_value(), "Name": e.name, "Remark": ""}),
        }
    }

    fn expected_id(self, e: &Entry) -> String {
        match self {
            Shape::Cvm => e.id.clone(),
            _ => e.expected_id(),
        }
    }

    fn render(self, doc: &Doc, list: ListState) -> String {
        let mut response = Map::new();
        match list {
            ListState::Present => {
                let items: Vec<Value> = doc.items.iter().map(|e| self.item(e)).collect();
                response.insert(self.list_field().into(), json!(items));
            }
            ListState::Null => {
                response.insert(self.list_field().into(), Value::Null);
            }
            ListState::Missing => {}
        }
        let total = doc.items.len();
        let total = if doc.total_as_text {
            json!(total.to_string())
        } else {
            json!(total)
        };
        response.insert("TotalCount".into(), total);
        response.insert(
            "RequestId".into(),
            json!("6f0ef2ab-0000-4000-8000-000000000000"),
        );
        let body = json!({ "Response": response });
        if doc.pretty {
            serde_json::to_string_pretty(&body).unwrap_or_default()
        } else {
            body.to_string()
        }
    }

    /// Reads a body the way the listing does: the envelope, the page, each item.
    fn read(self, body: &[u8]) -> Result<Vec<String>> {
        let action = self.action();
        let resp = read_response(action, 200, body)?;
        let total = (!matches!(self, Shape::CamUsers)).then_some("TotalCount");
        let page = offset_page(resp, action, Some("ap-guangzhou"), self.list_field(), total)?;
        page.items
            .into_iter()
            .map(|item| {
                Ok(match self {
                    Shape::Cvm => to_host(item, "ap-guangzhou")?.id,
                    Shape::Product(p) => to_resource(p, item, "ap-guangzhou")?.id,
                    Shape::CamUsers => cam_user(item)?.id,
                })
            })
            .collect()
    }
}

/// Documents that are not the page asked for.
fn impostor() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<!DOCTYPE html><html><body>portal</body></html>".to_owned()),
        Just(r#"{"Response":{"Error":{"Code":"UnauthorizedOperation","Message":"no"},"RequestId":"r"}}"#.to_owned()),
        Just(r#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow"},"RequestId":"r"}}"#.to_owned()),
        Just(r#"{"Response":{"RequestId":"r"}}"#.to_owned()),
        Just(r#"{"Response":5}"#.to_owned()),
        Just(r#"{"Response":null}"#.to_owned()),
        Just("{}".to_owned()),
        Just("[]".to_owned()),
        Just("null".to_owned()),
        Just(String::new()),
        // Another listing's valid answer.
        (0..8usize, doc()).prop_map(|(i, d)| shapes()[i].render(&d, ListState::Present)),
    ]
}

proptest! {
    #[test]
    fn a_valid_page_yields_exactly_its_items(doc in doc()) {
        for shape in shapes() {
            let body = shape.render(&doc, ListState::Present);
            let ids = shape.read(body.as_bytes()).map_err(|e| {
                TestCaseError::fail(format!("{shape:?}: {e} in {body}"))
            })?;
            let want: Vec<String> = doc.items.iter().map(|e| shape.expected_id(e)).collect();
            prop_assert_eq!(ids, want, "{:?}", shape);
        }
    }

    #[test]
    fn a_page_without_its_list_or_with_null_is_a_decode_error(doc in doc(), null in any::<bool>()) {
        let state = if null { ListState::Null } else { ListState::Missing };
        for shape in shapes() {
            let body = shape.render(&doc, state);
            let err = shape.read(body.as_bytes()).expect_err(&body);
            prop_assert_eq!(err.kind(), ErrorKind::Decode, "{:?}: {}", shape, err);
            prop_assert!(err.to_string().contains(shape.list_field()), "{}", err);
        }
    }

    #[test]
    fn another_document_is_an_error(body in impostor()) {
        for shape in shapes() {
            // Redis and CVM both list an `InstanceSet`: one reads the other's page by design.
            let own_list = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.get("Response")?.get(shape.list_field()).cloned());
            if own_list.is_some_and(|l| l.is_array()) {
                continue;
            }
            prop_assert!(shape.read(body.as_bytes()).is_err(), "{:?} read {}", shape, body);
        }
    }

    #[test]
    fn a_cut_page_is_an_error(doc in doc(), cut in any::<prop::sample::Index>()) {
        for shape in shapes() {
            let body = shape.render(&doc, ListState::Present);
            let at = cut.index(content_len(body.as_bytes()));
            prop_assert!(shape.read(&body.as_bytes()[..at]).is_err(), "{:?} cut at {}", shape, at);
        }
    }

    #[test]
    fn an_edited_page_never_panics_and_never_loses_items_silently(doc in doc(), edit in mutation()) {
        for shape in shapes() {
            let body = apply(shape.render(&doc, ListState::Present).as_bytes(), &edit);
            if let Ok(ids) = shape.read(&body) {
                let shown = String::from_utf8_lossy(&body);
                prop_assert!(!ids.is_empty() || doc.items.is_empty(), "{:?}: empty page from {}", shape, shown);
                if is_single_byte(&edit) {
                    prop_assert_eq!(ids.len(), doc.items.len(), "{:?}: {:?} gave {}", shape, edit, shown);
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        for shape in shapes() {
            let _ = shape.read(&body).map(|ids| ids.len());
        }
    }
}
