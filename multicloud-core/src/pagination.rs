//! Turns "fetch page(token) → (items, next token)" into a lazily paging stream.
//!
//! Each provider writes only the page fetch; this module owns the loop, the end condition,
//! loop detection and the page cap ([`PageCap`]). Offset- and page-number-based APIs encode
//! their position as the token.

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};

use crate::error::{Error, ErrorKind, Result};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page, in the provider's order.
    pub items: Vec<T>,
    /// The token of the next page; `None` (or an empty string) ends the listing.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page with a continuation token.
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Page { items, next }
    }

    /// The last page.
    pub fn last(items: Vec<T>) -> Self {
        Page { items, next: None }
    }
}

/// The default cap on the pages of one listing: 10,000 (a million items at 100 per page;
/// the largest real listings take a few hundred pages).
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// The most pages one listing may fetch, and the listing's name for the error that ends it.
///
/// A server that hands out a fresh page token forever (or reports a total of a billion
/// items) would otherwise page without end; the cap ends such a listing with an
/// [`ErrorKind::PageLimit`] error that names the listing, the cap and how to raise it.
/// Providers take the cap from
/// [`LimitConfig::max_pages`](crate::transport::LimitConfig::max_pages).
///
/// ```
/// use multicloud_core::pagination::PageCap;
/// use multicloud_core::ErrorKind;
///
/// let cap = PageCap::new("cvm:DescribeInstances in ap-guangzhou", 100);
/// assert!(cap.check_total(10_000, 100).is_ok());
/// let err = cap.check_total(1_000_000_000, 100).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::PageLimit);
/// assert!(err.message().contains("with_max_pages"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCap {
    listing: String,
    max_pages: u64,
}

impl Default for PageCap {
    fn default() -> Self {
        PageCap::new("a listing", DEFAULT_MAX_PAGES)
    }
}

impl PageCap {
    /// A cap of `max_pages` (at least 1) on the listing named `listing` (for example
    /// `"ec2:DescribeInstances in us-east-1"`).
    pub fn new(listing: impl Into<String>, max_pages: u64) -> Self {
        PageCap {
            listing: listing.into(),
            max_pages: max_pages.max(1),
        }
    }

    /// The listing's name.
    pub fn listing(&self) -> &str {
        &self.listing
    }

    /// The most pages the listing may fetch.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Checks the total an offset-paged listing reported on a page: `Err` with a
    /// [`ErrorKind::PageLimit`] error when `total` items at `page_size` per page need more
    /// pages than the cap, so the listing stops at once instead of paging towards it.
    pub fn check_total(&self, total: u64, page_size: u64) -> Result<()> {
        let pages = total.div_ceil(page_size.max(1));
        if pages > self.max_pages {
            return Err(self.exceeded(&format!(
                "the server reported {total} items, {pages} pages of {page_size}"
            )));
        }
        Ok(())
    }

    /// The error that ends the listing; `detail` says what reached the cap.
    pub fn exceeded(&self, detail: &str) -> Error {
        Error::new(
            ErrorKind::PageLimit,
            format!(
                "{} stopped at its cap of {} pages ({detail}); if the account really holds \
                 that many items, raise the cap with LimitConfig::with_max_pages",
                self.listing, self.max_pages
            ),
        )
    }
}

enum State<F> {
    Fetch {
        fetch: F,
        token: Option<String>,
        seen: HashSet<String>,
        fetched: u64,
        cap: PageCap,
    },
    Done,
}

/// Streams every item of a paged listing, fetching a page only when the previous one has been
/// consumed.
///
/// `fetch` is called first with `None`, then with each `next` token. The stream ends after a
/// page without a token. If a server returns a token it already returned (a pagination loop),
/// the stream yields one [`ErrorKind::PaginationLoop`] error and ends instead of spinning. A
/// failed fetch yields its error and ends the stream; items already yielded stay valid. At
/// most [`DEFAULT_MAX_PAGES`] pages are fetched; [`paginate_capped`] sets the cap and names
/// the listing.
///
/// ```
/// use futures::TryStreamExt;
/// use multicloud_core::pagination::{paginate, Page};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let items: Vec<u32> = paginate(|token: Option<String>| async move {
///     Ok(match token.as_deref() {
///         None => Page::new(vec![1, 2], Some("p2".to_owned())),
///         Some("p2") => Page::last(vec![3]),
///         Some(other) => unreachable!("unexpected token {other}"),
///     })
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, [1, 2, 3]);
/// # Ok::<(), multicloud_core::Error>(())
/// # }).unwrap();
/// ```
pub fn paginate<T, F, Fut>(fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    paginate_capped(PageCap::default(), fetch)
}

