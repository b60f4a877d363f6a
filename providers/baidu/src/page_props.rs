//! Property tests of the BCE page parsers, from the response body to the listed items (BCC
//! instances and every regional product as marker pages, BOS buckets, IAM users):
//! generated pages give exactly their items and next marker; a page without its list or
//! with `null`, another document, a cut body or arbitrary bytes are errors, never an empty
//! page; no edit of a valid page panics, and a one-byte edit that still parses keeps every
//! item.
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-baidu page_props`
//! for the long run (docs/testing.md).

#[path = "../../../testdata/props/mutation.rs"]
mod mutation;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use multicloud_core::{ErrorKind, Item, Result};

use crate::hosts::map_item;
use crate::paging::MapItem;
use crate::resources::{buckets_page, users_page, MAPPERS, PRODUCTS};
use crate::wire::marker_page;
use mutation::{apply, content_len, is_single_byte, mutation};

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    name: String,
    tags: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Doc {
    items: Vec<Entry>,
    /// The next page's marker; `None` on the last page.
    next: Option<String>,
    /// On the last page: send `nextMarker: ""` (true) or leave it out.
    empty_marker: bool,
    pretty: bool,
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        "[a-zA-Z0-9\"\\\\/'<>&Ω-]{1,16}",
        "[ -~Ω]{0,12}",
        prop::collection::vec(("[a-z]{1,6}", "[ -~]{0,6}"), 0..3),
    )
        .prop_map(|(id, name, tags)| Entry { id, name, tags })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec(entry(), 0..8),
        prop::option::of("[a-zA-Z0-9-]{1,16}"),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(items, next, empty_marker, pretty)| Doc {
            items,
            next,
            empty_marker,
            pretty,
        })
}

/// One listing.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A marker page: action, items key, id and name fields, item mapper.
    Marker {
        action: &'static str,
        items_key: &'static str,
        id_field: &'static str,
        name_field: &'static str,
        map: MapItem,
    },
    Buckets,
    Users,
}

fn shapes() -> Vec<Shape> {
    let mut out = vec![
        Shape::Marker {
            action: "bcc:ListInstances",
            items_key: "instances",
            id_field: "id",
            name_field: "name",
            map: map_item,
        },
        Shape::Buckets,
        Shape::Users,
    ];
    out.extend(PRODUCTS.iter().zip(MAPPERS).map(|(p, map)| Shape::Marker {
        action: p.list.api.name,
        items_key: p.list.items_key,
        id_field: p.id_field,
        name_field: p.name_field,
        map,
    }));
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ListState {
    Present,
    Missing,
    Null,
}

impl Shape {
    fn list_key(self) -> &'static str {
        match self {
            Shape::Marker { items_key, .. } => items_key,
            Shape::Buckets => "buckets",
            Shape::Users => "users",
        }
    }

    fn item(self, e: &Entry) -> Value {
        let tags: Vec<Value> = e
            .tags
            .iter()
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect();
        match self {
            Shape::Marker {
                id_field,
                name_field,
                ..
            } => {
                let mut item = Map::new();
                item.insert("status".into(), json!("Running"));
                item.insert("internalIp".into(), json!("192.168.0.4"));
                item.insert("tags".into(), json!(tags));
                item.insert("extra".into(), json!({"nested": [1, null, "x"]}));
                // Set last: a product whose id field is one of the names above keeps the id.
                item.insert(name_field.into(), json!(e.name));
                item.insert(id_field.into(), json!(e.id));
                Value::Object(item)
            }
            Shape::Buckets => {
                json!({"name": e.id, "location": "bj", "creationDate": "2024-01-01T00:00:00Z"})
            }
            Shape::Users => {
                json!({"id": e.id, "name": e.name, "createTime": "2024-01-01T00:00:00Z"})
            }
        }
    }

    fn render(self, doc: &Doc, list: ListState) -> String {
        let items: Vec<Value> = doc.items.iter().map(|e| self.item(e)).collect();
        let mut body = Map::new();
        match list {
            ListState::Present => {
                body.insert(self.list_key().into(), json!(items));
            }
            ListState::Null => {
                body.insert(self.list_key().into(), Value::Null);
            }
            ListState::Missing => {}
        }
        match self {
            Shape::Marker { .. } => {
                body.insert("marker".into(), json!(""));
                body.insert("maxKeys".into(), json!(1000));
                body.insert("isTruncated".into(), json!(doc.next.is_some()));
                match &doc.next {
                    Some(m) => {
                        body.insert("nextMarker".into(), json!(m));
                    }
                    None if doc.empty_marker => {
                        body.insert("nextMarker".into(), json!(""));
                    }
                    None => {}
                }
            }
            Shape::Buckets => {
                body.insert("owner".into(), json!({"id": "a1", "displayName": "me"}));
            }
            Shape::Users => {}
        }
        let body = Value::Object(body);
        if doc.pretty {
            serde_json::to_string_pretty(&body).unwrap_or_default()
        } else {
            body.to_string()
        }
    }

    /// Reads a body the way the listing does: the ids and the next marker.
    fn read(self, body: &[u8]) -> Result<(Vec<String>, Option<String>)> {
        let id = |item: Item| match item {
            Item::Host(h) => h.id,
            Item::Resource(r) => r.id,
        };
        match self {
            Shape::Marker {
                action,
                items_key,
                map,
                ..
            } => {
                let page = marker_page(action, Some("bj"), items_key, body)?;
                let ids = page
                    .items
                    .into_iter()
                    .map(|raw| map(raw, Some("bj")).map(id))
                    .collect::<Result<Vec<_>>>()?;
                Ok((ids, page.next))
            }
            Shape::Buckets => Ok((buckets_page(body)?.into_iter().map(id).collect(), None)),
            Shape::Users => Ok((users_page(body)?.into_iter().map(id).collect(), None)),
        }
    }

    fn next(self, doc: &Doc) -> Option<String> {
        match self {
            Shape::Marker { .. } => doc.next.clone(),
            _ => None,
        }
    }
}

fn impostor() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<!DOCTYPE html><html><body>portal</body></html>".to_owned()),
        Just(r#"{"requestId":"r","code":"AccessDenied","message":"no"}"#.to_owned()),
        Just(r#"{"isTruncated":false,"nextMarker":""}"#.to_owned()),
        Just("{}".to_owned()),
        Just("[]".to_owned()),
        Just("null".to_owned()),
        Just(String::new()),
        (0..10usize, doc()).prop_map(|(i, d)| shapes()[i].render(&d, ListState::Present)),
    ]
}

proptest! {
    #[test]
    fn a_valid_page_yields_exactly_its_items_and_marker(doc in doc()) {
        for shape in shapes() {
            let body = shape.render(&doc, ListState::Present);
            let (ids, next) = shape.read(body.as_bytes()).map_err(|e| {
                TestCaseError::fail(format!("{shape:?}: {e} in {body}"))
            })?;
            let want: Vec<&str> = doc.items.iter().map(|e| e.id.as_str()).collect();
            prop_assert_eq!(ids, want, "{:?}", shape);
            prop_assert_eq!(next, shape.next(&doc), "{:?}", shape);
        }
    }

    #[test]
    fn a_page_without_its_list_or_with_null_is_a_decode_error(doc in doc(), null in any::<bool>()) {
        let state = if null { ListState::Null } else { ListState::Missing };
        for shape in shapes() {
            let body = shape.render(&doc, state);
            let err = shape.read(body.as_bytes()).expect_err(&body);
            prop_assert_eq!(err.kind(), ErrorKind::Decode, "{:?}: {}", shape, err);
        }
    }

    #[test]
    fn another_document_is_an_error(body in impostor()) {
        for shape in shapes() {
            // RDS and SCS both list `instances`, the two BLB kinds `blbList`: each reads the
            // other's page by design.
            let own = serde_json::from_str::<Value>(&body)
                .ok()
                .is_some_and(|v| v.get(shape.list_key()).is_some_and(Value::is_array));
            if own {
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
            if let Ok((ids, _)) = shape.read(&body) {
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
            let _ = shape.read(&body).map(|(ids, _)| ids.len());
        }
    }
}
