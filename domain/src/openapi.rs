//! OpenAPI schemas of the rules a derive cannot state, built from the very
//! constants the parsers enforce (one source of truth): the name rules'
//! patterns and lengths, the revision and page bounds, the limits of free
//! text, the manifest's shape and the server-sent events.
//!
//! The unit structs here ([`Name`], [`Revision`], …) exist only as schemas,
//! for fields that are plain strings or numbers on the wire but follow a
//! rule (`#[schema(value_type = crate::openapi::Name)]`).

use std::borrow::Cow;

use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::environment::{
    CHANNEL_MAX_LEN, CHANNEL_PATTERN, ISSUER_MAX_LEN, ISSUER_PATTERN, LOCK_REASON_MAX_LEN,
    MAX_LAYERS, NAME_MAX_LEN, NAME_MIN_LEN, NAME_PATTERN, PURPOSE_MAX_LEN, RESERVED_NAMES,
};
use crate::manifest::{MAX_APPLICATIONS, MAX_NAME, MAX_REVISION, NAME_PATTERN as APP_PATTERN};
use crate::promotion::{
    MAX_APPROVALS, MAX_COMMENT, VERIFY_INTERVAL_SECS, VERIFY_PASSES, VERIFY_WINDOW_SECS,
};
use crate::release::{MAX_REASON, MAX_RESOURCES};
use crate::text::NOT_BLANK;

fn string(pattern: &str, min: usize, max: usize, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(min))
        .max_length(Some(max))
        .description(Some(description))
}

fn integer(min: i64, max: i64, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(min as f64))
        .maximum(Some(max as f64))
        .description(Some(description))
}

/// Free text of at most `max` characters; `required` text must not be blank.
fn text(max: usize, required: bool, description: &str) -> RefOr<Schema> {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .description(Some(description));
    if required {
        schema.min_length(Some(1)).pattern(Some(NOT_BLANK)).into()
    } else {
        schema.into()
    }
}

/// JSON Schema keywords utoipa's builders lack (`not`, `contentSchema`).
fn keywords(pairs: &[(&str, serde_json::Value)]) -> Option<Extensions> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// A named schema: `PartialSchema` from an expression, `ToSchema` with a name.
macro_rules! named_schema {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema.into()
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

named_schema!(
    crate::EnvironmentName,
    "EnvironmentName",
    string(
        NAME_PATTERN,
        NAME_MIN_LEN,
        NAME_MAX_LEN,
        "A colour slug; the reserved words (api, admin, new, …) are refused."
    )
    .extensions(keywords(&[("not", json!({ "enum": RESERVED_NAMES }))]))
);
named_schema!(
    crate::Channel,
    "Channel",
    string(
        CHANNEL_PATTERN,
        4,
        CHANNEL_MAX_LEN,
        "A Charmhub channel, [track/]risk[/branch]: edge, 2/stable, latest/edge/fix-1."
    )
);
named_schema!(
    crate::access::Subject,
    "Subject",
    string(
        crate::access::SUBJECT_PATTERN,
        6,
        "group:".len() + crate::access::SUBJECT_ID_MAX_LEN + "#member".len(),
        "user:<id>, group:<name> or group:<name>#member."
    )
);

fn name() -> ObjectBuilder {
    string(
        APP_PATTERN,
        1,
        MAX_NAME,
        "An application, charm or resource name: lowercase letters, digits and '-'.",
    )
}

/// An application, charm or resource name.
pub struct Name;
named_schema!(Name, "Name", name());

/// A charm or resource revision.
pub struct Revision;
named_schema!(
    Revision,
    "Revision",
    integer(1, i64::from(MAX_REVISION), "A charm or resource revision.")
);

/// A list's `before`: the `next` of the previous page.
pub struct Cursor;
named_schema!(
    Cursor,
    "Cursor",
    integer(1, i64::MAX, "The `next` of the previous page.")
);

/// A log line's sequence number.
pub struct Seq;
named_schema!(
    Seq,
    "Seq",
    integer(0, i64::MAX, "A log line's sequence number.")
);

named_schema!(
    crate::Limit,
    "Limit",
    integer(
        crate::Limit::MIN,
        crate::Limit::MAX,
        "How many items a page holds at most."
    )
);

/// A person's OIDC subject: the id in `user:<id>`.
pub struct UserId;
named_schema!(
    UserId,
    "UserId",
    string(
        crate::access::USER_ID_PATTERN,
        1,
        crate::access::SUBJECT_ID_MAX_LEN,
        "A person's OIDC subject, the <id> of user:<id>."
    )
);

/// A principal as filters take it.
pub struct Principal;
named_schema!(
    Principal,
    "Principal",
    string(
        crate::job::PRINCIPAL_PATTERN,
        1,
        crate::job::PRINCIPAL_MAX_LEN,
        "A principal such as user:alice (or just alice)."
    )
);

/// An audit action, or a prefix of one.
pub struct Action;
named_schema!(
    Action,
    "Action",
    string(
        crate::audit::ACTION_PATTERN,
        1,
        crate::audit::ACTION_MAX_LEN,
        "An action such as environment.create, or a prefix such as environment."
    )
);

/// A time as filters take it.
pub struct Since;
named_schema!(
    Since,
    "Since",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::time::TIME_PATTERN))
        .description(Some(
            "Unix milliseconds, a UTC date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z)."
        ))
);

