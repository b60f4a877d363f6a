//! SigV4 never panics, whatever the request, key or time, and `sign` always writes what
//! `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use multicloud_aws::SigV4Signer;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(
        input in arbitrary::input(),
        normalize in any::<bool>(),
        content_sha in any::<bool>(),
    ) {
        let arbitrary::Input { mut request, key, time, .. } = input;
        let signer = SigV4Signer::new("us-east-1", "ec2")
            .with_normalized_path(normalize)
            .with_content_sha256_header(content_sha);
        let parts = signer.signing_parts(&request, &key, time);
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
                // Signing the signed request again gives the same answer.
                let again = signer.signing_parts(&request, &key, time).expect("signs again");
                prop_assert_eq!(again.signature, parts.signature);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
            (p, s) => prop_assert!(false, "disagree: parts ok {}, sign ok {}", p.is_ok(), s.is_ok()),
        }
    }
}
