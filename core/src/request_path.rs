//! A received request path in the form SigV4 signs it, so that the path a
//! gateway routes on is the path the signature covers.

use std::borrow::Cow;

/// The raw (still percent-encoded) request path with its dot segments
/// resolved and its empty segments dropped, as SigV4's canonical URI path
/// normalisation does (RFC 3986 §5.2.4, the rule `aws-sigv4` and botocore
/// apply before signing): `/a/x/../b` → `/a/b`, `/a//b/./` → `/a/b/`,
/// `/../a` → `/a`. A trailing slash is kept; percent-encoded dots (`%2E`) are
/// not dot segments. Borrows when there is nothing to change.
pub fn normalize(raw: &str) -> Cow<'_, str> {
    if raw.is_empty() {
        return Cow::Borrowed("/");
    }
    let needs_work = !raw.starts_with('/')
        || raw.contains("//")
        || raw
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    if !needs_work {
        return Cow::Borrowed(raw);
    }
    let mut kept: Vec<&str> = Vec::new();
    for segment in raw.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    let trailing = ["/", "/.", "/.."].iter().any(|end| raw.ends_with(end));
    if out.is_empty() || trailing {
        out.push('/');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn dot_and_empty_segments_are_resolved_as_sigv4_does() {
        for (raw, normal) in [
            ("/", "/"),
            ("", "/"),
            ("/api/reports/1", "/api/reports/1"),
            ("/api/users/", "/api/users/"),
            ("/api/admin/x/../../reports/1", "/api/reports/1"),
            ("/api/./reports/1", "/api/reports/1"),
            ("/api//reports/1", "/api/reports/1"),
            ("/api/reports/.", "/api/reports/"),
            ("/api/reports/..", "/api/"),
            ("/../../api", "/api"),
            ("/..", "/"),
            ("api/x", "/api/x"),
            ("/api/%2E%2E/x", "/api/%2E%2E/x"),
            ("/api/a..b/.c", "/api/a..b/.c"),
        ] {
            assert_eq!(normalize(raw), normal, "{raw}");
        }
        assert!(matches!(
            normalize("/api/users/1"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
