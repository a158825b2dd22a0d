//! Credit codes and ID numbers with correct check characters.

use domain::household::IdNumber;
use domain::organization::CreditCode;

use crate::DemoError;

pub(crate) const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A credit code from its first 8 characters (registering department, kind, division)
/// and 8 characters of organization code: appends the GB 11714 check character of the
/// organization code and the GB 32100 check character of the whole.
pub(crate) fn credit_code(prefix: &str, body: &str) -> Result<String, DemoError> {
    let value11 = |b: u8| match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 0,
    };
    let sum: u32 = body
        .bytes()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(b, w)| value11(b) * w)
        .sum();
    let c9 = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    };
    let first17 = format!("{prefix}{body}{c9}");
    let (mut weight, mut sum) = (1u32, 0u32);
    for b in first17.bytes() {
        let value = CREDIT_ALPHABET.iter().position(|&c| c == b).unwrap_or(0) as u32;
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let c18 = char::from(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]);
    let code = format!("{first17}{c18}");
    CreditCode::parse(&code)
        .map(|c| c.as_str().to_owned())
        .map_err(|_| DemoError::Bug(format!("credit code {code}")))
}

/// The check character of an 18-character ID number over its first 17 digits.
pub(crate) fn id_number(first17: &str) -> Result<IdNumber, DemoError> {
    let check = IdNumber::check_char(first17)
        .ok_or_else(|| DemoError::Bug("ID number digits".to_owned()))?;
    IdNumber::parse(&format!("{first17}{check}"))
        .map_err(|_| DemoError::Bug("ID number".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credit_codes_and_id_numbers_are_valid() {
        let code = credit_code("51530000", "MJ012345").unwrap();
        assert!(CreditCode::parse(&code).is_ok());
        let code = credit_code("91530102", "MA6K1Q2R").unwrap();
        assert!(CreditCode::parse(&code).is_ok());
        let id = id_number("53010219800101001").unwrap();
        assert_eq!(id.as_str().len(), 18);
    }
}
