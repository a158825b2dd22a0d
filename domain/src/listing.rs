//! Paging and sorting of lists: `page` from 1, `page_size` 1–100 (default 20), and
//! `sort` naming one field, `-` in front for descending.

use crate::validation::{FieldError, Violation};

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;
/// Far beyond any real list; keeps `offset` arithmetic safely inside `i64`.
pub const MAX_PAGE: i64 = 1_000_000;

/// A validated page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: i64,
    page_size: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// Parses the raw `page` and `page_size` query values, reporting every bad one.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let page = parse_bounded("page", page, 1, MAX_PAGE, 1, &mut errors);
        let page_size = parse_bounded(
            "page_size",
            page_size,
            1,
            MAX_PAGE_SIZE,
            DEFAULT_PAGE_SIZE,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(PageRequest { page, page_size })
        } else {
            Err(errors)
        }
    }

    pub fn page(&self) -> i64 {
        self.page
    }

    pub fn page_size(&self) -> i64 {
        self.page_size
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }
}

fn parse_bounded(
    field: &str,
    raw: Option<&str>,
    min: i64,
    max: i64,
    default: i64,
    errors: &mut Vec<FieldError>,
) -> i64 {
    let Some(raw) = raw else { return default };
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        Ok(_) => {
            errors.push(FieldError::new(field, Violation::OutOfRange { min, max }));
            default
        }
        Err(_) => {
            errors.push(FieldError::new(
                field,
                Violation::InvalidFormat {
                    expected: "integer".to_owned(),
                },
            ));
            default
        }
    }
}

/// The fields a list can be sorted by; each list declares its own enum.
pub trait SortField: Sized + Copy + Eq + std::fmt::Debug {
    /// Every field name accepted in `sort`, in the order shown to clients.
    const NAMES: &'static [&'static str];
    /// The order used when `sort` is absent.
    const DEFAULT: Sort<Self>;

    fn from_name(name: &str) -> Option<Self>;
}

/// One sort key and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    pub field: F,
    pub descending: bool,
}

impl<F: SortField> Sort<F> {
    /// Parses `sort=field` or `sort=-field`.
    pub fn parse(raw: Option<&str>) -> Result<Self, FieldError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(F::DEFAULT);
        };
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw.strip_prefix('+').unwrap_or(raw)),
        };
        F::from_name(name)
            .map(|field| Sort { field, descending })
            .ok_or_else(|| {
                FieldError::new(
                    "sort",
                    Violation::NotAllowed {
                        allowed: F::NAMES
                            .iter()
                            .flat_map(|n| [(*n).to_owned(), format!("-{n}")])
                            .collect(),
                    },
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Field {
        Code,
        Name,
    }

    impl SortField for Field {
        const NAMES: &'static [&'static str] = &["code", "name"];
        const DEFAULT: Sort<Self> = Sort {
            field: Field::Code,
            descending: false,
        };
        fn from_name(name: &str) -> Option<Self> {
            match name {
                "code" => Some(Field::Code),
                "name" => Some(Field::Name),
                _ => None,
            }
        }
    }

    #[test]
    fn defaults_apply_when_absent() {
        let p = PageRequest::parse(None, None).unwrap();
        assert_eq!((p.page(), p.page_size(), p.offset()), (1, 20, 0));
    }

    #[test]
    fn offset_follows_page() {
        let p = PageRequest::parse(Some("3"), Some("100")).unwrap();
        assert_eq!(p.offset(), 200);
    }

    #[test]
    fn bounds_are_enforced() {
        for (page, size, field, code) in [
            ("1", "0", "page_size", "out_of_range"),
            ("1", "101", "page_size", "out_of_range"),
            ("1", "-1", "page_size", "out_of_range"),
            ("1", "abc", "page_size", "invalid_format"),
            ("0", "10", "page", "out_of_range"),
            ("x", "10", "page", "invalid_format"),
            ("99999999999999999999", "10", "page", "invalid_format"),
            ("1000001", "10", "page", "out_of_range"),
        ] {
            let errors = PageRequest::parse(Some(page), Some(size)).unwrap_err();
            assert_eq!(errors.len(), 1, "{page} {size}");
            assert_eq!(errors[0].field, field);
            assert_eq!(errors[0].violation.code(), code);
        }
        let both = PageRequest::parse(Some("0"), Some("0")).unwrap_err();
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn sort_parses_direction() {
        assert_eq!(Sort::<Field>::parse(None).unwrap(), Field::DEFAULT);
        let s = Sort::<Field>::parse(Some("-name")).unwrap();
        assert_eq!((s.field, s.descending), (Field::Name, true));
        let s = Sort::<Field>::parse(Some("name")).unwrap();
        assert!(!s.descending);
        let e = Sort::<Field>::parse(Some("population")).unwrap_err();
        assert_eq!(e.field, "sort");
        assert_eq!(e.violation.code(), "not_allowed");
    }
}
