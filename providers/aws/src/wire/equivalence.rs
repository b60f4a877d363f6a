//! The streaming `DescribeInstances` parser ([`super::instances`]) against the general path it
//! replaced, kept as the oracle: XML → `serde_json::Value` ([`super::xml`]) → the items
//! ([`super::ec2::instances`]) → typed decode and `RawRecord` from the `Value`
//! ([`crate::hosts::hosts_from_page`]). On every generated page the streaming parser either
//! gives exactly the oracle's hosts, raw JSON text byte for byte, or declines (`None`), and
//! it never declines a page of the documented shape.

use proptest::prelude::*;

use multicloud_core::Host;

use super::instances::instances;
use super::xml::{parse, EC2_LISTS};
use crate::hosts::{host_from_view, hosts_from_page};

/// The golden page's region.
const REGION: &str = "eu-west-1";

type Outcome = multicloud_core::Result<(Vec<Host>, Option<String>)>;

fn oracle(body: &[u8]) -> Outcome {
    let (root, doc) = parse(body, EC2_LISTS)?;
    if root != "DescribeInstancesResponse" {
        return Err(multicloud_core::Error::decode("another document"));
    }
    hosts_from_page(doc, REGION)
}

fn streaming(body: &[u8]) -> Option<(Vec<Host>, Option<String>)> {
    instances(body, |i, raw| host_from_view(i, REGION, raw))
}

/// Asserts the two agree on `body`; returns whether the streaming parser read it.
fn agree(body: &[u8]) -> bool {
    let Some(fast) = streaming(body) else {
        return false;
    };
    let text = String::from_utf8_lossy(body);
    let slow = oracle(body).unwrap_or_else(|e| panic!("oracle refused what was read: {e}\n{text}"));
    assert_eq!(fast.1, slow.1, "{text}");
    assert_eq!(fast.0.len(), slow.0.len(), "{text}");
    for (a, b) in fast.0.iter().zip(&slow.0) {
        assert_eq!(a.raw.get(), b.raw.get(), "{text}");
        assert_eq!(a, b, "{text}");
    }
    true
}

/// Text as EC2 may send it: escapes, non-ASCII, blanks, characters JSON escapes.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("  ".to_owned()),
        Just("a &amp; b &lt;c&gt; &quot;q&quot; &apos;".to_owned()),
        Just("tab&#9;nl&#10;cr&#13;bs\\ slash/ ctl&#1;".to_owned()),
        Just("<![CDATA[<raw> & \"x\"]]>".to_owned()),
        Just("pre<![CDATA[mid]]>post".to_owned()),
        Just("éß 日本 😀".to_owned()),
        Just("10.0.1.12".to_owned()),
        Just("2600:1f18::1".to_owned()),
        Just("2025-03-01T08:00:00.000Z".to_owned()),
        Just("0".to_owned()),
        "[a-zA-Z0-9 ._-]{0,12}",
    ]
}

/// Element names: the typed view's fields and others, lists, EC2's member name.
const NAMES: &[&str] = &[
    "item",
    "instanceId",
    "instanceState",
    "name",
    "code",
    "instanceType",
    "placement",
    "availabilityZone",
    "privateIpAddress",
    "ipAddress",
    "ipv6Address",
    "networkInterfaceSet",
    "privateIpAddressesSet",
    "ipv6AddressesSet",
    "association",
    "publicIp",
    "attachment",
    "attachTime",
    "deviceIndex",
    "platform",
    "platformDetails",
    "vpcId",
    "launchTime",
    "tagSet",
    "key",
    "value",
    "groupSet",
    "Zeta",
    "a",
    "ec2:prefixed",
];

/// One element: a name and either text or children (`<x/>` when both are empty).
fn element() -> impl Strategy<Value = String> {
    let leaf = (prop::sample::select(NAMES), text(), any::<bool>()).prop_map(|(n, t, empty)| {
        if t.is_empty() && empty {
            format!("<{n}/>")
        } else {
            format!("<{n}>{t}</{n}>")
        }
    });
    leaf.prop_recursive(4, 40, 6, |inner| {
        (
            prop::sample::select(NAMES),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(n, children)| format!("<{n}>{}</{n}>", children.concat()))
    })
}

