//! What the fake does wrong on purpose: throttling beyond a request rate, and a share of
//! calls answered with Throttling, PriorRequestNotComplete or a 5xx.

use std::time::Instant;

/// Failures injected into a share of calls (each a probability from 0 to 1), and one way
/// of paging wrongly.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub throttle: f64,
    pub prior_request_not_complete: f64,
    pub server_error: f64,
    /// Ignore `StartRecordIdentifier`, as moto does: a page boundary inside a weighted group
    /// then hands back the cursor it was given.
    pub ignore_start_identifier: bool,
    /// Refuse every call as Route 53 refuses a role without `route53:List*`/`Get*`: HTTP 403
    /// `AccessDenied`. Run one fake per account to refuse one account and serve the others.
    pub access_denied: bool,
}

/// Route 53's account-wide quota: `rps` requests a second, with room for `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub rps: f64,
    pub burst: f64,
}

/// A token bucket; a request that finds it empty is throttled.
pub struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    pub fn new(limit: RateLimit) -> Self {
        Self { limit, tokens: limit.burst.max(1.0), updated: Instant::now() }
    }

    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.limit.rps).min(self.limit.burst.max(1.0));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
