//! `DescribeInstances` pages in one streaming pass: each `instancesSet/item` is read into a
//! flat, reused arena of slices borrowed from the body, then written out as its raw JSON text
//! and read into the typed [`Instance`] view, with no `serde_json::Value` tree.
//!
//! The output is exactly what the general converter ([`super::xml`]) followed by
//! [`super::ec2::instances`] and a typed decode gives for the same body, by the same rules:
//! lists as [`super::xml`] describes them, object keys in byte order (a `serde_json::Map` is
//! sorted), repeated names merged into one array, serde_json's compact writing and string
//! escapes. One item is buffered because its keys are written sorted.
//!
//! Only the documented page shape is read here. A document that is not a
//! `DescribeInstancesResponse` (an error, another answer), is malformed, or has a shape the
//! general path would refuse or read in an unusual way (a repeated `reservationSet`, an item
//! that is not an element with children, a field of the typed view that is not text, ...)
//! yields `None`, and the caller decodes it with the general converter, which gives the
//! page, or the error, exactly as before.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::events::Event;
use quick_xml::Reader;

use multicloud_core::nesting::MAX_DEPTH;
use multicloud_core::RawRecord;

use super::ec2::{
    Association, Attachment, Instance, InstanceState, Ipv6, NetworkInterface, Placement, PrivateIp,
};
use super::item::{append, key_at, Arena, Keys, ITEM, NONE};
use super::Ec2Tag;

/// The root element of a page.
const ROOT: &str = "DescribeInstancesResponse";

/// The hosts (or whatever `map` makes of each instance) of one `DescribeInstances` body and
/// its `nextToken` as sent, or `None` when the body must go through the general converter.
pub(crate) fn instances<H>(
    body: &[u8],
    mut map: impl FnMut(&Instance<'_>, RawRecord) -> H,
) -> Option<(Vec<H>, Option<String>)> {
    // Checked once, so names and texts are cut from it as `str` without checking each.
    let text = std::str::from_utf8(body).ok()?;
    // Text is trimmed here, as `trim_text(true)` would trim it (a chunk of XML whitespace
    // only is no text).
    let mut reader = Reader::from_reader(body);
    let mut page = Page::default();
    let mut out = Vec::new();
    loop {
        let Ok(event) = reader.read_event() else {
            return None;
        };
        // Matched by reference: the event's parts are not moved.
        match &event {
            Event::Start(start) => page.open(local_name(text, start.name().into_inner())?)?,
            Event::Empty(start) => {
                page.open(local_name(text, start.name().into_inner())?)?;
                page.close(&mut map, &mut out)?;
            }
            Event::End(_) => page.close(&mut map, &mut out)?,
            Event::Text(chunk) => {
                let raw = trim(slice_of(text, chunk)?);
                if !raw.is_empty() {
                    page.text(unescape(raw)?);
                }
            }
            Event::CData(data) => page.text(Cow::Borrowed(slice_of(text, data)?)),
            Event::Eof => break,
            _ => {}
        }
    }
    if !page.roles.is_empty() || !page.root_closed {
        return None;
    }
    Some((out, page.token.map(Cow::into_owned)))
}

/// `part`, a slice of the body the reader borrowed, as a slice of the body's text (the
/// reader borrows every event from the body; anything else is not the page's).
fn slice_of<'a>(text: &'a str, part: &[u8]) -> Option<&'a str> {
    let offset = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(offset..offset.checked_add(part.len())?)
}

/// `text` without XML whitespace at either end.
fn trim(text: &str) -> &str {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = text.as_bytes();
    let Some(first) = bytes.iter().position(|b| !space(b)) else {
        return "";
    };
    let last = bytes.iter().rposition(|b| !space(b)).unwrap_or(first);
    // Both ends are next to ASCII bytes (or the text's ends): character boundaries.
    text.get(first..=last).unwrap_or(text)
}

/// `raw` unescaped, borrowed when it holds no reference (most texts).
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    if raw.bytes().any(|b| b == b'&') {
        quick_xml::escape::unescape(raw).ok()
    } else {
        Some(Cow::Borrowed(raw))
    }
}

/// The local name of an element named `qname` (after the first `:`, as quick-xml reads
/// it), and its key.
fn local_name<'a>(text: &'a str, qname: &[u8]) -> Option<(&'a str, u128)> {
    let local = match qname.iter().position(|&b| b == b':') {
        Some(colon) => &qname[colon + 1..],
        None => qname,
    };
    let name = slice_of(text, local)?;
    let offset = name.as_ptr() as usize - text.as_ptr() as usize;
    Some((name, key_at(text.as_bytes(), offset, name.len())))
}

