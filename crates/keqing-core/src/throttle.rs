//! Login throttling: repeated failures for one account or from one address
//! lock further attempts for a while.
//!
//! The window slides: with a limit of 5 per 15 minutes, the sixth attempt is
//! refused until the fifth most recent failure is 15 minutes old. Refused
//! attempts are not counted as failures, so a locked-out attacker cannot
//! extend the lock indefinitely, and neither can a colleague's typo.

use chrono::{DateTime, Duration, Utc};

/// How many failures are tolerated, and for how long they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long a failure counts.
    pub window: Duration,
    /// Failures tolerated per account within the window.
    pub per_account: u32,
    /// Failures tolerated per client address within the window (an office
    /// behind one NAT address has many users, so this is higher).
    pub per_address: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { window: Duration::minutes(15), per_account: 5, per_address: 30 }
    }
}

impl Policy {
    /// When a key (account or address) is free again, given the time of its
    /// `limit`-th most recent failure within the window (`None` when there
    /// were fewer). `None` means it is not locked now.
    pub fn locked_until(&self, nth_most_recent: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        nth_most_recent.map(|t| t + self.window).filter(|until| *until > now)
    }

    /// The earliest instant from which failures still count.
    pub fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// Whole seconds until `until`, at least 1 (for `Retry-After`).
    pub fn retry_after_secs(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
        let ms = (until - now).num_milliseconds().max(0) as u64;
        ms.div_ceil(1000).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + min * 60, 0).unwrap()
    }

    #[test]
    fn fewer_failures_than_the_limit_lock_nothing() {
        assert_eq!(Policy::default().locked_until(None, t(0)), None);
    }

    #[test]
    fn the_lock_lasts_until_the_nth_failure_leaves_the_window() {
        let p = Policy::default();
        assert_eq!(p.locked_until(Some(t(0)), t(3)), Some(t(15)));
        assert_eq!(p.locked_until(Some(t(0)), t(15)), None);
        assert_eq!(Policy::retry_after_secs(t(15), t(3)), 12 * 60);
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let now = t(0);
        assert_eq!(Policy::retry_after_secs(now + Duration::milliseconds(10), now), 1);
    }
}
