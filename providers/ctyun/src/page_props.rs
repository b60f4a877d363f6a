//! Property tests of the ECS `list-instances` page parser, from the response body to the
//! hosts, along the path the listing takes (the envelope's `returnObj`, the required
//! `results` list, each item mapped): generated pages give exactly their hosts and total; a
//! page without `results` or with `null`, a failure envelope, a body that is not the
//! envelope, a cut body or arbitrary bytes are errors, never an empty page.
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-ctyun page_props`
//! for the long run (docs/testing.md).

use proptest::prelude::*;
use serde_json::{json, Value};

use multicloud_core::{ErrorKind, Host, Result};

use crate::hosts::{host, LIST_INSTANCES};
use crate::wire::items::EcsPage;
use crate::wire::{required, return_obj};

const REGION: &str = "bb9fdb42056f11eda1610242ac110002";

/// What the listing does with one page body.
fn parse(body: &[u8]) -> Result<(Vec<Host>, Option<u64>)> {
    let page: EcsPage = return_obj(LIST_INSTANCES.action, Some(REGION), body)?;
    let total = page.total();
    let items = required(LIST_INSTANCES.action, "results", Some(REGION), page.results)?;
    Ok((
        items.into_iter().map(|raw| host(REGION, raw)).collect(),
        total,
    ))
}

fn ids() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-f0-9-]{8,36}", 0..12)
}

/// A success envelope holding `ids`, with the status and total as numbers or as text.
fn page(ids: &[String], status_as_text: bool, total_as_text: bool) -> Value {
    let results: Vec<Value> = ids
        .iter()
        .map(|id| json!({"instanceID": id, "displayName": format!("vm-{id}"), "instanceStatus": "running"}))
        .collect();
    let total = if total_as_text {
        json!(ids.len().to_string())
    } else {
        json!(ids.len())
    };
    let status = if status_as_text {
        json!("800")
    } else {
        json!(800)
    };
    json!({"statusCode": status, "message": "success", "returnObj": {"results": results, "totalCount": total}})
}

proptest! {
    #[test]
    fn a_valid_page_gives_exactly_its_hosts(ids in ids(), s in any::<bool>(), t in any::<bool>()) {
        let body = serde_json::to_vec(&page(&ids, s, t)).unwrap();
        let (hosts, total) = parse(&body).unwrap();
        let got: Vec<&str> = hosts.iter().map(|h| h.id.as_str()).collect();
        prop_assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(total, Some(ids.len() as u64));
    }

    #[test]
    fn a_missing_or_null_list_is_a_decode_error(ids in ids(), null in any::<bool>()) {
        let mut doc = page(&ids, false, false);
        let obj = doc["returnObj"].as_object_mut().unwrap();
        if null {
            obj.insert("results".into(), Value::Null);
        } else {
            obj.remove("results");
        }
        let err = parse(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::Decode);
    }

    #[test]
    fn a_failure_envelope_or_another_document_is_an_error(code in "[A-Za-z.]{1,20}", html in any::<bool>()) {
        let body = if html {
            format!("<html><body>{code}</body></html>").into_bytes()
        } else {
            serde_json::to_vec(&json!({"statusCode": 900, "errorCode": code, "message": "no"})).unwrap()
        };
        prop_assert!(parse(&body).is_err());
    }

    #[test]
    fn a_cut_body_is_an_error(ids in prop::collection::vec("[a-f0-9]{8}", 1..8), cut in any::<prop::sample::Index>()) {
        let body = serde_json::to_vec(&page(&ids, false, false)).unwrap();
        let at = cut.index(body.len() - 1);
        prop_assert!(parse(&body[..at]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_read_as_an_empty_page(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok((hosts, _)) = parse(&bytes) {
            // Only a real envelope with a results list can parse; random bytes almost never
            // are one, and if they are, the list came from the bytes.
            let text = String::from_utf8_lossy(&bytes);
            prop_assert!(text.contains("results"), "{} hosts from {:?}", hosts.len(), text);
        }
    }
}
