//! Route 53's name handling, written independently of `zonetrail_model::RecordName` so that
//! tests of the sweep's decoding do not check that code against itself.

/// Labels of a name given in any form: `\ddd` escapes decoded, case folded, the trailing dot
/// optional. `None` for an empty label or a broken escape.
pub fn labels(raw: &str) -> Option<Vec<Vec<u8>>> {
    let raw = raw.strip_suffix('.').unwrap_or(raw);
    if raw.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut label = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let digits = bytes.get(i + 1..i + 4)?;
                let text = std::str::from_utf8(digits).ok()?;
                let value =
                    u16::from_str_radix(text, 8).ok().filter(|v| *v <= 255 && text.len() == 3)?;
                label.push((value as u8).to_ascii_lowercase());
                i += 4;
            }
            b'.' => {
                if label.is_empty() {
                    return None;
                }
                out.push(std::mem::take(&mut label));
                i += 1;
            }
            b => {
                label.push(b.to_ascii_lowercase());
                i += 1;
            }
        }
    }
    if label.is_empty() {
        return None;
    }
    out.push(label);
    Some(out)
}

/// The form Route 53's API returns: lower case, a trailing dot, and every byte other than
/// `a-z 0-9 - _` as a three-digit octal escape (`*` is `\052`).
pub fn api_form(labels: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for label in labels {
        for &b in label {
            if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
                out.push(b as char);
            } else {
                out.push_str(&format!("\\{b:03o}"));
            }
        }
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_route53() {
        assert_eq!(api_form(&labels("*.Example.COM").unwrap()), "\\052.example.com.");
        assert_eq!(api_form(&labels("a b.example.com.").unwrap()), "a\\040b.example.com.");
        assert_eq!(api_form(&labels("\\052.x.").unwrap()), "\\052.x.");
        assert_eq!(labels("a..b"), None);
        assert_eq!(labels("a\\9"), None);
    }
}
