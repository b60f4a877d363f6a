//! Shared request-signing primitives: percent-encoding sets, canonical query and header
//! builders, hex, HMAC-SHA256 chains and a cache for derived signing keys.
