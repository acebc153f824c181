//! Days until a server certificate expires, read from its DER encoding with
//! a minimal DER reader (Certificate → tbsCertificate → validity → notAfter).

use std::time::{SystemTime, UNIX_EPOCH};

/// One DER element: its tag and contents; `rest` follows it.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    rest: &'a [u8],
}

fn read_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let (bytes, after) = input.split_at(count);
        input = after;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if input.len() < len {
        return None;
    }
    let (value, rest) = input.split_at(len);
    Some(Tlv { tag, value, rest })
}

fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read_tlv(input).filter(|t| t.tag == tag)
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The certificate's notAfter as Unix seconds, or `None` if the DER does not
/// parse.
pub fn not_after_unix(der: &[u8]) -> Option<i64> {
    let cert = expect(der, SEQUENCE)?;
    let tbs = expect(cert.value, SEQUENCE)?;
    let mut fields = tbs.value;
    if let Some(version) = expect(fields, VERSION) {
        fields = version.rest;
    }
    let serial = expect(fields, INTEGER)?;
    let signature = expect(serial.rest, SEQUENCE)?;
    let issuer = expect(signature.rest, SEQUENCE)?;
    let validity = expect(issuer.rest, SEQUENCE)?;
    let not_before = read_tlv(validity.value)?;
    let not_after = read_tlv(not_before.rest)?;
    parse_time(not_after.tag, not_after.value)
}

/// Whole days from `now` until notAfter (negative once expired).
pub fn days_left(der: &[u8], now: SystemTime) -> Option<i64> {
    let now = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    Some((not_after_unix(der)? - now).div_euclid(86_400))
}

fn parse_time(tag: u8, value: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(value).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2).and_then(|s| s.parse::<i64>().ok());
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

pub use domain::time::days_from_civil;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn pem_to_der(pem: &str) -> Vec<u8> {
        use base64::Engine as _;
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn days_from_civil_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2036, 11, 25), 24_435);
    }

    #[test]
    fn reads_utctime_not_after_of_a_real_certificate() {
        let der = pem_to_der(include_str!("../tests/fixtures/keycloak-sig-cert.pem"));
        // openssl x509 -enddate: notAfter=Nov 25 19:22:22 2036 GMT
        assert_eq!(
            not_after_unix(&der),
            Some(24_435 * 86_400 + 19 * 3_600 + 22 * 60 + 22)
        );
    }

    #[test]
    fn reads_generalizedtime_not_after_of_a_real_certificate() {
        let der = pem_to_der(include_str!("../tests/fixtures/server-cert.pem"));
        // openssl x509 -enddate: notAfter=Nov  4 19:22:22 2126 GMT
        let want = days_from_civil(2126, 11, 4) * 86_400 + 19 * 3_600 + 22 * 60 + 22;
        assert_eq!(not_after_unix(&der), Some(want));
        let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(want).unwrap() - 10 * 86_400 - 5);
        assert_eq!(days_left(&der, at), Some(10));
    }

    #[test]
    fn garbage_der_gives_none_without_panicking() {
        assert_eq!(not_after_unix(&[]), None);
        assert_eq!(not_after_unix(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(not_after_unix(&[0x30, 0x03, 0x30, 0x01]), None);
        assert_eq!(parse_time(UTC_TIME, b"99133107000Z"), None);
    }
}
