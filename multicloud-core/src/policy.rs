//! What to sync, how often: the trait the sync engine reads.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which regions to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionSelection {
    /// Every enabled region the account can see.
    All,
    /// Only these region ids.
    Only(Vec<String>),
}

impl RegionSelection {
    /// Whether `region_id` is selected.
    pub fn includes(&self, region_id: &str) -> bool {
        match self {
            RegionSelection::All => true,
            RegionSelection::Only(ids) => ids.iter().any(|r| r == region_id),
        }
    }
}

/// A sync schedule for one account.
pub trait SyncPolicy: Send + Sync + fmt::Debug {
    /// The regions to scan.
    fn regions(&self) -> RegionSelection;

    /// Whether regions that appear later are included automatically ("region management").
    fn include_new_regions(&self) -> bool;

    /// How often to sync the feature named `feature` ([`Feature::name`](crate::Feature::name)),
    /// or `None` when it is off.
    fn interval(&self, feature: &str) -> Option<Duration>;

    /// How often to re-check the AccessKey's validity, or `None` when off.
    fn credential_check_interval(&self) -> Option<Duration>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_selection_includes_listed_regions() {
        let s = RegionSelection::Only(vec!["us-east-1".into()]);
        assert!(s.includes("us-east-1"));
        assert!(!s.includes("eu-west-1"));
        assert!(RegionSelection::All.includes("anything"));
    }
}