/// Text without whitespace at either end, as every query parameter is.
pub struct Trimmed;
named_schema!(
    Trimmed,
    "Trimmed",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::text::trimmed_pattern()))
        .min_length(Some(1))
        .description(Some("Text without whitespace at either end."))
);

/// A blueprint layer's name. The served document lists the configured
/// blueprint's layers (see the server's `openapi.rs`).
pub struct LayerName;
named_schema!(
    LayerName,
    "LayerName",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("A layer of the server's blueprint."))
);

named_schema!(
    crate::Manifest,
    "Manifest",
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("Application name → deployed charm."))
        .property_names(Some(name()))
        .max_properties(Some(MAX_APPLICATIONS))
        .additional_properties(Some(AdditionalProperties::RefOr(reference::<
            crate::ManifestEntry,
        >())))
);

/// The body of `POST /promotions/{id}/reject`: a `DecisionRequest` whose
/// comment is required.
pub struct Rejection;
named_schema!(
    Rejection,
    "Rejection",
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "comment",
            text(MAX_COMMENT, true, "Why it is rejected (required).")
        )
        .required("comment")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
);

pub fn purpose() -> RefOr<Schema> {
    text(PURPOSE_MAX_LEN, false, "What the environment is for.")
}

pub fn issuer() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ISSUER_PATTERN))
        .max_length(Some(ISSUER_MAX_LEN))
        .description(Some(
            "An absolute http(s) URL without query or fragment; empty: https://iam.<name>.example.com.",
        ))
        .into()
}

/// Layers to build or apply. The served document adds the blueprint's
/// dependencies: a layer comes with the layers it depends on.
pub struct Layers;
named_schema!(
    Layers,
    "Layers",
    ArrayBuilder::new()
        .items(reference::<LayerName>())
        .max_items(Some(MAX_LAYERS))
        .description(Some(
            "Layers of the blueprint, each with the layers it depends on; empty: all of them."
        ))
);

pub fn layers() -> RefOr<Schema> {
    reference::<Layers>()
}

pub fn applications() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(reference::<Name>())
        .max_items(Some(MAX_APPLICATIONS))
        .description(Some(
            "Applications to move; empty: every application whose revision differs.",
        ))
        .into()
}

pub fn resources() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("Resource name → revision."))
        .property_names(Some(name()))
        .max_properties(Some(MAX_RESOURCES))
        .additional_properties(Some(AdditionalProperties::RefOr(reference::<Revision>())))
        .into()
}

pub fn lock_reason() -> RefOr<Schema> {
    text(LOCK_REASON_MAX_LEN, true, "Why it is locked.")
}

pub fn quarantine_reason() -> RefOr<Schema> {
    text(MAX_REASON, true, "Why, for everyone who meets it.")
}

pub fn webhook_name() -> RefOr<Schema> {
    text(
        crate::notification::WEBHOOK_NAME_MAX_LEN,
        true,
        "What the admins call it.",
    )
}

pub fn webhook_url() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::notification::WEBHOOK_URL_PATTERN))
        .max_length(Some(crate::notification::WEBHOOK_URL_MAX_LEN))
        .description(Some(
            "An absolute http(s) URL without a fragment, where deliveries are POSTed.",
        ))
        .into()
}

