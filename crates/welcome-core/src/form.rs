//! Decoding `application/x-www-form-urlencoded` bodies, with a size limit.

use thiserror::Error;

/// The largest form body the page accepts (64 KiB).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Why a form body was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FormError {
    /// The body is larger than the limit.
    #[error("form body of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Bytes received (at least).
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The content type is not a URL-encoded form.
    #[error("expected application/x-www-form-urlencoded, got {0:?}")]
    WrongType(String),
}

/// Whether a `Content-Type` value names a URL-encoded form (parameters such
/// as `charset` are allowed; a missing type is accepted as a form, as
/// browsers always send one and simple clients such as curl do too).
pub fn check_content_type(value: Option<&str>) -> Result<(), FormError> {
    match value {
        None => Ok(()),
        Some(v) => {
            let essence = v.split(';').next().unwrap_or("").trim();
            if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                Ok(())
            } else {
                Err(FormError::WrongType(v.to_string()))
            }
        }
    }
}

/// At most this many form fields or headers reach the policies.
pub const MAX_POLICY_PAIRS: usize = 64;
/// Longer names or values are cut to this many characters for policies.
pub const MAX_POLICY_TEXT: usize = 1024;

/// What policies see of a list of pairs: the first [`MAX_POLICY_PAIRS`],
/// each cut to [`MAX_POLICY_TEXT`] characters, so no visitor can make a
/// policy run out of time or memory just by sending a big form.
pub fn for_policy(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let cut = |s: &str| s.chars().take(MAX_POLICY_TEXT).collect::<String>();
    pairs
        .iter()
        .take(MAX_POLICY_PAIRS)
        .map(|(k, v)| (cut(k), cut(v)))
        .collect()
}

/// Decodes a form body into its fields, in order.
pub fn decode_form(body: &[u8], limit: usize) -> Result<Vec<(String, String)>, FormError> {
    if body.len() > limit {
        return Err(FormError::TooLarge {
            size: body.len(),
            limit,
        });
    }
    Ok(form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields_in_order() {
        let f = decode_form(b"a=1&b=x+y&c=%3Cs%3E", MAX_FORM_BYTES).unwrap();
        assert_eq!(
            f,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "<s>".into())
            ]
        );
    }

    #[test]
    fn refuses_oversized_bodies() {
        let body = vec![b'a'; 10];
        assert_eq!(
            decode_form(&body, 9),
            Err(FormError::TooLarge { size: 10, limit: 9 })
        );
    }

    #[test]
    fn policies_see_a_bounded_view() {
        let many: Vec<(String, String)> = (0..1000)
            .map(|i| (format!("k{i}"), "v".repeat(5000)))
            .collect();
        let seen = for_policy(&many);
        assert_eq!(seen.len(), MAX_POLICY_PAIRS);
        assert_eq!(seen[0].0, "k0");
        assert_eq!(seen[0].1.chars().count(), MAX_POLICY_TEXT);
    }

    #[test]
    fn content_type_checks() {
        assert!(check_content_type(None).is_ok());
        assert!(
            check_content_type(Some("application/x-www-form-urlencoded; charset=UTF-8")).is_ok()
        );
        assert!(check_content_type(Some("application/json")).is_err());
    }
}
