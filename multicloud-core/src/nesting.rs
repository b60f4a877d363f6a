//! A bound on how deeply a response document may nest, checked without recursion.
//!
//! Real cloud answers nest about ten levels (an EC2 instance's network interface's private
//! address's association). A document nested thousands of levels deep is an attack or a
//! broken server, and a tree built from it overflows the stack when it is dropped,
//! serialized or walked: `serde_json::Value` does all three recursively. So parsers refuse
//! anything deeper than [`MAX_DEPTH`] *before* building it: the XML converters count open
//! elements, and JSON bodies are scanned with [`check_json_depth`] before `serde_json` sees
//! them. Every tree the SDK holds is then at most [`MAX_DEPTH`] deep, well inside
//! `serde_json`'s own recursion limit of 128, so whatever is stored can be parsed back.
//!
//! ```
//! use multicloud_core::nesting::{check_json_depth, MAX_DEPTH};
//! use multicloud_core::ErrorKind;
//!
//! assert!(check_json_depth(br#"{"Response":{"InstanceSet":[{"Id":"a"}]}}"#, MAX_DEPTH).is_ok());
//! let deep = format!("{}{}", "[".repeat(4000), "]".repeat(4000));
//! let err = check_json_depth(deep.as_bytes(), MAX_DEPTH).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Decode);
//! ```

use crate::error::{Error, Result};

/// The deepest nesting a response document may have: elements for XML (the root is level
/// 1), objects and arrays for JSON.
pub const MAX_DEPTH: usize = 64;

/// The [`Decode`](crate::ErrorKind::Decode) error for a `format` document (`"XML"`,
/// `"JSON"`) nested deeper than `max` levels.
pub fn too_deep(format: &str, max: usize) -> Error {
    Error::decode(format!(
        "the {format} document is nested deeper than {max} levels"
    ))
}

/// Checks that the objects and arrays of the JSON text `body` nest at most `max` levels,
/// in one pass over the bytes and without building anything.
///
/// Brackets inside strings do not count. The text is not validated otherwise: a parser
/// still has to read it, and now cannot recurse deeper than `max`.
pub fn check_json_depth(body: &[u8], max: usize) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(too_deep("JSON", max));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn nested(depth: usize) -> String {
        format!("{}1{}", r#"{"a":["#.repeat(depth), "]}".repeat(depth))
    }

    #[test]
    fn depth_counts_objects_and_arrays_up_to_the_limit_exactly() {
        // Each `{"a":[` opens two levels.
        assert!(check_json_depth(nested(32).as_bytes(), 64).is_ok());
        let err = check_json_depth(nested(33).as_bytes(), 64).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("deeper than 64 levels"), "{err}");
        assert!(check_json_depth(b"[[]]", 2).is_ok());
        assert!(check_json_depth(b"[[[]]]", 2).is_err());
        assert!(check_json_depth(b"\"scalar\"", 0).is_ok());
    }

    #[test]
    fn brackets_inside_strings_and_escaped_quotes_do_not_count() {
        let text = r#"{"k":"[[[[\"[[[[","v":["]]]]{{{{"]}"#;
        assert!(check_json_depth(text.as_bytes(), 2).is_ok());
        let escaped_backslash = r#"["\\",[[]]]"#;
        assert!(check_json_depth(escaped_backslash.as_bytes(), 2).is_err());
        assert!(check_json_depth(escaped_backslash.as_bytes(), 3).is_ok());
    }

    #[test]
    fn siblings_do_not_add_up() {
        let wide = format!("[{}[]]", "[],".repeat(10_000));
        assert!(check_json_depth(wide.as_bytes(), 2).is_ok());
    }

    #[test]
    fn four_thousand_levels_are_refused_without_recursion() {
        let deep = nested(2000);
        let err = check_json_depth(deep.as_bytes(), MAX_DEPTH).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }
}
