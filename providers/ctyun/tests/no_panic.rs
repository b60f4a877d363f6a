//! The EOP signer never panics, whatever the request, key, time or request id, and `sign`
//! always writes what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use multicloud_ctyun::EopSigner;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(input in arbitrary::input()) {
        let arbitrary::Input { mut request, key, time, text } = input;
        let signer = EopSigner::new();
        let parts = signer.signing_parts(&request, &key, time, &text);
        let signed = signer.sign(&mut request, &key, time, &text);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["eop-authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
            (p, s) => prop_assert!(false, "disagree: parts ok {}, sign ok {}", p.is_ok(), s.is_ok()),
        }
    }
}
