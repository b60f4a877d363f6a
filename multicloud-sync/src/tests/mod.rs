//! Engine and store tests against an in-test fake cloud.

mod engine_tests;
mod fake;
mod held_tests;
mod pending_tests;
#[cfg(feature = "postgres")]
mod postgres_tests;
mod prune_tests;
mod schedule_tests;
mod store_suite;
mod store_tests;
mod stream_tests;
mod texts_tests;
