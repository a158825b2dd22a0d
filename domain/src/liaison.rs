//! 联络员: the liaison officers each prefecture and county names, one from civil
//! affairs and one from rural revitalization.

use chrono::{DateTime, Utc};

use crate::identity::Department;
use crate::organization::Phone;
use crate::validation::Violation;

/// An e-mail address: one `@`, a plain local part, a domain with a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Violation> {
        let raw = raw.trim();
        let invalid = || Violation::InvalidFormat {
            expected: "an e-mail address such as liaison@example.gov.cn".to_owned(),
        };
        if raw.len() > 254 {
            return Err(Violation::TooLong { max: 254 });
        }
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        if local_ok && domain_ok {
            Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A liaison officer of a prefecture or county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liaison {
    pub id: uuid::Uuid,
    pub region_code: crate::RegionCode,
    pub department: Department,
    pub name: String,
    pub position: Option<String>,
    pub phone: Phone,
    pub email: Option<Email>,
    /// Naming a new liaison for the same region and department retires this one.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "liaison@example.gov.cn",
            "zhang.san+ynmz@Mail.Example.CN",
            "a@b.co",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse("x@Example.CN").unwrap().as_str(),
            "x@example.cn"
        );
        for bad in [
            "", "x", "x@", "@x.cn", "x@cn", "x@-a.cn", "x@a..cn", "x y@a.cn", ".x@a.cn", "x@a.c1",
            "张@a.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
