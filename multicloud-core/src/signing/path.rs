//! Canonical URI forms: botocore's dot-segment removal with re-encoding, and Huawei's
//! decode-split-encode with a forced trailing slash.

use super::encode::{percent_decode_lossy, UNRESERVED_SLASH};
use super::sink::Sink;

/// botocore's `remove_dot_segments`: splits on `/`, drops empty and `.` segments, `..` pops,
/// keeps a leading `/`, and a trailing `/` only if a segment is left (so `//` collapses).
pub fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            s => kept.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push('/');
    }
    for (n, s) in kept.iter().enumerate() {
        if n > 0 {
            out.push('/');
        }
        out.push_str(s);
    }
    if path.ends_with('/') && !kept.is_empty() {
        out.push('/');
    }
    out
}

/// AWS `SigV4Auth`: `quote(remove_dot_segments(path) or '/', safe='/~')`. The path is the one on
/// the wire, so an existing `%XX` is encoded again (`/a%20b` → `/a%2520b`).
pub fn normalized_then_encoded(path: &str, out: &mut impl Sink) {
    if path.is_empty() {
        out.put_byte(b'/');
        return;
    }
    // The common case (no dot segment or doubled slash can be there) needs no rewritten
    // copy; the test is conservative (`/.well-known` takes the slow, equally right, way).
    let plain = !path.starts_with('.') && !path.contains("/.") && !path.contains("//");
    if plain {
        UNRESERVED_SLASH.encode_into(path.as_bytes(), out);
    } else {
        UNRESERVED_SLASH.encode_into(remove_dot_segments(path).as_bytes(), out);
    }
}

/// Huawei: `unquote(path)` (invalid UTF-8 becomes U+FFFD), split on `/` — so an encoded `%2F`
/// becomes a separator — each segment `quote(seg, safe='~')`, joined with `/`, and a `/`
/// appended unless the result ends with one. Returns `false` for an empty path, which the
/// SDK cannot sign (it raises `IndexError`).
pub fn decoded_then_encoded_with_trailing_slash(path: &str, out: &mut impl Sink) -> bool {
    if path.is_empty() {
        return false;
    }
    // The usual path has no `%` and nothing to escape: decoding and encoding both keep it.
    if UNRESERVED_SLASH.is_encoded_form_of(path.as_bytes()) {
        out.put(path.as_bytes());
        if !path.ends_with('/') {
            out.put_byte(b'/');
        }
        return true;
    }
    let decoded = percent_decode_lossy(path);
    // Encoding each '/'-separated segment and re-joining equals encoding with '/' kept; the
    // encoded form ends with '/' exactly when the decoded one does.
    UNRESERVED_SLASH.encode_into(decoded.as_bytes(), out);
    if !decoded.ends_with('/') {
        out.put_byte(b'/');
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(p: &str) -> String {
        let mut out = Vec::new();
        normalized_then_encoded(p, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn huawei(p: &str) -> Option<String> {
        let mut out = Vec::new();
        decoded_then_encoded_with_trailing_slash(p, &mut out)
            .then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn dot_segments_follow_botocore() {
        for (input, want) in [
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("//example//", "/example/"),
            ("/./example", "/example"),
            ("/a/b/../c/./d/", "/a/c/d/"),
            ("/../..", "/"),
            ("a/b", "a/b"),
        ] {
            assert_eq!(remove_dot_segments(input), want, "{input}");
        }
    }

    #[test]
    fn aws_normalized_path_encodes_percent_again() {
        assert_eq!(aws("/a%20b"), "/a%2520b");
        assert_eq!(
            aws("/test/@connections/JBDvjfGEIAMCERw%3D"),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
        assert_eq!(aws("/ሴ"), "/%E1%88%B4");
        assert_eq!(aws("/a*b+c=d"), "/a%2Ab%2Bc%3Dd");
        assert_eq!(aws(""), "/");
        assert_eq!(aws("//x/./y/../"), "/x/");
        assert_eq!(aws("/.well-known/x"), "/.well-known/x");
        assert_eq!(aws("./a/../b"), "b");
        assert_eq!(aws("/a/."), "/a");
    }

    #[test]
    fn huawei_appends_slash_and_decodes_encoded_slash() {
        assert_eq!(huawei("/v3/projects").as_deref(), Some("/v3/projects/"));
        assert_eq!(huawei("/").as_deref(), Some("/"));
        assert_eq!(huawei("/a%2Fb").as_deref(), Some("/a/b/"));
        assert_eq!(huawei("/a b*/%7e").as_deref(), Some("/a%20b%2A/~/"));
        assert_eq!(huawei("/x/../y").as_deref(), Some("/x/../y/"));
        assert_eq!(huawei("/%FF").as_deref(), Some("/%EF%BF%BD/"));
        assert_eq!(huawei(""), None);
        assert_eq!(huawei("/a.b-c_d~e/").as_deref(), Some("/a.b-c_d~e/"));
    }

    #[test]
    fn huawei_paths_match_decode_then_encode_for_every_short_path() {
        // Every path of up to four characters from an alphabet of kept, escaped and `%`
        // characters, against decoding the whole path, then encoding it.
        let alphabet = ["a", "/", "~", "%", "2F", " ", "é", "*"];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            paths.extend(longer);
        }
        paths.sort();
        paths.dedup();
        for path in paths.iter().filter(|p| !p.is_empty()) {
            let decoded = percent_decode_lossy(path);
            let mut want = UNRESERVED_SLASH.encode(decoded.as_bytes());
            if !want.ends_with('/') {
                want.push('/');
            }
            assert_eq!(huawei(path).as_deref(), Some(want.as_str()), "{path:?}");
        }
    }
}