/// [`paginate`] with a page cap: after `cap.max_pages()` pages, a page that still names a next
/// one ends the stream with an [`ErrorKind::PageLimit`] error (its items are yielded first),
/// and no further page is fetched.
///
/// ```
/// use futures::StreamExt;
/// use multicloud_core::pagination::{paginate_capped, Page, PageCap};
/// use multicloud_core::ErrorKind;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // A server with a fresh token for every page, forever.
/// let listing = paginate_capped(PageCap::new("endless", 3), |token: Option<String>| async move {
///     let n: u32 = token.map_or(0, |t| t.parse().unwrap_or(0));
///     Ok(Page::new(vec![n], Some((n + 1).to_string())))
/// });
/// let out: Vec<_> = listing.collect().await;
/// assert_eq!(out.len(), 4, "three pages, then the error");
/// assert_eq!(out[3].as_ref().unwrap_err().kind(), ErrorKind::PageLimit);
/// # });
/// ```
pub fn paginate_capped<T, F, Fut>(cap: PageCap, fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let initial = State::Fetch {
        fetch,
        token: None,
        seen: HashSet::new(),
        fetched: 0,
        cap,
    };
    stream::unfold(initial, |state| async move {
        let State::Fetch {
            mut fetch,
            token,
            mut seen,
            fetched,
            cap,
        } = state
        else {
            return None;
        };
        let fetched = fetched + 1;
        let page = match fetch(token).await {
            Ok(page) => page,
            Err(e) => return Some((stream::iter(vec![Err(e)]), State::Done)),
        };
        let mut out: Vec<Result<T>> = page.items.into_iter().map(Ok).collect();
        let next_state = match page.next.filter(|t| !t.is_empty()) {
            None => State::Done,
            Some(next) if !seen.insert(next.clone()) => {
                out.push(Err(Error::new(
                    ErrorKind::PaginationLoop,
                    format!(
                        "the server returned page token {:?} twice; stopped after {} pages",
                        truncate_token(&next),
                        seen.len() + 1
                    ),
                )));
                State::Done
            }
            Some(_) if fetched >= cap.max_pages() => {
                out.push(Err(
                    cap.exceeded(&format!("page {fetched} still named a next page"))
                ));
                State::Done
            }
            Some(next) => State::Fetch {
                fetch,
                token: Some(next),
                seen,
                fetched,
                cap,
            },
        };
        Some((stream::iter(out), next_state))
    })
    .flatten()
    .boxed()
}

// Tokens can be long opaque blobs; keep error messages one readable line.
fn truncate_token(token: &str) -> String {
    const MAX: usize = 40;
    if token.chars().count() <= MAX {
        token.to_owned()
    } else {
        let head: String = token.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use futures::{StreamExt, TryStreamExt};

    use super::*;

    #[tokio::test]
    async fn three_pages_are_streamed_in_order() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let items: Vec<u32> = paginate(move |token| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(match token.as_deref() {
                    None => Page::new(vec![1, 2], Some("b".into())),
                    Some("b") => Page::new(vec![3, 4], Some("c".into())),
                    Some("c") => Page::new(vec![5], Some(String::new())),
                    Some(t) => panic!("unexpected token {t}"),
                })
            }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn pages_are_fetched_lazily() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let mut s = paginate(move |token: Option<String>| {
            counter.fetch_add(1, Ordering::SeqCst);
            let n: u32 = token.map(|t| t.parse().unwrap()).unwrap_or(0);
            async move { Ok(Page::new(vec![n], Some((n + 1).to_string()))) }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(s.next().await.unwrap().unwrap(), 0);
        assert_eq!(s.next().await.unwrap().unwrap(), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_repeated_token_ends_with_a_pagination_loop_error() {
        let results: Vec<Result<u32>> = paginate(|token: Option<String>| async move {
            Ok(match token.as_deref() {
                None => Page::new(vec![1], Some("x".into())),
                Some("x") => Page::new(vec![2], Some("y".into())),
                _ => Page::new(vec![3], Some("x".into())),
            })
        })
        .collect()
        .await;
        assert_eq!(results.len(), 4, "three items then the error");
        assert_eq!(
            results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .copied()
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let err = results.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PaginationLoop);
        assert!(err.message().contains("\"x\""));
    }

    #[tokio::test]
    async fn fresh_tokens_forever_end_at_the_cap_with_a_page_limit_error() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let cap = PageCap::new("ec2:DescribeInstances in us-east-1", 5);
        let results: Vec<Result<u32>> = paginate_capped(cap, move |token: Option<String>| {
            counter.fetch_add(1, Ordering::SeqCst);
            let n: u32 = token.map_or(0, |t| t.parse().unwrap());
            async move { Ok(Page::new(vec![n], Some((n + 1).to_string()))) }
        })
        .collect()
        .await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            5,
            "no page past the cap is fetched"
        );
        assert_eq!(results.len(), 6);
        let err = results[5].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PageLimit);
        let msg = err.message();
        assert!(msg.contains("ec2:DescribeInstances in us-east-1"), "{msg}");
        assert!(msg.contains("cap of 5 pages"), "{msg}");
        assert!(msg.contains("LimitConfig::with_max_pages"), "{msg}");
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn a_listing_of_exactly_the_cap_completes() {
        let cap = PageCap::new("x", 3);
        let items: Vec<u32> = paginate_capped(cap, |token: Option<String>| async move {
            let n: u32 = token.map_or(0, |t| t.parse().unwrap());
            Ok(Page::new(vec![n], (n < 2).then(|| (n + 1).to_string())))
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, [0, 1, 2]);
    }

    #[test]
    fn a_total_needing_more_pages_than_the_cap_is_refused() {
        let cap = PageCap::new("cvm:DescribeInstances in ap-guangzhou", 10);
        assert!(cap.check_total(1000, 100).is_ok());
        let err = cap.check_total(1001, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PageLimit);
        assert!(err.message().contains("1001 items"), "{}", err.message());
        assert_eq!(PageCap::new("y", 0).max_pages(), 1);
        assert_eq!(PageCap::default().max_pages(), DEFAULT_MAX_PAGES);
    }

    #[tokio::test]
    async fn a_failed_page_keeps_earlier_items_and_ends() {
        let results: Vec<Result<u32>> = paginate(|token: Option<String>| async move {
            match token {
                None => Ok(Page::new(vec![1, 2], Some("2".into()))),
                Some(_) => Err(Error::new(ErrorKind::Transient, "boom")),
            }
        })
        .collect()
        .await;
        assert_eq!(results.len(), 3);
        assert_eq!(
            results[2].as_ref().unwrap_err().kind(),
            ErrorKind::Transient
        );
    }
}
