//! The COS signer never panics, whatever the request, key, time or expiry, and `sign` always
//! writes what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use std::time::Duration;

use multicloud_core::signing::RequestSigner;
use multicloud_tencent::CosSigner;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cos_signing_never_panics_and_sign_agrees_with_signing_parts(
        input in arbitrary::input(),
        expiry in any::<u64>(),
    ) {
        let arbitrary::Input { mut request, key, time, .. } = input;
        let signer = CosSigner::new().with_expiry(Duration::from_secs(expiry));
        let parts = signer.signing_parts(&request, &key, time);
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
                prop_assert!(parts.authorization.starts_with("q-sign-algorithm=sha1&q-ak="));
                // Re-signing the signed request replaces the header and gives the same value.
                let again = signer.signing_parts(&request, &key, time).expect("signs again");
                prop_assert_eq!(again.signature, parts.signature);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
            (p, s) => prop_assert!(false, "disagree: parts ok {}, sign ok {}", p.is_ok(), s.is_ok()),
        }
    }
}
