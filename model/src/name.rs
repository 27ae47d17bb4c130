use serde::{Deserialize, Serialize};
use std::fmt;

/// A DNS name as zonetrail stores it: lower-case, with a trailing dot, and with Route 53's
/// `\ddd` octal escapes decoded wherever the result stays readable and unambiguous.
///
/// Route 53 returns every byte other than `a-z 0-9 - _` as a three-digit octal escape
/// (`*.example.com.` comes back as `\052.example.com.`), while CloudTrail logs names as the
/// caller typed them (`*.Example.com`). Both parse to the same `RecordName`.
///
/// The stored ("display") form shows printable ASCII literally. A byte that would be
/// ambiguous or unprintable stays escaped: a `.` inside a label (`\056`), a backslash
/// (`\134`), space, control characters and bytes above 126. So the display form round-trips
/// losslessly, back to itself and to the API form.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error(
        "invalid escape in {name:?} at byte {at}: expected a backslash and three octal digits from \\000 to \\377"
    )]
    InvalidEscape { name: String, at: usize },
    #[error("{name:?} has an empty label")]
    EmptyLabel { name: String },
    #[error("{name:?} has a label longer than 63 bytes")]
    LabelTooLong { name: String },
    #[error("{name:?} is longer than 255 bytes")]
    TooLong { name: String },
}

const MAX_LABEL: usize = 63;
/// Wire length: one length byte per label plus the labels, plus the root's zero byte.
const MAX_WIRE: usize = 255;

impl RecordName {
    /// Parse a name in any form a caller or Route 53 uses: escaped or literal, upper or lower
    /// case, with or without the trailing dot.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let labels = parse_labels(raw)?;
        Ok(Self(render(&labels, display_byte)))
    }

    /// The labels as raw bytes, leftmost first.
    pub fn labels(&self) -> Vec<Vec<u8>> {
        parse_labels(&self.0).expect("a RecordName always holds a valid name")
    }

    /// The stored form, e.g. `*.example.com.`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form Route 53's API returns, e.g. `\052.example.com.`.
    pub fn to_api(&self) -> String {
        render(&self.labels(), api_byte)
    }

    /// Labels reversed, e.g. `com.example.www.`: a name suffix search becomes a prefix
    /// search on this form, which an ordinary index serves.
    pub fn reversed(&self) -> String {
        let mut labels = self.labels();
        labels.reverse();
        render(&labels, display_byte)
    }

    /// True when `self` is `zone` or lies below it.
    pub fn is_within(&self, zone: &RecordName) -> bool {
        self.0 == zone.0 || self.0.ends_with(&format!(".{}", zone.0))
    }
}

fn parse_labels(raw: &str) -> Result<Vec<Vec<u8>>, NameError> {
    let raw_trimmed = raw.trim();
    if raw_trimmed.is_empty() || raw_trimmed == "." {
        return Err(NameError::Empty);
    }
    let bytes = raw_trimmed.as_bytes();
    let mut labels: Vec<Vec<u8>> = Vec::new();
    let mut label: Vec<u8> = Vec::new();
    let mut i = 0;
    let mut ended_with_dot = false;
    while i < bytes.len() {
        let b = bytes[i];
        ended_with_dot = false;
        match b {
            b'\\' => {
                let digits =
                    bytes.get(i + 1..i + 4).filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
                let Some(d) = digits else {
                    return Err(NameError::InvalidEscape { name: raw.to_owned(), at: i });
                };
                let value = u32::from(d[0] - b'0') * 64
                    + u32::from(d[1] - b'0') * 8
                    + u32::from(d[2] - b'0');
                if value > 255 {
                    return Err(NameError::InvalidEscape { name: raw.to_owned(), at: i });
                }
                label.push((value as u8).to_ascii_lowercase());
                i += 4;
            }
            b'.' => {
                if label.is_empty() {
                    return Err(NameError::EmptyLabel { name: raw.to_owned() });
                }
                labels.push(std::mem::take(&mut label));
                ended_with_dot = true;
                i += 1;
            }
            _ => {
                label.push(b.to_ascii_lowercase());
                i += 1;
            }
        }
    }
    if !ended_with_dot {
        if label.is_empty() {
            return Err(NameError::EmptyLabel { name: raw.to_owned() });
        }
        labels.push(label);
    }
    if labels.iter().any(|l| l.len() > MAX_LABEL) {
        return Err(NameError::LabelTooLong { name: raw.to_owned() });
    }
    let wire: usize = labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
    if wire > MAX_WIRE {
        return Err(NameError::TooLong { name: raw.to_owned() });
    }
    Ok(labels)
}

fn render(labels: &[Vec<u8>], byte: fn(u8, &mut String)) -> String {
    let mut out = String::new();
    for label in labels {
        for &b in label {
            byte(b, &mut out);
        }
        out.push('.');
    }
    out
}

