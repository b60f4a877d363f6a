//! Offset/Limit listings as lazy streams, on top of core's [`paginate`].
//!
//! Most API 3.0 `Describe*` actions page with `Offset`/`Limit` and report `TotalCount`. The
//! offset is the page token. Because an offset always grows, core's repeated-token check can
//! never fire, so two server faults are caught here instead: a page that repeats only items
//! already listed (a loop), and an empty page before `TotalCount` is reached (an inconsistent
//! total). Both end the stream with a typed error rather than spinning or silently truncating.
//! A `TotalCount` that needs more pages than the listing's [`PageCap`] allows ends it at
//! once with a [`PageLimit`](ErrorKind::PageLimit) error, and so does the cap itself.
//! [`stop_after_error`] chains listings so that the first failure ends them all.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::pagination::{paginate_capped, Page, PageCap};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result};
use serde_json::Value;

use crate::wire::OffsetPage;

/// How to walk one offset-paged action.
#[derive(Debug, Clone)]
pub(crate) struct OffsetListing {
    /// `service:Action`, for error messages.
    pub(crate) api: String,
    /// The `Limit` sent with each request.
    pub(crate) page_size: u64,
    /// The item field holding the unique id (`InstanceId`, `DiskId`, …).
    pub(crate) id_field: &'static str,
    /// The most pages the listing may take (see [`Client::page_cap`](crate::client::Client::page_cap)).
    pub(crate) cap: PageCap,
}

/// Streams every item of an offset-paged listing.
///
/// `fetch(offset)` fetches one page; `map` turns each raw item into the output type.
pub(crate) fn offset_stream<T, F, Fut, M>(
    listing: OffsetListing,
    mut fetch: F,
    map: M,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(u64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<OffsetPage>> + Send + 'static,
    M: Fn(Value) -> Result<T> + Send + Sync + 'static,
{
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let map = Arc::new(map);
    let cap = listing.cap.clone();
    paginate_capped(cap, move |token: Option<String>| {
        let offset: u64 = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let page = fetch(offset);
        let seen = Arc::clone(&seen);
        let map = Arc::clone(&map);
        let listing = listing.clone();
        async move {
            let page = page.await?;
            let next = next_offset(&listing, offset, &page, &seen)?;
            let items = page
                .items
                .into_iter()
                .map(|item| map(item))
                .collect::<Result<Vec<T>>>()?;
            Ok(Page::new(items, next.map(|o| o.to_string())))
        }
    })
}

fn next_offset(
    listing: &OffsetListing,
    offset: u64,
    page: &OffsetPage,
    seen: &Mutex<HashSet<String>>,
) -> Result<Option<u64>> {
    let count = page.items.len() as u64;
    if count == 0 {
        return match page.total {
            Some(total) if total > offset => Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "{} reported TotalCount {total} but returned no items at offset {offset}",
                    listing.api
                ),
            )
            .with_provider(ProviderKind::Tencent)
            .with_action(listing.api.clone())),
            _ => Ok(None),
        };
    }
    let ids: Vec<String> = page
        .items
        .iter()
        .filter_map(|item| crate::wire::text(item, listing.id_field))
        .collect();
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if !ids.is_empty() && ids.iter().all(|id| seen.contains(id)) {
        return Err(Error::new(
            ErrorKind::PaginationLoop,
            format!(
                "{} returned the same items again at offset {offset}; stopped",
                listing.api
            ),
        )
        .with_provider(ProviderKind::Tencent)
        .with_action(listing.api.clone()));
    }
    seen.extend(ids);
    let next = offset + count;
    Ok(match page.total {
        Some(total) => {
            listing.cap.check_total(total, listing.page_size)?;
            (next < total).then_some(next)
        }
        None => (count >= listing.page_size).then_some(next),
    })
}

/// Ends a stream right after its first error, without polling it again (a further poll
/// could send the next listing's request).
pub(crate) fn stop_after_error<T: Send + 'static>(
    s: impl futures::Stream<Item = Result<T>> + Send + 'static,
) -> BoxStream<'static, Result<T>> {
    stream::unfold(Some(s.boxed()), |state| async move {
        let mut s = state?;
        let item = s.next().await?;
        let rest = item.is_ok().then_some(s);
        Some((item, rest))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use serde_json::json;

    use super::*;

    fn listing() -> OffsetListing {
        OffsetListing {
            api: "cvm:DescribeInstances".into(),
            page_size: 2,
            id_field: "InstanceId",
            cap: PageCap::new("cvm:DescribeInstances in ap-guangzhou", 10),
        }
    }

    fn items(range: std::ops::Range<u64>) -> Vec<Value> {
        range
            .map(|i| json!({"InstanceId": format!("ins-{i}")}))
            .collect()
    }

    async fn run(pages: impl Fn(u64) -> OffsetPage + Send + Sync + 'static) -> Vec<Result<String>> {
        let pages = Arc::new(pages);
        offset_stream(
            listing(),
            move |offset| {
                let pages = Arc::clone(&pages);
                async move { Ok(pages(offset)) }
            },
            |v| Ok(v["InstanceId"].as_str().unwrap_or_default().to_owned()),
        )
        .collect()
        .await
    }

    #[tokio::test]
    async fn pages_follow_the_offset_until_total_count() {
        let out = run(|o| OffsetPage {
            items: items(o..(o + 2).min(5)),
            total: Some(5),
        })
        .await;
        let ids: Vec<String> = out.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(ids, ["ins-0", "ins-1", "ins-2", "ins-3", "ins-4"]);
    }

    #[tokio::test]
    async fn a_server_repeating_the_first_page_ends_with_a_loop_error() {
        let out = run(|_| OffsetPage {
            items: items(0..2),
            total: Some(10),
        })
        .await;
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[2].as_ref().unwrap_err().kind(),
            ErrorKind::PaginationLoop
        );
    }

    #[tokio::test]
    async fn an_empty_page_before_total_count_is_a_typed_error() {
        let out = run(|o| OffsetPage {
            items: if o < 2 { items(0..2) } else { vec![] },
            total: Some(7),
        })
        .await;
        assert_eq!(out.len(), 3);
        let err = out[2].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("TotalCount 7"), "{}", err.message());
    }

    #[tokio::test]
    async fn without_total_count_a_short_page_ends_the_listing() {
        let out = run(|o| OffsetPage {
            items: items(o..(o + 2).min(3)),
            total: None,
        })
        .await;
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|r| r.is_ok()));
    }

    #[tokio::test]
    async fn a_total_count_beyond_the_cap_stops_after_the_first_page() {
        let out = run(|o| OffsetPage {
            items: items(o..o + 2),
            total: Some(1_000_000_000),
        })
        .await;
        assert_eq!(out.len(), 1, "no item of a listing that cannot complete");
        let err = out[0].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PageLimit);
        assert!(err.message().contains("ap-guangzhou"), "{}", err.message());
    }

    #[tokio::test]
    async fn fresh_items_forever_without_a_total_end_at_the_cap() {
        let out = run(|o| OffsetPage {
            items: items(o..o + 2),
            total: None,
        })
        .await;
        assert_eq!(out.len(), 21, "ten pages of two, then the error");
        assert_eq!(out[20].as_ref().unwrap_err().kind(), ErrorKind::PageLimit);
    }

    #[tokio::test]
    async fn stop_after_error_ends_the_stream() {
        let s = stream::iter(vec![Ok(1), Err(Error::decode("x")), Ok(3)]);
        let out: Vec<Result<i32>> = stop_after_error(s).collect().await;
        assert_eq!(out.len(), 2);
    }
}
