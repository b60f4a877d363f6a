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
use super::Ec2Tag;

/// The root element of a page.
const ROOT: &str = "DescribeInstancesResponse";
/// EC2's list member name.
const ITEM: &str = "item";
/// No node.
const NONE: u32 = u32::MAX;

/// The hosts (or whatever `map` makes of each instance) of one `DescribeInstances` body and
/// its `nextToken` as sent, or `None` when the body must go through the general converter.
pub(crate) fn instances<H>(
    body: &[u8],
    mut map: impl FnMut(&Instance<'_>, RawRecord) -> H,
) -> Option<(Vec<H>, Option<String>)> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut page = Page::default();
    let mut out = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = local_name(body, &start)?;
                page.open(name)?;
            }
            Event::Empty(start) => {
                let name = local_name(body, &start)?;
                page.open(name)?;
                page.close(&mut map, &mut out)?;
            }
            Event::End(_) => page.close(&mut map, &mut out)?,
            Event::Text(text) => page.text(text.unescape().ok()?),
            Event::CData(data) => page.text(match data.into_inner() {
                Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes),
                Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
            }),
            Event::Eof => break,
            _ => {}
        }
    }
    if !page.roles.is_empty() || !page.root_closed {
        return None;
    }
    Some((out, page.token.map(Cow::into_owned)))
}

/// The local name of an element, borrowed from the body (the reader borrows every event
/// from it); `None` if it is not UTF-8 (the general path then reads it lossily).
fn local_name<'a>(body: &'a [u8], start: &quick_xml::events::BytesStart<'_>) -> Option<&'a str> {
    let qname = start.name().into_inner();
    // The event's bytes are a slice of `body`: find it there to borrow it for `'a`.
    let offset = (qname.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let qname = body.get(offset..offset + qname.len())?;
    let local = match qname.iter().position(|&b| b == b':') {
        Some(colon) => &qname[colon + 1..],
        None => qname,
    };
    std::str::from_utf8(local).ok()
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
    json: Vec<u8>,
    keys: Vec<(&'a str, u32)>,
}

impl<'a> Page<'a> {
    fn depth(&self) -> usize {
        self.roles.len() + self.open_items.len()
    }

    fn open(&mut self, name: &'a str) -> Option<()> {
        if self.depth() >= MAX_DEPTH {
            return None;
        }
        if let Some(&parent) = self.open_items.last() {
            let node = self.arena.push(name, parent);
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
                let node = self.arena.push(name, NONE);
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
            if self.open_items.is_empty() {
                // The item is complete: `node` is its root.
                let arena = &self.arena;
                let instance = view(arena, node)?;
                self.json.clear();
                arena.write(node, &mut self.json, &mut self.keys)?;
                let text: Arc<str> = Arc::from(std::str::from_utf8(&self.json).ok()?);
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

fn append<'a>(text: &mut Cow<'a, str>, chunk: Cow<'a, str>) {
    if text.is_empty() {
        *text = chunk;
    } else {
        text.to_mut().push_str(&chunk);
    }
}

/// One element of an item: its name, text, and children as a linked list of arena indices.
struct Node<'a> {
    name: &'a str,
    text: Cow<'a, str>,
    first: u32,
    last: u32,
    next: u32,
    count: u32,
    /// Whether every child has the first child's name.
    same: bool,
}

/// The elements of one item, in document order; cleared, not freed, between items.
#[derive(Default)]
struct Arena<'a> {
    nodes: Vec<Node<'a>>,
}

/// How the general converter reads an element (see [`super::xml`]).
enum Kind<'n> {
    Text(&'n str),
    EmptyList,
    List,
    Object,
}

impl<'a> Arena<'a> {
    fn clear(&mut self) {
        self.nodes.clear();
    }

    fn push(&mut self, name: &'a str, parent: u32) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            name,
            text: Cow::Borrowed(""),
            first: NONE,
            last: NONE,
            next: NONE,
            count: 0,
            same: true,
        });
        if parent != NONE {
            let first = self.nodes[parent as usize].first;
            let last = self.nodes[parent as usize].last;
            if first == NONE {
                self.nodes[parent as usize].first = id;
            } else {
                self.nodes[last as usize].next = id;
                if self.nodes[first as usize].name != name {
                    self.nodes[parent as usize].same = false;
                }
            }
            let p = &mut self.nodes[parent as usize];
            p.last = id;
            p.count += 1;
        }
        id
    }

    fn text(&mut self, node: u32, chunk: Cow<'a, str>) {
        append(&mut self.nodes[node as usize].text, chunk);
    }

    fn node(&self, id: u32) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    fn children(&self, id: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.node(id).first;
        std::iter::from_fn(move || {
            let current = next;
            (current != NONE).then(|| {
                next = self.node(current).next;
                current
            })
        })
    }

    fn kind(&self, id: u32) -> Kind<'_> {
        let n = self.node(id);
        if n.count == 0 {
            // EC2 names every list `…Set`; an empty one is an empty list.
            if n.text.is_empty() && n.name.ends_with("Set") {
                return Kind::EmptyList;
            }
            return Kind::Text(&n.text);
        }
        if n.same && (n.count > 1 || self.node(n.first).name == ITEM) {
            Kind::List
        } else {
            Kind::Object
        }
    }

    /// Writes element `id` as serde_json writes its `Value`: compact, keys sorted, names
    /// repeated among other names as one array. `keys` is scratch space shared by the levels.
    fn write(&self, id: u32, out: &mut Vec<u8>, keys: &mut Vec<(&'a str, u32)>) -> Option<()> {
        match self.kind(id) {
            Kind::Text(text) => serde_json::to_writer(&mut *out, text).ok()?,
            Kind::EmptyList => out.extend_from_slice(b"[]"),
            Kind::List => {
                out.push(b'[');
                for (i, child) in self.children(id).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write(child, out, keys)?;
                }
                out.push(b']');
            }
            Kind::Object => {
                let start = keys.len();
                keys.extend(self.children(id).map(|c| (self.node(c).name, c)));
                // Stable: a repeated name keeps its occurrences in document order.
                keys[start..].sort_by(|a, b| a.0.cmp(b.0));
                out.push(b'{');
                let mut i = start;
                while i < keys.len() {
                    let name = keys[i].0;
                    let run = keys[i..].iter().take_while(|k| k.0 == name).count();
                    if i > start {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, name).ok()?;
                    out.push(b':');
                    if run > 1 {
                        out.push(b'[');
                    }
                    for j in i..i + run {
                        if j > i {
                            out.push(b',');
                        }
                        self.write(keys[j].1, out, keys)?;
                    }
                    if run > 1 {
                        out.push(b']');
                    }
                    i += run;
                }
                out.push(b'}');
                keys.truncate(start);
            }
        }
        Some(())
    }

    /// The children of object `id` named in `names`, each found at most once; `None` if
    /// `id` is not an object or a name repeats (the general path would make it an array).
    fn fields<const N: usize>(&self, id: u32, names: [&str; N]) -> Option<[Option<u32>; N]> {
        if !matches!(self.kind(id), Kind::Object) {
            return None;
        }
        let mut found = [None; N];
        for child in self.children(id) {
            let name = self.node(child).name;
            if let Some(slot) = names.iter().position(|n| *n == name) {
                if found[slot].replace(child).is_some() {
                    return None;
                }
            }
        }
        Some(found)
    }

    /// An optional text field: `Some(None)` when absent, `None` when not text.
    fn opt_str(&self, field: Option<u32>) -> Option<Option<&str>> {
        match field.map(|id| self.kind(id)) {
            None => Some(None),
            Some(Kind::Text(text)) => Some(Some(text)),
            Some(_) => None,
        }
    }

    /// The members of a list field, read as [`super::list`] reads it: absent, empty or blank
    /// is no member, a single object is one; `None` for non-blank text.
    fn members(&self, field: Option<u32>) -> Option<Vec<u32>> {
        let Some(id) = field else {
            return Some(Vec::new());
        };
        match self.kind(id) {
            Kind::EmptyList => Some(Vec::new()),
            Kind::Text(text) => text.trim().is_empty().then(Vec::new),
            Kind::List => Some(self.children(id).collect()),
            Kind::Object => Some(vec![id]),
        }
    }

    /// The members of a list field that are all objects, each read by `one`.
    fn list<'n, T>(
        &'n self,
        field: Option<u32>,
        one: impl Fn(&'n Self, u32) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.members(field)?
            .into_iter()
            .map(|id| one(self, id))
            .collect()
    }
}

