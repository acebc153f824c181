//! `string_enum!`: a closed set of wire strings as a Rust enum.

/// Declares a closed string enum with `as_str`, `parse` (a typed error that
/// names the field and lists the choices), `ALL`, `Display`, `FromStr` and
/// serde in its wire form.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] #[cfg_attr(feature = "openapi", schema(rename = $text))] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(input: &str) -> Result<Self, $crate::ValidationError> {
                match input {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::ValidationError::new(
                        $field,
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }
    };
}
