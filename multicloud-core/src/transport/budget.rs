//! The retry budget shared by all calls to one provider.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::ProviderKind;

/// Token buckets, one per provider, that retries draw from and successes refill.
///
/// When a provider is down, every call fails; without a budget each would retry
/// `max_attempts` times and multiply the load on a struggling service. With it, retries stop
/// once the provider's tokens run out and resume as calls succeed again.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    capacity: Option<u32>,
    tokens: Mutex<HashMap<ProviderKind, u32>>,
}

impl RetryBudget {
    pub(crate) fn new(capacity: Option<u32>) -> Self {
        RetryBudget {
            capacity,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` tokens for a retry; `false` (and nothing taken) when too few are left.
    pub(crate) fn try_withdraw(&self, provider: ProviderKind, cost: u32) -> bool {
        let Some(capacity) = self.capacity else {
            return true;
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let left = tokens.entry(provider).or_insert(capacity);
        if *left < cost {
            return false;
        }
        *left -= cost;
        true
    }

    /// Gives `amount` tokens back, up to the capacity.
    pub(crate) fn refund(&self, provider: ProviderKind, amount: u32) {
        let Some(capacity) = self.capacity else {
            return;
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let left = tokens.entry(provider).or_insert(capacity);
        *left = left.saturating_add(amount).min(capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withdrawals_stop_when_empty_and_refunds_refill_up_to_capacity() {
        let budget = RetryBudget::new(Some(10));
        assert!(budget.try_withdraw(ProviderKind::Aws, 5));
        assert!(budget.try_withdraw(ProviderKind::Aws, 5));
        assert!(!budget.try_withdraw(ProviderKind::Aws, 5));
        // Other providers have their own bucket.
        assert!(budget.try_withdraw(ProviderKind::Huawei, 10));
        budget.refund(ProviderKind::Aws, 100);
        assert!(budget.try_withdraw(ProviderKind::Aws, 10));
        assert!(!budget.try_withdraw(ProviderKind::Aws, 1));
    }

    #[test]
    fn no_capacity_means_unlimited() {
        let budget = RetryBudget::new(None);
        for _ in 0..1000 {
            assert!(budget.try_withdraw(ProviderKind::Ctyun, 10));
        }
    }
}
