//! The two COS XML documents this crate reads: `ListAllMyBucketsResult` (GetService) and
//! `Error`.
//!
//! Only leaf elements are read, as text: each `<Bucket>`'s leaves become its raw JSON object
//! (so fields COS adds later are kept), and a few leaves of the root (`IsTruncated`,
//! `NextMarker`) drive paging.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use multicloud_core::nesting::{too_deep, MAX_DEPTH};
use multicloud_core::{Error, ProviderKind, Result};

/// One parsed element: its local name, its text and its child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn leaf(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The leaf children as a JSON object of strings (`{"Name": "…", "Location": "…"}`).
    fn leaves(&self) -> Value {
        let map: Map<String, Value> = self
            .children
            .iter()
            .filter(|c| c.children.is_empty())
            .map(|c| (c.name.clone(), Value::String(c.text.trim().to_owned())))
            .collect();
        Value::Object(map)
    }
}

fn decode(what: &str) -> Error {
    Error::decode(format!("unexpected cos:GetService response: {what}"))
        .with_provider(ProviderKind::Tencent)
        .with_action(super::GET_SERVICE)
}

/// Parses a whole document into its root element, at most [`MAX_DEPTH`] elements deep.
/// Errors never quote the body.
fn parse(body: &[u8]) -> Result<Node> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Node> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|_| decode("malformed XML"))?;
        // A tree deeper than this is never built: dropping one recurses.
        if matches!(event, Event::Start(_) | Event::Empty(_)) && stack.len() >= MAX_DEPTH {
            return Err(decode(too_deep("XML", MAX_DEPTH).message()));
        }
        let done = match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(Node {
                    name,
                    ..Node::default()
                });
                None
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                close(
                    &mut stack,
                    Node {
                        name,
                        ..Node::default()
                    },
                )
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| decode("unbalanced XML"))?;
                close(&mut stack, node)
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|_| decode("malformed XML text"))?;
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text);
                }
                None
            }
            Event::CData(d) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&String::from_utf8_lossy(&d));
                }
                None
            }
            Event::Eof => return Err(decode("an empty or truncated XML body")),
            _ => None,
        };
        if let Some(root) = done {
            return Ok(root);
        }
    }
}

/// Attaches a closed element to its parent, or returns it when it is the root.
fn close(stack: &mut [Node], node: Node) -> Option<Node> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(node);
            None
        }
        None => Some(node),
    }
}

/// One GetService page: each bucket's leaves, and the marker of the next page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BucketPage {
    pub(crate) buckets: Vec<Value>,
    pub(crate) next_marker: Option<String>,
}

/// Reads `ListAllMyBucketsResult`. A truncated page continues at `NextMarker` or, when COS
/// leaves it out, after the page's last bucket (`marker` is exclusive).
pub(crate) fn bucket_page(body: &[u8]) -> Result<BucketPage> {
    let root = parse(body)?;
    if root.name != "ListAllMyBucketsResult" {
        return Err(decode("the root element is not ListAllMyBucketsResult"));
    }
    let buckets: Vec<Value> = root
        .child("Buckets")
        .map(|list| {
            list.children
                .iter()
                .filter(|b| b.name == "Bucket")
                .map(Node::leaves)
                .collect()
        })
        .unwrap_or_default();
    let truncated = root
        .leaf("IsTruncated")
        .is_some_and(|t| t.eq_ignore_ascii_case("true"));
    let next_marker = truncated
        .then(|| {
            root.leaf("NextMarker").map(str::to_owned).or_else(|| {
                buckets
                    .last()
                    .and_then(|b| b.get("Name")?.as_str().map(str::to_owned))
            })
        })
        .flatten();
    if truncated && next_marker.is_none() {
        return Err(decode("a truncated page without NextMarker or buckets"));
    }
    Ok(BucketPage {
        buckets,
        next_marker,
    })
}

/// The fields of a COS `<Error>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CosError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
}