/// The typed view of item `id`, as the typed decode of its `Value` would give it.
fn view<'n>(a: &'n Arena<'_>, id: u32) -> Option<Instance<'n>> {
    let [instance_id, state, instance_type, placement, private_ip, ip, ipv6, nics, platform, details, vpc, launch, tags] =
        a.fields(
            id,
            [
                "instanceId",
                "instanceState",
                "instanceType",
                "placement",
                "privateIpAddress",
                "ipAddress",
                "ipv6Address",
                "networkInterfaceSet",
                "platform",
                "platformDetails",
                "vpcId",
                "launchTime",
                "tagSet",
            ],
        )?;
    let instance_state = match state {
        None => None,
        Some(s) => {
            let [name] = a.fields(s, ["name"])?;
            Some(InstanceState {
                name: a.opt_str(name)??,
            })
        }
    };
    let placement = match placement {
        None => None,
        Some(p) => {
            let [zone] = a.fields(p, ["availabilityZone"])?;
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
            let [key, value] = a.fields(t, ["key", "value"])?;
            Some(Ec2Tag {
                key: a.opt_str(key)?.unwrap_or_default(),
                value: a.opt_str(value)?.unwrap_or_default(),
            })
        })?,
    })
}

fn network_interface<'n>(a: &'n Arena<'_>, id: u32) -> Option<NetworkInterface<'n>> {
    let [private_ip, private_ips, ipv6s, association, attachment] = a.fields(
        id,
        [
            "privateIpAddress",
            "privateIpAddressesSet",
            "ipv6AddressesSet",
            "association",
            "attachment",
        ],
    )?;
    let attachment = match attachment {
        None => None,
        Some(at) => {
            let [time, index] = a.fields(at, ["attachTime", "deviceIndex"])?;
            Some(Attachment {
                attach_time: a.opt_str(time)?,
                device_index: a.opt_str(index)?,
            })
        }
    };
    Some(NetworkInterface {
        private_ip_address: a.opt_str(private_ip)?,
        private_ip_addresses_set: a.list(private_ips, |a, p| {
            let [ip, association] = a.fields(p, ["privateIpAddress", "association"])?;
            Some(PrivateIp {
                private_ip_address: a.opt_str(ip)?,
                association: self::association(a, association)?,
            })
        })?,
        ipv6_addresses_set: a.list(ipv6s, |a, v| {
            let [ip] = a.fields(v, ["ipv6Address"])?;
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
    let [ip] = a.fields(id, ["publicIp"])?;
    Some(Some(Association {
        public_ip: a.opt_str(ip)?,
    }))
}
