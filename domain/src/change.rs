//! What a write changed, field by field: recorded in the audit log as
//! `{"field": {"before": …, "after": …}}`.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Value,
    pub after: Value,
}

/// The changes of one write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(Vec<FieldChange>);

impl Changes {
    pub fn new() -> Self {
        Changes(Vec::new())
    }

    /// Records `field` if `before` and `after` differ.
    pub fn compare<T: serde::Serialize + PartialEq>(
        &mut self,
        field: &'static str,
        before: &T,
        after: &T,
    ) {
        if before != after {
            self.0.push(FieldChange {
                field,
                before: serde_json::to_value(before).unwrap_or(Value::Null),
                after: serde_json::to_value(after).unwrap_or(Value::Null),
            });
        }
    }

    /// Records a change whose values must not be kept (a password): only that it
    /// happened.
    pub fn redacted(&mut self, field: &'static str) {
        self.0.push(FieldChange {
            field,
            before: Value::String("[redacted]".to_owned()),
            after: Value::String("[redacted]".to_owned()),
        });
    }

    /// Records a change of personal data by its masked forms (which may be equal
    /// when the clear values differ): the log never holds the clear values.
    pub fn masked<T: serde::Serialize>(&mut self, field: &'static str, before: &T, after: &T) {
        self.0.push(FieldChange {
            field,
            before: serde_json::to_value(before).unwrap_or(Value::Null),
            after: serde_json::to_value(after).unwrap_or(Value::Null),
        });
    }

    /// Records a value set on creation.
    pub fn created<T: serde::Serialize>(&mut self, field: &'static str, after: &T) {
        self.0.push(FieldChange {
            field,
            before: Value::Null,
            after: serde_json::to_value(after).unwrap_or(Value::Null),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|c| c.field)
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for c in &self.0 {
            let mut entry = Map::new();
            entry.insert("before".to_owned(), c.before.clone());
            entry.insert("after".to_owned(), c.after.clone());
            map.insert(c.field.to_owned(), Value::Object(entry));
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differences_are_kept() {
        let mut c = Changes::new();
        c.compare("a", &1, &1);
        c.compare("b", &Some("x"), &None::<&str>);
        c.redacted("password");
        assert_eq!(
            c.to_json(),
            serde_json::json!({"b": {"before": "x", "after": null}, "password": {"before": "[redacted]", "after": "[redacted]"}})
        );
        assert_eq!(c.fields().collect::<Vec<_>>(), ["b", "password"]);
    }
}
