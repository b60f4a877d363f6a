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

/// `value` as pretty JSON with sorted keys: the form golden files are compared in (a
/// `RawRecord` is written as its compact text by a pretty writer, so both sides go through
/// one `Value`).
fn normal(value: &impl Serialize) -> String {
    let tree = serde_json::to_value(value).expect("serializable");
    serde_json::to_string_pretty(&tree).expect("serializable") + "\n"
}

/// Asserts that `value`, as pretty JSON with sorted keys, equals golden file `name` read the
/// same way.
pub(crate) fn check(name: &str, value: &impl Serialize) {
    let actual = normal(value);
    let p = path(name);
    if std::env::var_os("MULTICLOUD_BLESS").is_some() {
        std::fs::write(&p, &actual).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        return;
    }
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("golden {}: {e} (bless it first)", p.display()));
    let golden: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("golden {}: {e}", p.display()));
    let expected = normal(&golden);
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
