//! Page-number listings (`pageNo`, `pageNum`, `pageIndex`: each product names it its own
//! way) as lazy streams.
//!
//! The page number is the token of [`paginate`]. A listing ends on an empty or short page, or
//! once the reported total is reached. A page-number API cannot repeat a token, so a server
//! loop shows as a page starting with an item already seen: that ends the listing with
//! [`ErrorKind::PaginationLoop`] instead of paging forever.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use futures::stream::BoxStream;
use multicloud_core::pagination::{paginate_capped, Page, PageCap};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result};
use serde_json::Value;

use crate::wire::items::field;

/// One page of a page-number listing: its raw items and the total the server reported.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberedPage {
    pub(crate) items: Vec<Value>,
    pub(crate) total: Option<u64>,
}

#[derive(Debug, Default)]
struct Progress {
    fetched: u64,
    first_keys: HashSet<String>,
}

/// Streams every item of a listing whose pages are numbered from 1 and hold `page_size`
/// items; `key` names the id field used to recognise a page seen before. `cap` bounds the
/// pages, and a reported total that needs more pages than it allows stops the listing at
/// its first page.
pub(crate) fn by_page_number<F, Fut>(
    cap: PageCap,
    action: &'static str,
    page_size: u32,
    key: &'static str,
    fetch: F,
) -> BoxStream<'static, Result<Value>>
where
    F: Fn(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<NumberedPage>> + Send + 'static,
{
    let progress = Arc::new(Mutex::new(Progress::default()));
    let totals = cap.clone();
    paginate_capped(cap, move |token: Option<String>| {
        let page_no: u32 = token.and_then(|t| t.parse().ok()).unwrap_or(1);
        let fetched = fetch(page_no);
        let progress = progress.clone();
        let cap = totals.clone();
        async move {
            let page = fetched.await?;
            if let Some(total) = page.total {
                cap.check_total(total, u64::from(page_size))?;
            }
            let mut p = progress.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(first) = page.items.first().and_then(|i| field(i, key)) {
                if !p.first_keys.insert(first.clone()) {
                    return Err(Error::new(
                        ErrorKind::PaginationLoop,
                        format!(
                            "{action}: page {page_no} starts with {first}, already listed; stopped"
                        ),
                    )
                    .with_provider(ProviderKind::Ctyun)
                    .with_action(action));
                }
            }
            p.fetched += page.items.len() as u64;
            let done = page.items.len() < page_size as usize
                || page.total.is_some_and(|total| p.fetched >= total);
            let next = (!done).then(|| (page_no + 1).to_string());
            Ok(Page::new(page.items, next))
        }
    })
}

#[cfg(test)]
mod cap_tests {
    use super::*;
    use futures::TryStreamExt;
    use serde_json::json;

    #[tokio::test]
    async fn a_total_beyond_the_page_cap_stops_at_the_first_page() {
        let calls = Arc::new(Mutex::new(0u32));
        let counted = calls.clone();
        let result: Result<Vec<Value>> =
            by_page_number(PageCap::new("t:List", 3), "t:List", 2, "id", move |n| {
                *counted.lock().unwrap() += 1;
                async move {
                    Ok(NumberedPage {
                        items: vec![
                            json!({"id": format!("a{n}")}),
                            json!({"id": format!("b{n}")}),
                        ],
                        total: Some(1_000_000_000),
                    })
                }
            })
            .try_collect()
            .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::PageLimit);
        assert_eq!(*calls.lock().unwrap(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use serde_json::json;

    fn items(range: std::ops::Range<u32>) -> Vec<Value> {
        range.map(|i| json!({"id": i})).collect()
    }

    #[tokio::test]
    async fn pages_until_the_total_or_a_short_page() {
        let all: Vec<Value> = by_page_number(
            PageCap::new("t:List", 100),
            "t:List",
            2,
            "id",
            |n| async move {
                Ok(NumberedPage {
                    items: items((n - 1) * 2..(n * 2).min(5)),
                    total: Some(5),
                })
            },
        )
        .try_collect()
        .await
        .unwrap();
        assert_eq!(all.len(), 5);
        // An exact multiple stops at the total without asking for an empty page.
        let calls = Arc::new(Mutex::new(0));
        let seen = calls.clone();
        let all: Vec<Value> =
            by_page_number(PageCap::new("t:List", 100), "t:List", 2, "id", move |n| {
                *seen.lock().unwrap() += 1;
                async move {
                    Ok(NumberedPage {
                        items: items((n - 1) * 2..n * 2),
                        total: Some(4),
                    })
                }
            })
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(*calls.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_repeated_page_is_a_loop() {
        let result: Result<Vec<Value>> =
            by_page_number(PageCap::new("t:List", 100), "t:List", 2, "id", |_| async {
                // No total: only the repeated first item can tell the loop.
                Ok(NumberedPage {
                    items: items(0..2),
                    total: None,
                })
            })
            .try_collect()
            .await;
        let e = result.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PaginationLoop);
        assert!(e.to_string().contains("t:List"), "{e}");
    }
}
