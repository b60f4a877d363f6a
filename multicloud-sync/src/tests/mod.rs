//! Engine and store tests against an in-test fake cloud.

mod engine_tests;
mod fake;
mod schedule_tests;
mod store_tests;
