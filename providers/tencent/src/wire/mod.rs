//! Private serde shapes of the Tencent Cloud API 3.0 responses this crate reads.
//!
//! Every answer is `{"Response": {..., "RequestId": "..."}}` ([`envelope`]). Listed items are
//! kept as raw [`Value`](serde_json::Value)s (so no field is lost) and read through
//! [`fields`] helpers or the typed views in [`shapes`].

mod envelope;
mod fields;
mod shapes;

pub(crate) use envelope::{check_response, read_response, ApiResponse};
pub(crate) use fields::{
    as_u64, offset_page, offset_page_lenient, required, tags, text, OffsetPage,
};
pub(crate) use shapes::{CallerIdentity, CvmInstance, RegionList, TagResources, UserAppId};
