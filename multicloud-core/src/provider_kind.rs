//! [`ProviderKind`]: which cloud a provider, an error or a limit belongs to.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The five supported clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ProviderKind {
    /// Amazon Web Services.
    Aws,
    /// Huawei Cloud.
    Huawei,
    /// Tencent Cloud.
    Tencent,
    /// Baidu AI Cloud (BCE).
    Baidu,
    /// China Telecom e-Surfing Cloud.
    Ctyun,
}

impl ProviderKind {
    /// All providers, in a stable order.
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::Aws,
        ProviderKind::Huawei,
        ProviderKind::Tencent,
        ProviderKind::Baidu,
        ProviderKind::Ctyun,
    ];

    /// The lower-case name used in config files and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Aws => "aws",
            ProviderKind::Huawei => "huawei",
            ProviderKind::Tencent => "tencent",
            ProviderKind::Baidu => "baidu",
            ProviderKind::Ctyun => "ctyun",
        }
    }

    /// The cloud's name as its users know it, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Aws => "AWS",
            ProviderKind::Huawei => "Huawei Cloud",
            ProviderKind::Tencent => "Tencent Cloud",
            ProviderKind::Baidu => "Baidu AI Cloud",
            ProviderKind::Ctyun => "CTyun",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
