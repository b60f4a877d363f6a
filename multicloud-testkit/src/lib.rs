//! # multicloud-testkit
//!
//! In-process simulated clouds for the multicloud SDK's tests, benches and demo, built on
//! wiremock and served on 127.0.0.1.
//!
//! ```
//! use multicloud_testkit::LOOPBACK;
//! assert_eq!(LOOPBACK, "127.0.0.1");
//! ```

/// The only address the simulators listen on.
pub const LOOPBACK: &str = "127.0.0.1";
