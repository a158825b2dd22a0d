// The diesel schema, as `diesel print-schema` writes it for the PostgreSQL
// migrations, with the two portable types of `crate::dialect` in place of
// `Uuid`/`Timestamptz`. Change it only together with the migrations; the test
// `schema_matches_migrations` checks the two agree on both backends.

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::PortableTimestamp;

    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        full_name -> Text,
        children_count -> Integer,
        townships_count -> Integer,
        villages_count -> Integer,
        key_county -> Nullable<Text>,
        border_county -> Bool,
        tags -> Text,
        version -> Integer,
        updated_at -> PortableTimestamp,
    }
}