/// What an open element outside the items is to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    ReservationSet,
    Reservation,
    InstancesSet,
    NextToken,
    /// Anything else: read, checked for depth, dropped.
    Skip,
}

/// The state of one pass.
#[derive(Default)]
struct Page<'a> {
    /// The open elements outside the current item, outermost first.
    roles: Vec<Role>,
    root_closed: bool,
    reservation_set_seen: bool,
    instances_set_seen: bool,
    token: Option<Cow<'a, str>>,
    /// Text of the open `reservationSet` / `instancesSet` that is not blank, and whether it
    /// had children: a childless one with text is not a list.
    set_text: bool,
    set_children: bool,
    /// The current item's elements, and which of them are open (innermost last).
    arena: Arena<'a>,
    open_items: Vec<u32>,
    /// Reused buffers: the item's JSON text, and the writer's sorted keys.
    json: String,
    keys: Keys,
}

impl<'a> Page<'a> {
    fn depth(&self) -> usize {
        self.roles.len() + self.open_items.len()
    }

    fn open(&mut self, (name, key): (&'a str, u128)) -> Option<()> {
        if self.depth() >= MAX_DEPTH {
            return None;
        }
        if let Some(&parent) = self.open_items.last() {
            let node = self.arena.push(name, key, parent);
            self.open_items.push(node);
            return Some(());
        }
        let role = match self.roles.last() {
            None if self.root_closed || name != ROOT => return None,
            None => Role::Root,
            Some(Role::Root) => match name {
                "reservationSet" if self.reservation_set_seen => return None,
                "reservationSet" => {
                    self.reservation_set_seen = true;
                    (self.set_text, self.set_children) = (false, false);
                    Role::ReservationSet
                }
                "nextToken" if self.token.is_some() => return None,
                "nextToken" => {
                    self.token = Some(Cow::Borrowed(""));
                    Role::NextToken
                }
                _ => Role::Skip,
            },
            Some(Role::ReservationSet) if name == ITEM => {
                self.set_children = true;
                self.instances_set_seen = false;
                Role::Reservation
            }
            Some(Role::Reservation) => match name {
                "instancesSet" if self.instances_set_seen => return None,
                "instancesSet" => {
                    self.instances_set_seen = true;
                    (self.set_text, self.set_children) = (false, false);
                    Role::InstancesSet
                }
                _ => Role::Skip,
            },
            Some(Role::InstancesSet) if name == ITEM => {
                self.set_children = true;
                self.arena.clear();
                let node = self.arena.push(name, key, NONE);
                self.open_items.push(node);
                return Some(());
            }
            // A list member that is not `item`, or a `nextToken` with children.
            Some(Role::ReservationSet | Role::InstancesSet | Role::NextToken) => return None,
            Some(Role::Skip) => Role::Skip,
        };
        self.roles.push(role);
        Some(())
    }

    fn text(&mut self, chunk: Cow<'a, str>) {
        if let Some(&node) = self.open_items.last() {
            self.arena.text(node, chunk);
            return;
        }
        match self.roles.last() {
            Some(Role::NextToken) => append(self.token.get_or_insert(Cow::Borrowed("")), chunk),
            Some(Role::ReservationSet | Role::InstancesSet) => {
                self.set_text |= !chunk.trim().is_empty();
            }
            _ => {}
        }
    }

    fn close<H>(
        &mut self,
        map: &mut impl FnMut(&Instance<'_>, RawRecord) -> H,
        out: &mut Vec<H>,
    ) -> Option<()> {
        if let Some(node) = self.open_items.pop() {
            self.arena.close(node);
            if self.open_items.is_empty() {
                // The item is complete: `node` is its root.
                let arena = &self.arena;
                let instance = view(arena, node)?;
                self.json.clear();
                arena.write(node, &mut self.json, &mut self.keys);
                let text: Arc<str> = Arc::from(self.json.as_str());
                out.push(map(&instance, RawRecord::from_json_unchecked(text)));
            }
            return Some(());
        }
        match self.roles.pop()? {
            Role::Root => {
                self.root_closed = true;
                self.reservation_set_seen.then_some(())
            }
            Role::ReservationSet | Role::InstancesSet => {
                (!self.set_text || self.set_children).then_some(())?;
                // Back in a reservation: its list's state no longer matters.
                self.set_children = true;
                self.set_text = false;
                Some(())
            }
            Role::Reservation => self.instances_set_seen.then_some(()),
            Role::NextToken | Role::Skip => Some(()),
        }
    }
}

/// The typed view of item `id`, as the typed decode of its `Value` would give it.
fn view<'n>(a: &'n Arena<'_>, id: u32) -> Option<Instance<'n>> {
    let [instance_id, state, instance_type, placement, private_ip, ip, ipv6, nics, platform, details, vpc, launch, tags] =
        a.fields(id, |name| {
            Some(match name {
                "instanceId" => 0,
                "instanceState" => 1,
                "instanceType" => 2,
                "placement" => 3,
                "privateIpAddress" => 4,
                "ipAddress" => 5,
                "ipv6Address" => 6,
                "networkInterfaceSet" => 7,
                "platform" => 8,
                "platformDetails" => 9,
                "vpcId" => 10,
                "launchTime" => 11,
                "tagSet" => 12,
                _ => return None,
            })
        })?;
    let instance_state = match state {
        None => None,
        Some(s) => {
            let [name] = a.fields(s, |n| (n == "name").then_some(0))?;
            Some(InstanceState {
                name: a.opt_str(name)??,
            })
        }
    };
    let placement = match placement {
        None => None,
        Some(p) => {
            let [zone] = a.fields(p, |n| (n == "availabilityZone").then_some(0))?;
            Some(Placement {
                availability_zone: a.opt_str(zone)?,
            })
        }
    };
    Some(Instance {
        instance_id: a.opt_str(instance_id)??,
        instance_state,
        instance_type: a.opt_str(instance_type)?,
        placement,
        private_ip_address: a.opt_str(private_ip)?,
        ip_address: a.opt_str(ip)?,
        ipv6_address: a.opt_str(ipv6)?,
        network_interface_set: a.list(nics, network_interface)?,
        platform: a.opt_str(platform)?,
        platform_details: a.opt_str(details)?,
        vpc_id: a.opt_str(vpc)?,
        launch_time: a.opt_str(launch)?,
        tag_set: a.list(tags, |a, t| {
            let [key, value] = a.fields(t, |n| match n {
                "key" => Some(0),
                "value" => Some(1),
                _ => None,
            })?;
            Some(Ec2Tag {
                key: a.opt_str(key)?.unwrap_or_default(),
                value: a.opt_str(value)?.unwrap_or_default(),
            })
        })?,
    })
}

fn network_interface<'n>(a: &'n Arena<'_>, id: u32) -> Option<NetworkInterface<'n>> {
    let [private_ip, private_ips, ipv6s, association, attachment] = a.fields(id, |n| {
        Some(match n {
            "privateIpAddress" => 0,
            "privateIpAddressesSet" => 1,
            "ipv6AddressesSet" => 2,
            "association" => 3,
            "attachment" => 4,
            _ => return None,
        })
    })?;
    let attachment = match attachment {
        None => None,
        Some(at) => {
            let [time, index] = a.fields(at, |n| match n {
                "attachTime" => Some(0),
                "deviceIndex" => Some(1),
                _ => None,
            })?;
            Some(Attachment {
                attach_time: a.opt_str(time)?,
                device_index: a.opt_str(index)?,
            })
        }
    };
    Some(NetworkInterface {
        private_ip_address: a.opt_str(private_ip)?,
        private_ip_addresses_set: a.list(private_ips, |a, p| {
            let [ip, association] = a.fields(p, |n| match n {
                "privateIpAddress" => Some(0),
                "association" => Some(1),
                _ => None,
            })?;
            Some(PrivateIp {
                private_ip_address: a.opt_str(ip)?,
                association: self::association(a, association)?,
            })
        })?,
        ipv6_addresses_set: a.list(ipv6s, |a, v| {
            let [ip] = a.fields(v, |n| (n == "ipv6Address").then_some(0))?;
            Some(Ipv6 {
                ipv6_address: a.opt_str(ip)?,
            })
        })?,
        association: self::association(a, association)?,
        attachment,
    })
}

/// An optional `association`: `Some(None)` when absent.
fn association<'n>(a: &'n Arena<'_>, field: Option<u32>) -> Option<Option<Association<'n>>> {
    let Some(id) = field else {
        return Some(None);
    };
    let [ip] = a.fields(id, |n| (n == "publicIp").then_some(0))?;
    Some(Some(Association {
        public_ip: a.opt_str(ip)?,
    }))
}
