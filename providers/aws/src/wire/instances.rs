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
use std::io::BufRead;
use std::sync::Arc;

use quick_xml::events::Event;
use quick_xml::Reader;

use multicloud_core::nesting::MAX_DEPTH;
use multicloud_core::RawRecord;

use super::ec2::{
    Association, Attachment, Instance, InstanceState, Ipv6, NetworkInterface, Placement, PrivateIp,
};
use super::item::{append, key, key_at, named, Arena, Keys, ITEM, NONE};
use super::skeleton::{Op, Skeletons, Tag, CLOSE};
use super::template::Templates;
use super::Ec2Tag;

/// The root element of a page.
const ROOT: &str = "DescribeInstancesResponse";

/// The hosts (or whatever `map` makes of each instance) of one `DescribeInstances` body and
/// its `nextToken` as sent, or `None` when the body must go through the general converter.
pub(crate) fn instances<H>(
    body: &[u8],
    map: impl FnMut(&Instance<'_>, RawRecord) -> H,
) -> Option<(Vec<H>, Option<String>)> {
    read(body, map, true).map(|(hosts, token, _)| (hosts, token))
}

/// [`instances`] with every item tokenized (none replayed from a skeleton).
#[cfg(test)]
pub(crate) fn tokenized<H>(
    body: &[u8],
    map: impl FnMut(&Instance<'_>, RawRecord) -> H,
) -> Option<(Vec<H>, Option<String>)> {
    read(body, map, false).map(|(hosts, token, _)| (hosts, token))
}

/// How many items of `body` [`instances`] replays from a skeleton ([`super::skeleton`]).
#[cfg(test)]
pub(crate) fn replayed(body: &[u8]) -> Option<usize> {
    read(body, |_, _| (), true).map(|(_, _, replayed)| replayed)
}

/// [`instances`], replaying items from skeletons when `replay` is set; with the number of
/// items replayed.
fn read<H>(
    body: &[u8],
    mut map: impl FnMut(&Instance<'_>, RawRecord) -> H,
    replay: bool,
) -> Option<(Vec<H>, Option<String>, usize)> {
    // Checked once, so names and texts are cut from it as `str` without checking each.
    let text = std::str::from_utf8(body).ok()?;
    // Text is trimmed here, as `trim_text(true)` would trim it (a chunk of XML whitespace
    // only is no text).
    let mut reader = Reader::from_reader(body);
    let mut page = Page::default();
    let mut skeletons = Skeletons::default();
    let mut out = Vec::new();
    let mut replayed = 0;
    loop {
        let Ok(event) = reader.read_event() else {
            return None;
        };
        // Matched by reference: the event's parts are not moved.
        match &event {
            Event::Start(start) => {
                let inner = !page.open_items.is_empty();
                let name = local_name(text, start.name().into_inner())?;
                page.open(name)?;
                let at = position(&reader, body)?;
                if inner {
                    skeletons.record(body, start, at, Tag::Open, name);
                } else if page.open_items.len() == 1 {
                    // An item starts: replayed from a skeleton it matches, else tokenized
                    // (and recorded).
                    if page.first_item == 0 {
                        page.first_item = at;
                    }
                    match skeletons.find(body, at).filter(|_| replay) {
                        Some(i) => {
                            replayed += 1;
                            let ops = skeletons.ops(i);
                            let end =
                                page.replay(text, at, ops, skeletons.starts(), &mut map, &mut out)?;
                            reader.stream().consume(end - at);
                        }
                        None => skeletons.begin(),
                    }
                }
            }
            Event::Empty(start) => {
                let inner = !page.open_items.is_empty();
                let name = local_name(text, start.name().into_inner())?;
                page.open(name)?;
                page.close(&mut map, &mut out)?;
                if inner {
                    skeletons.record(body, start, position(&reader, body)?, Tag::Empty, name);
                }
            }
            Event::End(end) => {
                let depth = page.open_items.len();
                page.close(&mut map, &mut out)?;
                match depth {
                    0 => {}
                    1 => skeletons.finish(body),
                    _ => skeletons.record(body, end, position(&reader, body)?, Tag::Close, CLOSE),
                }
                if out.len() == 1 && !page.reserved {
                    page.reserved = true;
                    reserve(&mut out, &page, body.len(), position(&reader, body)?);
                }
            }
            Event::Text(chunk) => {
                let raw = trim(slice_of(text, chunk)?);
                if !raw.is_empty() {
                    page.text(unescape(raw)?);
                }
            }
            Event::CData(data) => {
                skeletons.abandon();
                page.text(Cow::Borrowed(slice_of(text, data)?));
            }
            Event::Eof => break,
            _ => skeletons.abandon(),
        }
    }
    if !page.roles.is_empty() || !page.root_closed {
        return None;
    }
    if out.capacity() > out.len() + out.len() / 4 {
        out.shrink_to_fit();
    }
    Some((out, page.token.map(Cow::into_owned), replayed))
}

/// Reserves room in `out`, holding the first item, for as many items as the rest of the
/// body would hold if they were the size of the first (at most `MAX_RESULTS`): the
/// vector is not grown (and copied) ten times over a page of 1,000. An estimate too large
/// is given back at the end.
fn reserve<H>(out: &mut Vec<H>, page: &Page<'_>, body: usize, first_end: usize) {
    /// `DescribeInstances`' largest `MaxResults`.
    const MAX_RESULTS: usize = 1000;
    let first = first_end.saturating_sub(page.first_item).max(1);
    let more = body.saturating_sub(first_end) / first;
    out.reserve(more.min(MAX_RESULTS));
}

/// Where `reader` is in `body`.
fn position(reader: &Reader<&[u8]>, body: &[u8]) -> Option<usize> {
    let at = (reader.get_ref().as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    (at <= body.len()).then_some(at)
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
    if memchr::memchr(b'&', raw.as_bytes()).is_some() {
        quick_xml::escape::unescape(raw).ok()
    } else {
        Some(Cow::Borrowed(raw))
    }
}

/// The local name of an element named `qname` (after the first `:`, as quick-xml reads
/// it), and its key.
fn local_name<'a>(text: &'a str, qname: &[u8]) -> Option<(&'a str, u128)> {
    let local = memchr::memchr(b':', qname).map_or(qname, |colon| &qname[colon + 1..]);
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
    templates: Templates<'a>,
    /// Where the first item starts in the body, and whether room for the rest is reserved.
    first_item: usize,
    reserved: bool,
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

    /// Replays the events of an item whose content, from `text[at..]`, matched the tags
    /// `ops`, each starting at `starts`: each text before a tag, then the tag. Returns
    /// where the last tag ends.
    fn replay<H>(
        &mut self,
        text: &'a str,
        mut at: usize,
        ops: &[Op<'a>],
        starts: &[usize],
        map: &mut impl FnMut(&Instance<'_>, RawRecord) -> H,
        out: &mut Vec<H>,
    ) -> Option<usize> {
        for (op, &start) in ops.iter().zip(starts) {
            if start > at {
                let raw = trim(text.get(at..start)?);
                if !raw.is_empty() {
                    self.text(unescape(raw)?);
                }
            }
            match op.tag {
                Tag::Open => self.open((op.name, op.key))?,
                Tag::Close => self.close(map, out)?,
                Tag::Empty => {
                    self.open((op.name, op.key))?;
                    self.close(map, out)?;
                }
            }
            at = start + op.len;
        }
        Some(at)
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
                self.templates.write(arena, &mut self.json, &mut self.keys);
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

/// The slot of element `node` among the wanted names (`Some(i)` for the `i`th), its name
/// compared by [`key`] (no string compare for names of 16 bytes or fewer).
macro_rules! slot {
    ($node:expr; $($name:literal),+ $(,)?) => {{
        let node = $node;
        let names: &[(&str, u128)] = &[$(($name, const { key($name) })),+];
        names.iter().position(|&(name, key)| named(node, name, key))
    }};
}

/// The typed view of item `id`, as the typed decode of its `Value` would give it.
fn view<'n>(a: &'n Arena<'_>, id: u32) -> Option<Instance<'n>> {
    let [instance_id, state, instance_type, placement, private_ip, ip, ipv6, nics, platform, details, vpc, launch, tags] =
        a.fields(id, |n| {
            slot!(n; "instanceId", "instanceState", "instanceType", "placement",
                "privateIpAddress", "ipAddress", "ipv6Address", "networkInterfaceSet", "platform",
                "platformDetails", "vpcId", "launchTime", "tagSet")
        })?;
    let instance_state = match state {
        None => None,
        Some(s) => {
            let [name] = a.fields(s, |n| slot!(n; "name"))?;
            Some(InstanceState {
                name: a.opt_str(name)??,
            })
        }
    };
    let placement = match placement {
        None => None,
        Some(p) => {
            let [zone] = a.fields(p, |n| slot!(n; "availabilityZone"))?;
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
            let [key, value] = a.fields(t, |n| slot!(n; "key", "value"))?;
            Some(Ec2Tag {
                key: a.opt_str(key)?.unwrap_or_default(),
                value: a.opt_str(value)?.unwrap_or_default(),
            })
        })?,
    })
}

fn network_interface<'n>(a: &'n Arena<'_>, id: u32) -> Option<NetworkInterface<'n>> {
    let [private_ip, private_ips, ipv6s, association, attachment] = a.fields(id, |n| {
        slot!(n; "privateIpAddress", "privateIpAddressesSet", "ipv6AddressesSet",
            "association", "attachment")
    })?;
    let attachment = match attachment {
        None => None,
        Some(at) => {
            let [time, index] = a.fields(at, |n| slot!(n; "attachTime", "deviceIndex"))?;
            Some(Attachment {
                attach_time: a.opt_str(time)?,
                device_index: a.opt_str(index)?,
            })
        }
    };
    Some(NetworkInterface {
        private_ip_address: a.opt_str(private_ip)?,
        private_ip_addresses_set: a.list(private_ips, |a, p| {
            let [ip, association] = a.fields(p, |n| slot!(n; "privateIpAddress", "association"))?;
            Some(PrivateIp {
                private_ip_address: a.opt_str(ip)?,
                association: self::association(a, association)?,
            })
        })?,
        ipv6_addresses_set: a.list(ipv6s, |a, v| {
            let [ip] = a.fields(v, |n| slot!(n; "ipv6Address"))?;
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
    let [ip] = a.fields(id, |n| slot!(n; "publicIp"))?;
    Some(Some(Association {
        public_ip: a.opt_str(ip)?,
    }))
}