/// An instance: usually an id and the mapped fields in their documented shapes, plus random
/// elements (which may repeat or reshape any of them).
fn instance() -> impl Strategy<Value = String> {
    (
        "i-[0-9a-f]{4}",
        prop::collection::vec(element(), 0..8),
        prop::sample::select(&["running", "stopped", "shutting-down", "odd"][..]),
        any::<bool>(),
    )
        .prop_map(|(id, extra, state, regular)| {
            let mut out = format!("<item><instanceId>{id}</instanceId>");
            if regular {
                out.push_str(&format!(
                    "<instanceState><code>16</code><name>{state}</name></instanceState>\
                     <placement><availabilityZone>us-east-1a</availabilityZone></placement>\
                     <networkInterfaceSet><item><privateIpAddress>10.0.0.1</privateIpAddress>\
                     <attachment><attachTime>2024-12-24T10:00:00Z</attachTime><deviceIndex>0</deviceIndex></attachment>\
                     <privateIpAddressesSet><item><privateIpAddress>10.0.0.2</privateIpAddress>\
                     <association><publicIp>3.3.3.3</publicIp></association></item></privateIpAddressesSet>\
                     <ipv6AddressesSet/></item></networkInterfaceSet>\
                     <tagSet><item><key>Name</key><value>web &amp; {id}</value></item></tagSet>"
                ));
            }
            out.push_str(&extra.concat());
            out.push_str("</item>");
            out
        })
}

/// A page: reservations of instances, optional token and request id, around the items.
fn page() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::collection::vec(instance(), 0..4), 0..4),
        prop::option::of(text()),
        any::<bool>(),
    )
        .prop_map(|(reservations, token, request_id)| {
            let mut out = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse \
                 xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">",
            );
            if request_id {
                out.push_str("<requestId>r-1</requestId>");
            }
            out.push_str("<reservationSet>");
            for items in reservations {
                out.push_str("<item><reservationId>r-0</reservationId><groupSet/><instancesSet>");
                out.push_str(&items.concat());
                out.push_str("</instancesSet></item>");
            }
            out.push_str("</reservationSet>");
            if let Some(token) = token {
                out.push_str(&format!("<nextToken>{token}</nextToken>"));
            }
            out.push_str("</DescribeInstancesResponse>");
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn streaming_pages_equal_the_value_path(body in page()) {
        agree(body.as_bytes());
    }

    #[test]
    fn pages_of_the_documented_shape_are_always_read(
        items in prop::collection::vec("i-[0-9a-f]{6}", 0..20),
        token in prop::option::of("[A-Za-z0-9=]{1,20}"),
    ) {
        let body = format!(
            "<DescribeInstancesResponse><reservationSet><item><instancesSet>{}</instancesSet>\
             </item></reservationSet>{}</DescribeInstancesResponse>",
            items.iter().map(|id| format!(
                "<item><instanceId>{id}</instanceId><instanceState><name>running</name>\
                 </instanceState><tagSet/></item>"
            )).collect::<String>(),
            token.map(|t| format!("<nextToken>{t}</nextToken>")).unwrap_or_default(),
        );
        prop_assert!(agree(body.as_bytes()), "declined {body}");
    }
}

#[test]
fn the_pinned_page_is_read_by_the_streaming_parser() {
    use crate::wire::golden::{check, fixture};
    let body = fixture("describe_instances.xml");
    assert!(agree(&body));
    let page = streaming(&body).unwrap();
    assert_eq!(page.0.len(), 6);
    check("describe_instances.hosts.json", &page);
}