fn escape(b: u8, out: &mut String) {
    out.push_str(&format!("\\{b:03o}"));
}

fn display_byte(b: u8, out: &mut String) {
    if (0x21..=0x7e).contains(&b) && b != b'.' && b != b'\\' {
        out.push(b as char);
    } else {
        escape(b, out);
    }
}

fn api_byte(b: u8, out: &mut String) {
    if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
        out.push(b as char);
    } else {
        escape(b, out);
    }
}

impl fmt::Display for RecordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RecordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordName({:?})", self.0)
    }
}

impl TryFrom<String> for RecordName {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RecordName> for String {
    fn from(value: RecordName) -> Self {
        value.0
    }
}

impl std::str::FromStr for RecordName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> RecordName {
        RecordName::parse(s).unwrap()
    }

    #[test]
    fn decodes_route53_escapes() {
        assert_eq!(n("\\052.example.com.").as_str(), "*.example.com.");
        assert_eq!(n("\\052.example.com.").to_api(), "\\052.example.com.");
        assert_eq!(n("*.Example.COM").as_str(), "*.example.com.");
        assert_eq!(
            n("_acme-challenge.www.example.com").as_str(),
            "_acme-challenge.www.example.com."
        );
    }

    #[test]
    fn keeps_ambiguous_bytes_escaped() {
        // A dot inside a label, a backslash and a space are not label separators.
        assert_eq!(n("a\\056b.example.com.").as_str(), "a\\056b.example.com.");
        assert_eq!(n("a\\056b.example.com.").labels()[0], b"a.b".to_vec());
        assert_eq!(n("a\\134b.example.com.").as_str(), "a\\134b.example.com.");
        assert_eq!(n("a\\040b.example.com.").as_str(), "a\\040b.example.com.");
        assert_eq!(n("caf\\303\\251.example.").as_str(), "caf\\303\\251.example.");
    }

    #[test]
    fn escapes_in_upper_case_input_lower_case() {
        assert_eq!(n("\\101BC.example.com.").as_str(), "abc.example.com.");
    }

    #[test]
    fn reversed_supports_suffix_search() {
        assert_eq!(n("www.prod.example.com.").reversed(), "com.example.prod.www.");
        assert!(
            n("www.prod.example.com.").reversed().starts_with(&n("prod.example.com").reversed())
        );
    }

    #[test]
    fn is_within_its_zone() {
        assert!(n("a.example.com").is_within(&n("example.com")));
        assert!(n("example.com").is_within(&n("example.com")));
        assert!(!n("badexample.com").is_within(&n("example.com")));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(RecordName::parse(""), Err(NameError::Empty));
        assert_eq!(RecordName::parse("  "), Err(NameError::Empty));
        assert_eq!(RecordName::parse("."), Err(NameError::Empty));
        assert!(matches!(RecordName::parse("a\\05"), Err(NameError::InvalidEscape { .. })));
        assert!(matches!(RecordName::parse("a\\9xy.com"), Err(NameError::InvalidEscape { .. })));
        assert!(matches!(RecordName::parse("a\\400.com"), Err(NameError::InvalidEscape { .. })));
        assert!(matches!(RecordName::parse("a\\"), Err(NameError::InvalidEscape { .. })));
        assert!(matches!(RecordName::parse("a..com"), Err(NameError::EmptyLabel { .. })));
        assert!(matches!(RecordName::parse(".com"), Err(NameError::EmptyLabel { .. })));
        assert!(matches!(
            RecordName::parse(&format!("{}.com", "a".repeat(64))),
            Err(NameError::LabelTooLong { .. })
        ));
        let long = vec!["a".repeat(60); 5].join(".");
        assert!(matches!(RecordName::parse(&long), Err(NameError::TooLong { .. })));
    }

    fn label() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(any::<u8>(), 1..20)
    }

    proptest! {
        #[test]
        fn api_form_round_trips(labels in prop::collection::vec(label(), 1..5)) {
            let api = render(&labels, api_byte);
            let name = RecordName::parse(&api).unwrap();
            let lowered: Vec<Vec<u8>> = labels.iter().map(|l| l.to_ascii_lowercase()).collect();
            prop_assert_eq!(name.labels(), lowered);
            prop_assert_eq!(RecordName::parse(&name.to_api()).unwrap(), name.clone());
            prop_assert_eq!(RecordName::parse(name.as_str()).unwrap(), name.clone());
        }

        #[test]
        fn parse_never_panics(s in ".{0,80}") {
            let _ = RecordName::parse(&s);
        }

        #[test]
        fn parse_is_idempotent(s in "[a-zA-Z0-9*_\\-.]{1,40}") {
            if let Ok(name) = RecordName::parse(&s) {
                prop_assert_eq!(RecordName::parse(name.as_str()).unwrap(), name);
            }
        }
    }
}
