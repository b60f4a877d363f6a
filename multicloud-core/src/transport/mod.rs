//! The HTTP transport shared by every provider: one reqwest client, timeouts, retries with
//! backoff, concurrency and rate limits, tracing.
