//! `multicloud-mock`: serves the simulated clouds on loopback ports.

fn main() {}
