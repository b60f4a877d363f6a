//! The local check of a region id before it goes into a host name, a header or a path.
//!
//! Region ids of the five clouds are lower-case letters, digits and hyphens: AWS
//! `us-east-1` / `cn-northwest-1` / `us-gov-west-1`, Huawei `cn-north-4` / `eu-west-101`,
//! Tencent `ap-guangzhou` / `ap-shanghai-fsi`, Baidu `bj`, CTyun `bb9fdb42056f11eda1610242ac110002`
//! (a 32-digit hex id) or a code such as `cn-huadong1`. Anything else (`""`, `"../x"`,
//! `"us-east-1.evil.com"`, spaces, upper case) is refused before a request is built.

use crate::error::{Error, Result};

/// The longest region id accepted (CTyun's hex ids are 32 characters).
pub const MAX_REGION_ID_LEN: usize = 64;

/// Checks that `id` looks like a region id of one of the clouds: 1 to
/// [`MAX_REGION_ID_LEN`] characters of `a-z`, `0-9` and `-`, starting and ending with a
/// letter or digit. A [`Config`](crate::ErrorKind::Config) error otherwise.
///
/// ```
/// use multicloud_core::{validate_region_id, ErrorKind};
///
/// for ok in ["us-east-1", "cn-north-4", "ap-shanghai-fsi", "bj", "bb9fdb42056f11eda1610242ac110002"] {
///     assert!(validate_region_id(ok).is_ok());
/// }
/// for bad in ["", "../x", "ap guangzhou", "US-EAST-1", "us-east-1.evil.com", "-x"] {
///     assert_eq!(validate_region_id(bad).unwrap_err().kind(), ErrorKind::Config);
/// }
/// ```
pub fn validate_region_id(id: &str) -> Result<()> {
    let why = if id.is_empty() {
        "it is empty"
    } else if id.len() > MAX_REGION_ID_LEN {
        "it is longer than 64 characters"
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        "only a-z, 0-9 and - are allowed"
    } else if id.starts_with('-') || id.ends_with('-') {
        "it starts or ends with -"
    } else {
        return Ok(());
    };
    // Quoted escaped and cut short: the id may be anything a caller or a server sent.
    let shown: String = id.chars().take(MAX_REGION_ID_LEN).collect();
    Err(Error::config(format!("invalid region id {shown:?}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn real_region_ids_of_the_five_clouds_pass() {
        for id in [
            "us-east-1",
            "cn-northwest-1",
            "us-gov-west-1",
            "ap-southeast-3",
            "cn-north-4",
            "eu-west-101",
            "la-south-2",
            "ap-guangzhou",
            "ap-shanghai-fsi",
            "na-siliconvalley",
            "bj",
            "gz",
            "bb9fdb42056f11eda1610242ac110002",
            "cn-huadong1",
            "public",
        ] {
            assert!(validate_region_id(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn ids_that_would_change_a_host_header_or_path_are_config_errors() {
        let long = "a".repeat(MAX_REGION_ID_LEN + 1);
        for id in [
            "",
            " ",
            "../x",
            "ap guangzhou",
            " ap-guangzhou",
            "ap-guangzhou\n",
            "ap-guangzhou\r\nX-Evil: 1",
            "US-EAST-1",
            "us-east-1.evil.com",
            "us-east-1/",
            "a_b",
            "-x",
            "x-",
            "é",
            long.as_str(),
        ] {
            let err = validate_region_id(id).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{id:?}");
            assert!(!err.message().contains('\n'), "{err}");
        }
        assert!(validate_region_id(&"a".repeat(MAX_REGION_ID_LEN)).is_ok());
    }
}
