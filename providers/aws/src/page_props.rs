//! Property tests of every AWS page parser, from the response body to the listed items:
//! generated pages give exactly their items and token; a page without its list, a document
//! of another kind, a cut body or an arbitrary body is an error, never an empty page; no
//! edit of a valid page panics, and a one-byte edit that still parses keeps every item.
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-aws page_props`
//! for the long run (docs/testing.md).

#[path = "../../../testdata/props/mutation.rs"]
mod mutation;

use bytes::Bytes;
use proptest::prelude::*;
use serde_json::Value;

use multicloud_core::transport::HttpResponse;
use multicloud_core::{ErrorKind, Result};

use crate::buckets::listed_buckets;
use crate::client::decode;
use crate::hosts::hosts_from_page;
use crate::resources::{
    ec2_page, listed_load_balancers, rds_page, users_page, Ec2Listing, SECURITY_GROUPS, SNAPSHOTS,
    VOLUMES, VPCS,
};
use crate::wire::xml::{XmlLists, EC2_LISTS, QUERY_LISTS, RDS_LISTS, S3_LISTS};
use mutation::{apply, content_len, is_single_byte, mutation, Mutation};

/// One listed item as generated.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    name: String,
    tags: Vec<(String, String)>,
    /// Written as CDATA instead of escaped text.
    cdata: bool,
}

/// One generated page: its items, its token and how it is laid out.
#[derive(Debug, Clone)]
struct Doc {
    items: Vec<Entry>,
    token: Option<String>,
    /// An XML declaration, newlines and indentation between elements.
    pretty: bool,
    /// Where EC2 reservations start (bit i: item i opens a new reservation), and whether an
    /// empty reservation is added.
    splits: Vec<bool>,
    empty_reservation: bool,
}

/// Text with every XML-special character, and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9&<>\"'Ω:/._-]{1,16}"
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        text(),
        text(),
        prop::collection::vec((text(), "[ -~]{0,8}"), 0..3),
        prop::bool::weighted(0.125),
    )
        .prop_map(|(id, name, tags, cdata)| Entry {
            id,
            name,
            tags,
            cdata,
        })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec(entry(), 0..8),
        prop::option::of("[a-zA-Z0-9+/=]{1,24}"),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 8),
        any::<bool>(),
    )
        .prop_map(|(items, token, pretty, splits, empty_reservation)| Doc {
            items,
            token,
            pretty,
            splits,
            empty_reservation,
        })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// `<name>value</name>`, the value escaped or as CDATA.
fn leaf(name: &str, value: &str, cdata: bool) -> String {
    if cdata && !value.contains("]]>") {
        format!("<{name}><![CDATA[{value}]]></{name}>")
    } else {
        format!("<{name}>{}</{name}>", esc(value))
    }
}

/// How one AWS listing's page looks and is read.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Instances,
    Ec2 {
        action: &'static str,
        listing: Ec2Listing,
        list_key: &'static str,
        id_field: &'static str,
    },
    Rds,
    LoadBalancers,
    Users,
    Buckets,
}

const SHAPES: [Shape; 9] = [
    Shape::Instances,
    Shape::Ec2 {
        action: "DescribeVpcs",
        listing: VPCS,
        list_key: "vpcSet",
        id_field: "vpcId",
    },
    Shape::Ec2 {
        action: "DescribeSecurityGroups",
        listing: SECURITY_GROUPS,
        list_key: "securityGroupInfo",
        id_field: "groupId",
    },
    Shape::Ec2 {
        action: "DescribeVolumes",
        listing: VOLUMES,
        list_key: "volumeSet",
        id_field: "volumeId",
    },
    Shape::Ec2 {
        action: "DescribeSnapshots",
        listing: SNAPSHOTS,
        list_key: "snapshotSet",
        id_field: "snapshotId",
    },
    Shape::Rds,
    Shape::LoadBalancers,
    Shape::Users,
    Shape::Buckets,
];

impl Shape {
    /// (api, root element, list conventions).
    fn call(self) -> (&'static str, String, XmlLists) {
        match self {
            Shape::Instances => (
                "ec2:DescribeInstances",
                "DescribeInstancesResponse".into(),
                EC2_LISTS,
            ),
            Shape::Ec2 { action, .. } => ("ec2:Describe", format!("{action}Response"), EC2_LISTS),
            Shape::Rds => (
                "rds:DescribeDBInstances",
                "DescribeDBInstancesResponse".into(),
                RDS_LISTS,
            ),
            Shape::LoadBalancers => (
                "elasticloadbalancing:DescribeLoadBalancers",
                "DescribeLoadBalancersResponse".into(),
                QUERY_LISTS,
            ),
            Shape::Users => ("iam:ListUsers", "ListUsersResponse".into(), QUERY_LISTS),
            Shape::Buckets => (
                "s3:ListAllMyBuckets",
                "ListAllMyBucketsResult".into(),
                S3_LISTS,
            ),
        }
    }

    /// The page as AWS sends it; without its list element when `with_list` is false.
    fn render(self, doc: &Doc, with_list: bool) -> String {
        let nl = if doc.pretty { "\n  " } else { "" };
        let join = |parts: Vec<String>| parts.join(nl);
        let ec2_tags = |e: &Entry| {
            if e.tags.is_empty() {
                return String::new();
            }
            let tags: Vec<String> = e
                .tags
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<item>{}{}</item>",
                        leaf("key", k, false),
                        leaf("value", v, false)
                    )
                })
                .collect();
            format!("<tagSet>{}</tagSet>", tags.concat())
        };
        let (_, root, _) = self.call();
        let token = |name: &str| {
            doc.token
                .as_deref()
                .map(|t| leaf(name, t, false))
                .unwrap_or_default()
        };
        let body = match self {
            Shape::Instances => {
                let mut reservations: Vec<Vec<String>> = Vec::new();
                for (i, e) in doc.items.iter().enumerate() {
                    let item = join(vec![
                        "<item>".into(),
                        leaf("instanceId", &e.id, e.cdata),
                        "<instanceState><code>16</code><name>running</name></instanceState>".into(),
                        "<privateIpAddress>10.0.0.1</privateIpAddress>".into(),
                        ec2_tags(e),
                        "<unknownField>x</unknownField></item>".into(),
                    ]);
                    match reservations.last_mut() {
                        Some(r) if !doc.splits[i % doc.splits.len()] => r.push(item),
                        _ => reservations.push(vec![item]),
                    }
                }
                let mut list: Vec<String> = reservations
                    .into_iter()
                    .map(|r| {
                        format!(
                            "<item><reservationId>r-1</reservationId><instancesSet>{}</instancesSet></item>",
                            join(r)
                        )
                    })
                    .collect();
                if doc.empty_reservation {
                    list.push(
                        "<item><reservationId>r-0</reservationId><instancesSet/></item>".into(),
                    );
                }
                let list = format!("<reservationSet>{}</reservationSet>", join(list));
                join(vec![
                    "<requestId>req-1</requestId>".into(),
                    if with_list { list } else { String::new() },
                    token("nextToken"),
                ])
            }
            Shape::Ec2 {
                list_key, id_field, ..
            } => {
                let items: Vec<String> = doc
                    .items
                    .iter()
                    .map(|e| {
                        let name = if id_field == "groupId" {
                            leaf("groupName", &e.name, e.cdata)
                        } else {
                            String::new()
                        };
                        format!(
                            "<item>{}{name}{}</item>",
                            leaf(id_field, &e.id, e.cdata),
                            ec2_tags(e)
                        )
                    })
                    .collect();
                let list = format!("<{list_key}>{}</{list_key}>", join(items));
                join(vec![
                    "<requestId>req-1</requestId>".into(),
                    if with_list { list } else { String::new() },
                    token("nextToken"),
                ])
            }
            Shape::Rds | Shape::LoadBalancers | Shape::Users => {
                let (action, list_key) = match self {
                    Shape::Rds => ("DescribeDBInstances", "DBInstances"),
                    Shape::LoadBalancers => ("DescribeLoadBalancers", "LoadBalancers"),
                    _ => ("ListUsers", "Users"),
                };
                let items: Vec<String> = doc
                    .items
                    .iter()
                    .map(|e| match self {
                        Shape::Rds => {
                            let tags: Vec<String> = e
                                .tags
                                .iter()
                                .map(|(k, v)| format!("<Tag>{}{}</Tag>", leaf("Key", k, false), leaf("Value", v, false)))
                                .collect();
                            format!(
                                "<DBInstance>{}<DBInstanceStatus>available</DBInstanceStatus><TagList>{}</TagList></DBInstance>",
                                leaf("DBInstanceIdentifier", &e.id, e.cdata),
                                tags.concat()
                            )
                        }
                        Shape::LoadBalancers => format!(
                            "<member>{}{}</member>",
                            leaf("LoadBalancerArn", &e.id, e.cdata),
                            leaf("LoadBalancerName", &e.name, false)
                        ),
                        _ => format!(
                            "<member>{}{}<Path>/</Path></member>",
                            leaf("UserName", &e.name, false),
                            leaf("UserId", &e.id, e.cdata)
                        ),
                    })
                    .collect();
                let list = format!("<{list_key}>{}</{list_key}>", join(items));
                let tail = match self {
                    Shape::Rds => token("Marker"),
                    Shape::LoadBalancers => token("NextMarker"),
                    _ => format!(
                        "<IsTruncated>{}</IsTruncated>{}",
                        doc.token.is_some(),
                        token("Marker")
                    ),
                };
                format!(
                    "<{action}Result>{}</{action}Result>{nl}<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>",
                    join(vec![if with_list { list } else { String::new() }, tail])
                )
            }
            Shape::Buckets => {
                let items: Vec<String> = doc
                    .items
                    .iter()
                    .map(|e| {
                        format!(
                            "<Bucket>{}<CreationDate>2024-01-01T00:00:00.000Z</CreationDate><BucketRegion>eu-west-1</BucketRegion></Bucket>",
                            leaf("Name", &e.id, e.cdata)
                        )
                    })
                    .collect();
                let list = format!("<Buckets>{}</Buckets>", join(items));
                join(vec![
                    "<Owner><ID>owner-1</ID></Owner>".into(),
                    if with_list { list } else { String::new() },
                    token("ContinuationToken"),
                ])
            }
        };
        let decl = if doc.pretty {
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        } else {
            ""
        };
        format!("{decl}<{root} xmlns=\"http://example.amazonaws.com/doc/\">{nl}{body}\n</{root}>\n")
    }

    /// Reads a body the way the listing does: the answer check, then the page's items.
    fn read(self, body: &[u8]) -> Result<(Vec<String>, Option<String>)> {
        let (api, root, lists) = self.call();
        let response = HttpResponse::new(
            http::StatusCode::OK,
            http::HeaderMap::new(),
            Bytes::copy_from_slice(body),
        );
        let doc: Value = decode(&response, api, "eu-west-1", &root, lists)?.doc;
        let ids = |r: Vec<multicloud_core::CloudResource>| r.into_iter().map(|r| r.id).collect();
        Ok(match self {
            Shape::Instances => {
                let (hosts, next) = hosts_from_page(doc, "eu-west-1")?;
                (hosts.into_iter().map(|h| h.id).collect(), next)
            }
            Shape::Ec2 { listing, .. } => {
                let (r, next) = ec2_page(doc, "eu-west-1", listing)?;
                (ids(r), next)
            }
            Shape::Rds => {
                let (r, next) = rds_page(doc, "eu-west-1")?;
                (ids(r), next)
            }
            Shape::LoadBalancers => {
                let (listed, next) = listed_load_balancers(doc)?;
                (
                    listed
                        .into_iter()
                        .map(|(lb, _)| lb.load_balancer_arn)
                        .collect(),
                    next,
                )
            }
            Shape::Users => {
                let (r, next) = users_page(doc)?;
                (ids(r), next)
            }
            Shape::Buckets => {
                let (listed, next) = listed_buckets(doc)?;
                (listed.into_iter().map(|(b, _)| b.name).collect(), next)
            }
        })
    }
}

/// Documents that are not the page asked for.
fn impostor() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<!DOCTYPE html><html><head><title>Login</title></head><body><p>portal</p></body></html>".to_owned()),
        Just("<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r</RequestID></Response>".to_owned()),
        Just("<ErrorResponse><Error><Code>Throttling</Code><Message>slow</Message></Error><RequestId>r</RequestId></ErrorResponse>".to_owned()),
        Just("<Error><Code>AccessDenied</Code><Message>no</Message></Error>".to_owned()),
        Just("<Response><Errors/></Response>".to_owned()),
        Just("{\"Response\":{\"RequestId\":\"r\"}}".to_owned()),
        Just(String::new()),
        // Another listing's valid answer.
        (0..SHAPES.len(), doc()).prop_map(|(i, d)| SHAPES[i].render(&d, true)),
    ]
}

proptest! {
    #[test]
    fn a_valid_page_yields_exactly_its_items_and_token(doc in doc()) {
        for shape in SHAPES {
            let body = shape.render(&doc, true);
            let (ids, next) = shape.read(body.as_bytes()).map_err(|e| {
                TestCaseError::fail(format!("{shape:?}: {e} in {body}"))
            })?;
            let want: Vec<&str> = doc.items.iter().map(|e| e.id.as_str()).collect();
            prop_assert_eq!(ids, want, "{:?}", shape);
            prop_assert_eq!(next, doc.token.clone(), "{:?}", shape);
        }
    }

    #[test]
    fn a_page_without_its_list_is_a_decode_error(doc in doc()) {
        for shape in SHAPES {
            let body = shape.render(&doc, false);
            let err = shape.read(body.as_bytes()).expect_err(&body);
            prop_assert_eq!(err.kind(), ErrorKind::Decode, "{:?}: {}", shape, err);
        }
    }

    #[test]
    fn another_document_is_an_error(body in impostor()) {
        for shape in SHAPES {
            let (_, root, _) = shape.call();
            if body.contains(&format!("<{root} ")) {
                continue; // the generated answer happens to be this listing's own
            }
            prop_assert!(shape.read(body.as_bytes()).is_err(), "{:?} read {}", shape, body);
        }
    }

    #[test]
    fn a_cut_page_is_an_error(doc in doc(), cut in any::<prop::sample::Index>()) {
        for shape in SHAPES {
            let body = shape.render(&doc, true);
            let at = cut.index(content_len(body.as_bytes()));
            prop_assert!(shape.read(&body.as_bytes()[..at]).is_err(), "{:?} cut at {}", shape, at);
        }
    }

    #[test]
    fn an_edited_page_never_panics_and_never_loses_items_silently(
        doc in doc(),
        edit in mutation(),
    ) {
        for shape in SHAPES {
            let body = apply(shape.render(&doc, true).as_bytes(), &edit);
            if let Ok((ids, _)) = shape.read(&body) {
                check_edit(&doc, &edit, ids.len(), shape, &body)?;
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        for shape in SHAPES {
            let _ = shape.read(&body).map(|(ids, _)| ids.len());
        }
    }
}

/// A page that still parses after `edit` never reads as empty unless it was, and after a
/// one-byte edit it has all its items. (Not with CDATA: one byte can end a CDATA section
/// later, so that it swallows the next item; the document then really has fewer.)
fn check_edit(
    doc: &Doc,
    edit: &Mutation,
    got: usize,
    shape: Shape,
    body: &[u8],
) -> std::result::Result<(), TestCaseError> {
    let want = doc.items.len();
    let shown = String::from_utf8_lossy(body);
    prop_assert!(
        got > 0 || want == 0,
        "{:?}: empty page from {}",
        shape,
        shown
    );
    if is_single_byte(edit) && !doc.items.iter().any(|e| e.cdata) {
        prop_assert_eq!(got, want, "{:?}: {:?} gave {}", shape, edit, shown);
    }
    Ok(())
}