#[test]
fn odd_and_foreign_documents_are_declined_and_left_to_the_general_path() {
    for body in [
        // Errors and other answers.
        "<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>",
        "<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>",
        // Malformed, truncated, two roots.
        "<DescribeInstancesResponse><reservationSet>",
        "<DescribeInstancesResponse></reservationSet>",
        "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse><x/>",
        // Shapes the general path refuses or reads unusually.
        "<DescribeInstancesResponse></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet>junk</reservationSet></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet/><reservationSet/></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet><item><x/></item></reservationSet></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>i</item>\
         </instancesSet></item></reservationSet></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>a\
         </instanceId><instanceId>b</instanceId></item></instancesSet></item></reservationSet>\
         </DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet/><nextToken><a/></nextToken></DescribeInstancesResponse>",
    ] {
        assert!(streaming(body.as_bytes()).is_none(), "{body}");
    }
    // Nesting: the same limit as the general converter, counted from the root.
    let deep = |n: usize| {
        format!(
            "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>\
             <instanceId>i</instanceId>{}x{}</item></instancesSet></item></reservationSet>\
             </DescribeInstancesResponse>",
            "<a>".repeat(n),
            "</a>".repeat(n)
        )
    };
    let limit = multicloud_core::nesting::MAX_DEPTH - 5;
    assert!(agree(deep(limit).as_bytes()));
    assert!(streaming(deep(limit + 1).as_bytes()).is_none());
    assert!(oracle(deep(limit + 1).as_bytes()).is_err());
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let every_ascii: String = (0u8..0x80).map(char::from).collect();
    for text in [&every_ascii, "", "plain", "é 日本 😀 \u{2028}", "\"\\\"\\"] {
        let mut out = String::new();
        super::item::json_string(&mut out, text);
        assert_eq!(out, serde_json::to_string(text).unwrap());
    }
}

#[test]
fn the_escape_test_finds_every_byte_json_escapes_at_every_position() {
    for len in 1..20 {
        for at in 0..len {
            for b in 0u8..0x80 {
                let mut text = vec![b'a'; len];
                text[at] = b;
                let text = String::from_utf8(text).unwrap();
                let mut out = String::new();
                super::item::json_string(&mut out, &text);
                assert_eq!(out, serde_json::to_string(&text).unwrap(), "{len} {at} {b}");
            }
        }
    }
}

#[test]
fn items_sharing_a_shape_are_written_as_items_of_their_own() {
    // Items with the same nine children in the same order (the writer reuses their order),
    // then the same keys with a long name that shares the first 16 bytes of another, a
    // repeated name, other values in another order, and whitespace around every element.
    let item = |id: &str, long: &str, extra: &str| {
        format!(
            "<item>\n  <vpcId>v-{id}</vpcId><instanceId>{id}</instanceId><zeta>z</zeta>\
             <alpha>&lt;{id}&gt;</alpha><{long}>1</{long}><beta/><gamma>g</gamma>\
             <delta>d</delta><instanceType>t3</instanceType>{extra}\n</item>\n"
        )
    };
    let items = [
        item("i-1", "privateIpAddress", ""),
        item("i-2", "privateIpAddress", ""),
        item("i-3", "privateIpAddressesSet", ""),
        item("i-4", "privateIpAddress", "<alpha>again</alpha>"),
        item(
            "i-5",
            "privateIpAddressesSet",
            "<privateIpAddress>10.0.0.9</privateIpAddress>",
        ),
        item("i-6", "privateIpAddress", ""),
    ];
    let body = format!(
        "<DescribeInstancesResponse>\n <reservationSet>\n  <item><instancesSet>\n{}\
         </instancesSet></item>\n </reservationSet>\n</DescribeInstancesResponse>\n",
        items.concat()
    );
    assert!(agree(body.as_bytes()), "declined {body}");
    let (hosts, _) = streaming(body.as_bytes()).unwrap();
    assert_eq!(
        hosts[2].raw.get(),
        r#"{"alpha":"<i-3>","beta":"","delta":"d","gamma":"g","instanceId":"i-3","instanceType":"t3","privateIpAddressesSet":"1","vpcId":"v-i-3","zeta":"z"}"#
    );
    assert_eq!(hosts[5].raw.get(), hosts[0].raw.get().replace("i-1", "i-6"));
}

