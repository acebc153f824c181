//! Releases: a charm revision published on a channel. CI records them; a
//! promotion warns when it brings a revision its target's channel has not
//! released.

use serde::{Deserialize, Serialize};

/// A charm revision released on a channel; one per (charm, channel, revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub charm: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Channel))]
    pub channel: String,
    pub revision: u32,
    pub at: i64,
    pub by: String,
}
