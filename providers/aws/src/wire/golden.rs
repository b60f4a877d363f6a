//! Golden files for the parsing paths: representative response bodies in `testdata/` and the
//! exact JSON the SDK derives from them, so a faster parser must give byte-identical output.
//!
//! After an intended change of output, regenerate with
//! `MULTICLOUD_BLESS=1 cargo test -p multicloud-aws golden` and review the diff.

use std::path::PathBuf;

use serde::Serialize;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/wire/testdata")
        .join(name)
}

/// The body of fixture `name`.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let p = path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// Asserts that `value`, as pretty JSON, equals golden file `name`.
pub(crate) fn check(name: &str, value: &impl Serialize) {
    let actual = serde_json::to_string_pretty(value).expect("serializable") + "\n";
    let p = path(name);
    if std::env::var_os("MULTICLOUD_BLESS").is_some() {
        std::fs::write(&p, &actual).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        return;
    }
    let expected = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("golden {}: {e} (bless it first)", p.display()));
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  got:  {:?}\n  want: {:?}",
            line + 1,
            actual.lines().nth(line),
            expected.lines().nth(line)
        );
    }
}