/// Reads an `<Error>` document; `None` when the body is not one (a gateway page, nothing).
pub(crate) fn error(body: &[u8]) -> Option<CosError> {
    let root = parse(body).ok()?;
    if root.name != "Error" {
        return None;
    }
    Some(CosError {
        code: root.leaf("Code")?.to_owned(),
        message: root.leaf("Message").unwrap_or_default().to_owned(),
        request_id: root.leaf("RequestId").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The response sample of COS's GET Service page, with paging fields added.
    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult>
  <Owner>
    <ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
    <DisplayName>100000000001</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>examplebucket1-1250000000</Name>
      <Location>ap-beijing</Location>
      <CreationDate>2019-05-24T11:49:50Z</CreationDate>
      <BucketType>cos</BucketType>
    </Bucket>
    <Bucket>
      <Name>examplebucket2-1250000000</Name>
      <Location>ap-guangzhou</Location>
      <CreationDate>2019-05-24T11:51:50Z</CreationDate>
      <BucketType>cos</BucketType>
    </Bucket>
  </Buckets>
  <IsTruncated>true</IsTruncated>
  <NextMarker>examplebucket2-1250000000</NextMarker>
</ListAllMyBucketsResult>"#;

    #[test]
    fn buckets_keep_every_leaf_and_a_truncated_page_names_its_successor() {
        let page = bucket_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.buckets.len(), 2);
        assert_eq!(
            page.buckets[0],
            json!({"Name": "examplebucket1-1250000000", "Location": "ap-beijing",
                   "CreationDate": "2019-05-24T11:49:50Z", "BucketType": "cos"})
        );
        assert_eq!(
            page.next_marker.as_deref(),
            Some("examplebucket2-1250000000")
        );
    }

    #[test]
    fn an_untruncated_or_empty_listing_ends_and_a_missing_marker_falls_back_to_the_last_name() {
        let last = PAGE.replace("<IsTruncated>true", "<IsTruncated>false");
        assert_eq!(bucket_page(last.as_bytes()).unwrap().next_marker, None);
        let empty = "<ListAllMyBucketsResult><Owner/><Buckets/></ListAllMyBucketsResult>";
        let page = bucket_page(empty.as_bytes()).unwrap();
        assert!(page.buckets.is_empty() && page.next_marker.is_none());
        let unmarked = PAGE.replace(
            "<NextMarker>examplebucket2-1250000000</NextMarker>",
            "<NextMarker/>",
        );
        assert_eq!(
            bucket_page(unmarked.as_bytes())
                .unwrap()
                .next_marker
                .as_deref(),
            Some("examplebucket2-1250000000")
        );
    }

    #[test]
    fn other_documents_are_decode_errors_that_do_not_quote_the_body() {
        for bad in [
            "<Other>secret-ish</Other>",
            "<ListAllMyBucketsResult><Buckets>",
            "",
            "<ListAllMyBucketsResult><IsTruncated>true</IsTruncated></ListAllMyBucketsResult>",
        ] {
            let err = bucket_page(bad.as_bytes()).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{bad}");
            assert!(!err.to_string().contains("secret-ish"));
        }
    }

    #[test]
    fn nesting_past_the_limit_is_a_decode_error_not_a_stack_overflow() {
        let nested = |depth: usize, leaf: &str| {
            let inner = format!(
                "{}{leaf}{}",
                "<a>".repeat(depth - 1),
                "</a>".repeat(depth - 1)
            );
            format!("<ListAllMyBucketsResult>{inner}<Buckets/></ListAllMyBucketsResult>")
        };
        assert!(bucket_page(nested(MAX_DEPTH, "x").as_bytes()).is_ok());
        for body in [
            nested(MAX_DEPTH + 1, "x"),
            nested(MAX_DEPTH, "<b/>"),
            nested(4000, "x"),
        ] {
            let err = bucket_page(body.as_bytes()).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
            assert!(err.message().contains("deeper than 64 levels"), "{err}");
        }
        let deep_error = format!("<Error><Code>X</Code>{}</Error>", "<a>".repeat(4000));
        assert_eq!(error(deep_error.as_bytes()), None);
    }

    #[test]
    fn error_documents_give_code_message_and_request_id() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>SignatureDoesNotMatch</Code>\n\t<Message>The calculated signature does not match.</Message>\n\t<Resource>service.cos.myqcloud.com/</Resource>\n\t<RequestId>NjQ2YjA0</RequestId>\n\t<TraceId>OGVmYzZiMmQ</TraceId>\n</Error>";
        assert_eq!(
            error(body.as_bytes()),
            Some(CosError {
                code: "SignatureDoesNotMatch".into(),
                message: "The calculated signature does not match.".into(),
                request_id: Some("NjQ2YjA0".into()),
            })
        );
        assert_eq!(error(b"<html>bad gateway</html>"), None);
        assert_eq!(error(b"<Error><Message>no code</Message></Error>"), None);
    }
}