/// Texts a replayed item may hold where its skeleton had text (or none): mostly [`text`],
/// sometimes markup the skeleton does not have (a comment, CDATA, a tag), or `>`.
fn hole() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => text(),
        1 => Just("a > b ]]> c".to_owned()),
        1 => Just("x<!-- note -->y".to_owned()),
        1 => Just("<![CDATA[cd]]>".to_owned()),
        1 => Just("<extra>e</extra>".to_owned()),
        1 => Just("\n    ".to_owned()),
    ]
}

/// Marks where an item of a shape takes its next text.
const HOLE: char = '\u{1}';

/// Names of the random elements of a shape: none of the typed view's fields (which would
/// mostly make the page declined), names longer than 16 bytes, a prefix.
const SHAPE_NAMES: &[&str] = &[
    "item",
    "code",
    "key",
    "value",
    "groupSet",
    "Zeta",
    "a",
    "ec2:prefixed",
    "networkInterfaceId",
    "blockDeviceMappingSet",
    "aVeryLongElementNameOfTheItem",
];

/// The markup of an item with a [`HOLE`] for each text: maybe the typed view's fields, then
/// random elements, some written `<x/>` or `<x></x>` or with an attribute, texts between
/// children too.
fn shape() -> impl Strategy<Value = String> {
    let leaf = (prop::sample::select(SHAPE_NAMES), 0..4u8).prop_map(move |(n, form)| match form {
        0 => format!("<{n}/>"),
        1 => format!("<{n}></{n}>"),
        2 => format!("<{n} kind=\"k\">{HOLE}</{n}>"),
        _ => format!("<{n}>{HOLE}</{n}>"),
    });
    let random = leaf.prop_recursive(3, 24, 4, move |inner| {
        (
            prop::sample::select(SHAPE_NAMES),
            prop::collection::vec(inner, 0..4),
            any::<bool>(),
        )
            .prop_map(move |(n, children, mixed)| {
                let between = if mixed {
                    HOLE.to_string()
                } else {
                    String::new()
                };
                format!("<{n}>{}{between}</{n}  >", children.join(&between))
            })
    });
    (any::<bool>(), prop::collection::vec(random, 0..5)).prop_map(|(typed, random)| {
        let h = HOLE;
        let typed = if typed {
            format!(
                "<instanceState><code>16</code><name>{h}</name></instanceState>\
                 <placement><availabilityZone>{h}</availabilityZone></placement>\
                 <networkInterfaceSet><item><privateIpAddress>{h}</privateIpAddress>\
                 <attachment><attachTime>{h}</attachTime><deviceIndex>{h}</deviceIndex>\
                 </attachment><association><publicIp>{h}</publicIp></association></item>\
                 </networkInterfaceSet><tagSet><item><key>{h}</key><value>{h}</value></item>\
                 </tagSet><launchTime>{h}</launchTime>"
            )
        } else {
            String::new()
        };
        typed + &random.concat()
    })
}

