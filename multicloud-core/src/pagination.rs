//! Turns "fetch page(token) → (items, next token)" into a lazily paging stream.
//!
//! Each provider writes only the page fetch; this module owns the loop, the end condition and
//! loop detection. Offset- and page-number-based APIs encode their position as the token.

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

enum State<F> {
    Fetch {
        fetch: F,
        token: Option<String>,
        seen: HashSet<String>,
    },
    Done,
}

/// Streams every item of a paged listing, fetching a page only when the previous one has been
/// consumed.
///
/// `fetch` is called first with `None`, then with each `next` token. The stream ends after a
/// page without a token. If a server returns a token it already returned (a pagination loop),
/// the stream yields one [`ErrorKind::PaginationLoop`] error and ends instead of spinning. A
/// failed fetch yields its error and ends the stream; items already yielded stay valid.
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
    let initial = State::Fetch {
        fetch,
        token: None,
        seen: HashSet::new(),
    };
    stream::unfold(initial, |state| async move {
        let State::Fetch {
            mut fetch,
            token,
            mut seen,
        } = state
        else {
            return None;
        };
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
            Some(next) => State::Fetch {
                fetch,
                token: Some(next),
                seen,
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
