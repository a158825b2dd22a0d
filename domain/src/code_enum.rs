//! `code_enum!` declares an enum whose values travel as the glossary's snake_case
//! code names (DESIGN.md §2): `FromStr`, `as_str`, `NAMES` and `ALL` come from the
//! listed codes; serde and the OpenAPI schema use the variant names in snake_case,
//! and `assert_codes_match_serde` (run in every enum's tests) keeps the two equal.

#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        // serde and utoipa read `rename_all` (utoipa cannot see a `rename` built from a
        // macro fragment); the test `code_names_match_serde` holds every code to it.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every code name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($code),+];

            /// The code name, as stored and as sent over the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::validation::Violation;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::validation::Violation::NotAllowed {
                        allowed: Self::NAMES.iter().map(|n| (*n).to_owned()).collect(),
                    }),
                }
            }
        }

        impl $name {
            /// Panics unless every listed code is what serde writes (for tests).
            pub fn assert_codes_match_serde() {
                for value in Self::ALL {
                    let json = serde_json::to_string(value).unwrap_or_default();
                    assert_eq!(json, format!("\"{}\"", value.as_str()), "{}", stringify!($name));
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