/// A page of items of a few shapes (most items repeat an earlier one's markup), their texts
/// drawn apart, in one or several reservations.
fn repeating_page() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(shape(), 1..4),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::collection::vec(hole(), 48),
            ),
            1..14,
        ),
        any::<bool>(),
    )
        .prop_map(|(shapes, items, split)| {
            let mut out =
                String::from("<DescribeInstancesResponse><reservationSet><item><instancesSet>");
            for (n, (shape, texts)) in items.iter().enumerate() {
                let mut texts = texts.iter();
                let mut filled = String::new();
                for (i, piece) in shape.get(&shapes).split(HOLE).enumerate() {
                    if i > 0 {
                        filled.push_str(texts.next().map_or("", String::as_str));
                    }
                    filled.push_str(piece);
                }
                out.push_str(&format!(
                    "<item><instanceId>i-{n}</instanceId>{filled}</item>"
                ));
                if split && n % 3 == 2 {
                    out.push_str("</instancesSet></item><item><instancesSet>");
                }
            }
            out.push_str("</instancesSet></item></reservationSet></DescribeInstancesResponse>");
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Items replayed from a skeleton read exactly as tokenized ones (hosts, raw text, or
    /// the page declined alike), and as the general path reads them.
    #[test]
    fn replayed_items_equal_tokenized_ones_and_the_value_path(body in repeating_page()) {
        let fast = streaming(body.as_bytes());
        let slow = super::instances::tokenized(body.as_bytes(), |i, raw| host_from_view(i, REGION, raw));
        prop_assert_eq!(fast.is_some(), slow.is_some(), "{}", body);
        if let (Some(fast), Some(slow)) = (fast, slow) {
            prop_assert_eq!(&fast, &slow, "{}", body);
            for (a, b) in fast.0.iter().zip(&slow.0) {
                prop_assert_eq!(a.raw.get(), b.raw.get(), "{}", body);
            }
        }
        agree(body.as_bytes());
    }
}

#[test]
fn items_repeating_markup_are_replayed_and_others_tokenized() {
    let item = |id: &str, name: &str, middle: &str| {
        format!(
            "<item><instanceId>{id}</instanceId><instanceState><code>16</code><name>{name}\
             </name></instanceState><tagSet><item><key>Name</key><value>v &amp; w</value>\
             </item></tagSet>{middle}<privateIpAddressesSet/><ec2:prefixed a=\"1\">p\
             </ec2:prefixed></item>"
        )
    };
    let items = [
        item("i-1", "running", ""),
        // The same markup, other texts (or text where the first had none): replayed.
        item("i-2", "stopped <x>", ""),
        item("i-3", "", ""),
        item("i-4", "running", " "),
        // A comment, a CDATA section: tokenized, and not kept as skeletons.
        item("i-5", "running", "<!-- c -->"),
        item("i-6", "<![CDATA[cd]]>", ""),
        // Another element (a long name): tokenized, then its markup is a skeleton too.
        item("i-7", "running", "<networkInterfaceSet/>"),
        item("i-8", "shutting-down", "<networkInterfaceSet/>"),
        item("i-9", "running", ""),
    ]
    .concat()
    .replace("<x>", "&lt;x&gt;");
    let body = format!(
        "<DescribeInstancesResponse><reservationSet><item><instancesSet>{items}\
         </instancesSet></item></reservationSet></DescribeInstancesResponse>"
    );
    assert!(agree(body.as_bytes()), "declined {body}");
    assert_eq!(super::instances::replayed(body.as_bytes()), Some(5));
    let (hosts, _) = streaming(body.as_bytes()).unwrap();
    let unescaped = multicloud_core::HostState::Other("stopped <x>".to_owned());
    assert_eq!(hosts[1].state, unescaped);
    assert_eq!(
        hosts[2].raw.get(),
        hosts[0]
            .raw
            .get()
            .replace("i-1", "i-3")
            .replace("running", "")
    );
    // An unresolved reference in a replayed item declines the page, as tokenized.
    let bad = body.replace("i-2</instanceId>", "i-2&bogus;</instanceId>");
    assert!(streaming(bad.as_bytes()).is_none());
}

#[test]
fn an_item_is_matched_against_every_skeleton_sharing_the_tags_it_matched() {
    let page = |items: &[&str]| {
        let items: String = (items.iter().enumerate())
            .map(|(n, rest)| format!("<item><instanceId>i-{n}</instanceId><a>x</a>{rest}</item>"))
            .collect();
        format!(
            "<DescribeInstancesResponse><reservationSet><item><instancesSet>{items}\
             </instancesSet></item></reservationSet></DescribeInstancesResponse>"
        )
    };
    // Three skeletons sharing their first tags; items failing them all at the same tag
    // (tokenized, kept as a fourth), or matching the first or the last after the others.
    let body = page(&[
        "<b/>",
        "<c>1</c>",
        "<d/><e/>",
        "<f/>",
        "<b/>",
        "<d/><e/>",
        "<d/>",
        "<c>2</c><g/>",
    ]);
    assert!(agree(body.as_bytes()), "declined {body}");
    // The last two: no skeleton ends after `<d/>`; `<c>` matches and `<g/>` is tokenized.
    assert_eq!(super::instances::replayed(body.as_bytes()), Some(3));
}