pub fn webhook_secret() -> RefOr<Schema> {
    text(
        crate::notification::WEBHOOK_SECRET_MAX_LEN,
        false,
        "Signs json deliveries (HMAC-SHA256); write-only.",
    )
}

pub fn comment() -> RefOr<Schema> {
    text(MAX_COMMENT, false, "A comment on the decision.")
}

pub fn required_approvals() -> RefOr<Schema> {
    integer(0, i64::from(MAX_APPROVALS), "Distinct approvers needed.").into()
}

pub fn verify_passes() -> RefOr<Schema> {
    let (low, high) = VERIFY_PASSES;
    integer(
        i64::from(low),
        i64::from(high),
        "Consecutive passing OIDC checks that verify a promotion.",
    )
    .into()
}

pub fn verify_interval_secs() -> RefOr<Schema> {
    let (low, high) = VERIFY_INTERVAL_SECS;
    integer(
        i64::from(low),
        i64::from(high),
        "Seconds between verification checks.",
    )
    .into()
}

pub fn verify_window_secs() -> RefOr<Schema> {
    let (low, high) = VERIFY_WINDOW_SECS;
    integer(
        i64::from(low),
        i64::from(high),
        "Seconds verification may take: at least verify_interval_secs × (verify_passes − 1).",
    )
    .into()
}

/// One kind of server-sent event: its `event:` name, its `data:` (JSON of
/// `payload`) and whether it carries an `id:`.
struct SseEvent {
    name: &'static str,
    payload: Cow<'static, str>,
    id: bool,
    description: &'static str,
}

/// The schema of one event of a `text/event-stream` (OpenAPI 3.2's
/// `itemSchema`, which 3.1 tools read from `schema`): the event's name and
/// its data, a string holding JSON (`contentMediaType`, `contentSchema`).
fn sse_events(events: &[SseEvent]) -> RefOr<Schema> {
    let mut one_of = OneOfBuilder::new();
    for event in events {
        let data = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/json")
            .extensions(keywords(&[(
                "contentSchema",
                json!({ "$ref": format!("#/components/schemas/{}", event.payload) }),
            )]));
        let mut item = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(event.description))
            .property(
                "event",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([event.name])),
            )
            .required("event")
            .property("data", data)
            .required("data");
        if event.id {
            item = item
                .property(
                    "id",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^[0-9]+$")),
                )
                .required("id");
        }
        one_of = one_of.item(item);
    }
    one_of.into()
}

/// Adds `T` and everything it refers to.
fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

impl PartialSchema for crate::job::JobEvent {
    fn schema() -> RefOr<Schema> {
        use crate::job::JobEvent as E;
        let detail = crate::job::JobDetail::name();
        sse_events(&[
            SseEvent {
                name: E::JOB,
                payload: detail.clone(),
                id: false,
                description: "The job and its steps: first, then whenever they change.",
            },
            SseEvent {
                name: E::LOG,
                payload: crate::job::LogLine::name(),
                id: true,
                description:
                    "A log line; its id is the line's seq (send it back as Last-Event-ID).",
            },
            SseEvent {
                name: E::END,
                payload: detail,
                id: false,
                description: "The finished job, after its last line; the stream then closes.",
            },
            SseEvent {
                name: E::ERROR,
                payload: crate::ErrorBody::name(),
                id: false,
                description: "The job can no longer be read; the stream then closes.",
            },
        ])
    }
}

impl ToSchema for crate::job::JobEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JobEvent")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        collect::<crate::job::JobDetail>(schemas);
        collect::<crate::job::LogLine>(schemas);
        collect::<crate::ErrorBody>(schemas);
    }
}

impl PartialSchema for crate::PromotionStream {
    fn schema() -> RefOr<Schema> {
        use crate::PromotionStream as E;
        let detail = crate::PromotionDetail::name();
        sse_events(&[
            SseEvent {
                name: E::PROMOTION,
                payload: detail.clone(),
                id: false,
                description: "The promotion as GET /promotions/{id} answers it: first, then whenever it changes.",
            },
            SseEvent {
                name: E::END,
                payload: detail,
                id: false,
                description: "The promotion in a final state; the stream then closes.",
            },
            SseEvent {
                name: E::ERROR,
                payload: crate::ErrorBody::name(),
                id: false,
                description: "It can no longer be read; the stream then closes.",
            },
        ])
    }
}

