//! Media types, decided once for every part of goblet: which bodies travel
//! as text and which as base64 (the runtime's replies, `goblet local`'s
//! events), and whether a `Content-Type` falls under a route's accepted
//! media ranges.

/// The media type without parameters, lower-cased: `Application/JSON;
/// charset=utf-8` → `application/json`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a body of this content type is text, so it travels as a string
/// in a proxy event or response; any other body travels base64-encoded. No
/// content type (or an empty one) counts as text, as API Gateway treats it.
pub fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = essence(content_type);
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/ecmascript"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
                | "application/x-ndjson"
                | "application/x-yaml"
                | "application/yaml"
        )
}

/// Whether the media type `given` (an essence, see [`essence`]) falls under
/// the media range `range`: `*/*`, `type/*` or an exact `type/subtype`,
/// compared case-insensitively.
pub fn range_matches(range: &str, given: &str) -> bool {
    if range == "*/*" || range.eq_ignore_ascii_case(given) {
        return true;
    }
    match (range.strip_suffix("/*"), given.split_once('/')) {
        (Some(kind), Some((given_kind, _))) => kind.eq_ignore_ascii_case(given_kind),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_or_base64() {
        let text = [
            None,
            Some(""),
            Some("text/plain"),
            Some("Text/HTML; charset=utf-8"),
            Some("application/json; charset=utf-8"),
            Some("application/problem+json"),
            Some("application/vnd.api+json"),
            Some("application/atom+xml"),
            Some("image/svg+xml"),
            Some("application/xml"),
            Some("application/javascript"),
            Some("application/ecmascript"),
            Some("application/x-www-form-urlencoded"),
            Some("application/graphql"),
            Some("application/x-ndjson"),
            Some("application/x-yaml"),
            Some("application/yaml"),
        ];
        for t in text {
            assert!(is_text(t), "{t:?}");
        }
        let binary = [
            "application/octet-stream",
            "image/png",
            "application/pdf",
            "application/zip",
            "audio/mpeg",
            "multipart/form-data; boundary=x",
        ];
        for t in binary {
            assert!(!is_text(Some(t)), "{t}");
        }
    }

    #[test]
    fn media_ranges() {
        let cases = [
            ("*/*", "image/png", true),
            ("image/*", "image/png", true),
            ("IMAGE/*", "image/png", true),
            ("image/*", "text/plain", false),
            ("application/json", "application/json", true),
            ("application/JSON", "application/json", true),
            ("application/json", "application/problem+json", false),
            ("text/*", "text", false),
        ];
        for (range, given, expected) in cases {
            assert_eq!(range_matches(range, given), expected, "{range} ~ {given}");
        }
        assert_eq!(
            essence(" Application/JSON ; charset=utf-8"),
            "application/json"
        );
    }
}
