//! BCE's marker listings as lazy streams: `marker` + `maxKeys` in, `isTruncated` +
//! `nextMarker` out (providers.md §4.c–4.d).
//!
//! A product that is not activated (`OptInRequired`) is not in use: its listing ends at once
//! with no item and no error, so the inventory records "none" and the other kinds go on.

use futures::stream::{BoxStream, StreamExt};
use multicloud_core::{paginate_capped, Item, Page, Result};
use serde_json::Value;

use crate::api::Api;
use crate::client::Client;
use crate::{errors, wire};

/// Maps one raw item of a listing in `region` (`None`: account-wide) to an inventory item.
pub(crate) type MapItem = fn(Value, Option<&str>) -> Result<Item>;

/// One marker listing: which API, where its items are, extra query parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarkerList {
    /// The API.
    pub(crate) api: &'static Api,
    /// The key of the item list in a page.
    pub(crate) items_key: &'static str,
    /// Extra query parameters sent with every page (MongoDB's `manner=marker`).
    pub(crate) extra: &'static [(&'static str, &'static str)],
}

impl MarkerList {
    /// Fetches one page starting at `marker` with `max_keys` items at most. `Ok(None)` when
    /// the product is not activated.
    pub(crate) async fn page(
        &self,
        client: &Client,
        region: Option<&str>,
        marker: Option<&str>,
        max_keys: u32,
    ) -> Result<Option<wire::MarkerPage>> {
        let size = max_keys.to_string();
        let mut query: Vec<(&str, &str)> = self.extra.to_vec();
        if let Some(m) = marker {
            query.push(("marker", m));
        }
        query.push(("maxKeys", &size));
        match client.call(self.api, region, &query, None).await {
            Ok(body) => wire::marker_page(self.api.name, region, self.items_key, &body).map(Some),
            Err(e) if errors::is_not_activated(&e) => {
                tracing::info!(
                    action = self.api.name,
                    region = region.unwrap_or("-"),
                    "product not activated (OptInRequired): not in use, nothing to list"
                );
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Every item, page by page (a page is fetched only when the previous one is consumed).
    pub(crate) fn stream(
        self,
        client: Client,
        region: Option<String>,
        map: MapItem,
    ) -> BoxStream<'static, Result<Item>> {
        let cap = client.page_cap(self.api.name, region.as_deref());
        paginate_capped(cap, move |marker: Option<String>| {
            let client = client.clone();
            let region = region.clone();
            async move {
                let size = client.page_size();
                let Some(page) = self
                    .page(&client, region.as_deref(), marker.as_deref(), size)
                    .await?
                else {
                    return Ok(Page::last(Vec::new()));
                };
                let items = page
                    .items
                    .into_iter()
                    .map(|raw| map(raw, region.as_deref()))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Page::new(items, page.next))
            }
        })
        .boxed()
    }
}