impl ToSchema for crate::PromotionStream {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PromotionStream")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        collect::<crate::PromotionDetail>(schemas);
        collect::<crate::ErrorBody>(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern_of<T: PartialSchema>() -> regex::Regex {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        let pattern = schema["pattern"].as_str().unwrap_or_default().to_owned();
        regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    fn samples() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "a",
            "ab",
            "blue",
            "Blue",
            "1blue",
            "-blue",
            "blue-",
            "blue/x",
            "a b",
            "api",
            "edge",
            "2/edge",
            "latest/stable",
            "edge/fix-1",
            "3/beta/hot_fix",
            "nightly",
            "2/",
            "/edge",
            "2/edge/x/y",
            "edge/",
            "user:anne",
            "group:sre",
            "group:sre#member",
            "user:a#member",
            "user:",
            "group:a b",
            "kratos",
            "kratos-k8s",
            "0",
            "é",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for n in [30, 31, 32, 63, 64, 65, 128, 129] {
            out.push("a".repeat(n));
            out.push(format!("user:{}", "a".repeat(n)));
            out.push(format!("{}/edge", "t".repeat(n.min(25))));
            out.push(format!("edge/{}", "b".repeat(n)));
        }
        out
    }

    #[test]
    fn the_name_patterns_take_exactly_what_the_parsers_take() {
        let env = pattern_of::<crate::EnvironmentName>();
        let channel = pattern_of::<crate::Channel>();
        let subject = pattern_of::<crate::access::Subject>();
        let name = pattern_of::<Name>();
        for s in samples() {
            let reserved = RESERVED_NAMES.contains(&s.as_str());
            assert_eq!(
                env.is_match(&s) && !reserved,
                crate::EnvironmentName::parse(&s).is_ok(),
                "environment {s:?}"
            );
            assert_eq!(
                channel.is_match(&s),
                crate::Channel::parse(&s).is_ok(),
                "channel {s:?}"
            );
            assert_eq!(
                subject.is_match(&s),
                crate::access::Subject::parse(&s).is_ok(),
                "subject {s:?}"
            );
            assert_eq!(
                name.is_match(&s),
                crate::manifest::valid_name(&s),
                "name {s:?}"
            );
        }
    }

    #[test]
    fn the_issuer_pattern_takes_exactly_what_the_parser_takes() {
        let pattern = regex::Regex::new(ISSUER_PATTERN).unwrap_or_else(|e| panic!("{e}"));
        for s in [
            "https://iam.blue.example.com",
            "http://127.0.0.1:3000/realms/x",
            "https://",
            "https:///x",
            "https://x?y",
            "https://x#y",
            "https://x y",
            "https://é",
            "ftp://x",
            "iam.blue",
            "http://a\"b",
        ] {
            assert_eq!(
                pattern.is_match(s),
                crate::environment::validate_issuer(s).is_ok(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn the_webhook_url_pattern_takes_exactly_what_the_parser_takes() {
        let pattern = regex::Regex::new(crate::notification::WEBHOOK_URL_PATTERN)
            .unwrap_or_else(|e| panic!("{e}"));
        for s in [
            "https://hooks.example.com/services/T0/B0",
            "http://127.0.0.1:3000/hook?token=x",
            "https://",
            "https:///x",
            "https://?x",
            "https://#x",
            "https://x#y",
            "https://x y",
            "https://é",
            "ftp://x",
            "hooks.example.com",
            "http://a\"b",
        ] {
            assert_eq!(
                pattern.is_match(s),
                crate::notification::webhook_url(s).is_ok(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn sse_events_carry_json_data_of_their_payload() {
        let schema = serde_json::to_value(crate::job::JobEvent::schema()).unwrap_or_default();
        let events = schema["oneOf"].as_array().cloned().unwrap_or_default();
        let names: Vec<_> = events
            .iter()
            .map(|e| e["properties"]["event"]["enum"][0].clone())
            .collect();
        assert_eq!(
            names,
            [json!("job"), json!("log"), json!("end"), json!("error")]
        );
        let log = &events[1]["properties"];
        assert_eq!(log["data"]["contentMediaType"], "application/json");
        assert_eq!(
            log["data"]["contentSchema"]["$ref"],
            "#/components/schemas/LogLine"
        );
    }
}
