//! OpenAPI schemas of the newtypes whose rules a derive cannot state: the
//! same patterns and lengths their `parse` functions enforce.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

fn string(pattern: &str, min: usize, max: usize, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(min))
        .max_length(Some(max))
        .description(Some(description))
        .into()
}

macro_rules! string_schema {
    ($ty:ty, $name:literal, $pattern:expr, $min:expr, $max:expr, $description:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($pattern, $min, $max, $description)
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

string_schema!(
    crate::EnvironmentName,
    "EnvironmentName",
    "^[a-z][a-z0-9-]{1,30}$",
    2,
    31,
    "A colour slug; reserved words (api, admin, new, …) are refused."
);
string_schema!(
    crate::Channel,
    "Channel",
    "^([A-Za-z0-9.-]{1,20}/)?(edge|beta|candidate|stable)$",
    4,
    30,
    "A Charmhub risk, optionally with a track: edge, 2/stable."
);
string_schema!(
    crate::access::Subject,
    "Subject",
    "^(user:[A-Za-z0-9._@-]{1,128}|group:[A-Za-z0-9._@-]{1,128}(#member)?)$",
    6,
    141,
    "user:<id> or group:<name>."
);
