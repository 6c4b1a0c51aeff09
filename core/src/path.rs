use std::fmt;

/// A route path in API Gateway's resource syntax: `/`, `/users/{id}`,
/// `/files/{path+}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathTemplate {
    text: String,
    segments: Vec<Segment>,
}

/// One `/`-separated part of a [`PathTemplate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A literal part, matched exactly.
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param(String),
    /// `{name+}`: one or more segments, slashes included; only ever last.
    Greedy(String),
}

impl Segment {
    pub fn param_name(&self) -> Option<&str> {
        match self {
            Segment::Literal(_) => None,
            Segment::Param(name) | Segment::Greedy(name) => Some(name),
        }
    }
}

/// Why a path template was rejected, and where: `offset..offset + len` are byte
/// positions in the template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub kind: PathErrorKind,
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathErrorKind {
    MissingLeadingSlash,
    TrailingSlash,
    EmptySegment,
    InvalidCharacter(char),
    UnclosedBrace,
    EmptyParameterName,
    DuplicateParameter(String),
    GreedyNotLast(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PathErrorKind::MissingLeadingSlash => f.write_str("a path must start with `/`"),
            PathErrorKind::TrailingSlash => {
                f.write_str("a path must not end with `/` (only the root path `/` may)")
            }
            PathErrorKind::EmptySegment => f.write_str("empty path segment (`//`)"),
            PathErrorKind::InvalidCharacter(c) => write!(
                f,
                "invalid character {c:?}: a path segment may only hold a-z A-Z 0-9 . _ - or be a `{{name}}` or final `{{name+}}` parameter"
            ),
            PathErrorKind::UnclosedBrace => {
                f.write_str("a parameter must fill its whole segment, as `{name}` or `{name+}`")
            }
            PathErrorKind::EmptyParameterName => f.write_str("empty parameter name `{}`"),
            PathErrorKind::DuplicateParameter(name) => {
                write!(f, "parameter `{name}` appears more than once")
            }
            PathErrorKind::GreedyNotLast(name) => write!(
                f,
                "greedy parameter `{{{name}+}}` must be the last segment of the path"
            ),
        }?;
        write!(f, " (at byte {})", self.offset)
    }
}

impl std::error::Error for PathError {}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

impl PathTemplate {
    /// Parses and validates a template. The rules are API Gateway's: a segment is
    /// `[a-zA-Z0-9._-]+`, `{name}` or, as the last segment, `{name+}`.
    pub fn parse(text: &str) -> Result<PathTemplate, PathError> {
        let err = |kind, offset, len| Err(PathError { kind, offset, len });
        if !text.starts_with('/') {
            return err(PathErrorKind::MissingLeadingSlash, 0, text.len().min(1));
        }
        if text == "/" {
            return Ok(PathTemplate {
                text: text.to_owned(),
                segments: Vec::new(),
            });
        }
        if text.ends_with('/') {
            return err(PathErrorKind::TrailingSlash, text.len() - 1, 1);
        }
        let mut segments: Vec<Segment> = Vec::new();
        let mut offset = 1;
        for part in text[1..].split('/') {
            if let Some(greedy) = segments.last().and_then(|s| match s {
                Segment::Greedy(name) => Some(name.clone()),
                _ => None,
            }) {
                let start = offset - 1 - (greedy.len() + 3);
                return err(
                    PathErrorKind::GreedyNotLast(greedy.clone()),
                    start,
                    greedy.len() + 3,
                );
            }
            if part.is_empty() {
                return err(PathErrorKind::EmptySegment, offset, 0);
            }
            let segment = if let Some(inner) = part.strip_prefix('{') {
                let Some(inner) = inner.strip_suffix('}') else {
                    return err(PathErrorKind::UnclosedBrace, offset, part.len());
                };
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if name.is_empty() {
                    return err(PathErrorKind::EmptyParameterName, offset, part.len());
                }
                if let Some((i, c)) = name.char_indices().find(|&(_, c)| !is_path_char(c)) {
                    return err(
                        PathErrorKind::InvalidCharacter(c),
                        offset + 1 + i,
                        c.len_utf8(),
                    );
                }
                if segments.iter().any(|s| s.param_name() == Some(name)) {
                    return err(
                        PathErrorKind::DuplicateParameter(name.to_owned()),
                        offset,
                        part.len(),
                    );
                }
                if greedy {
                    Segment::Greedy(name.to_owned())
                } else {
                    Segment::Param(name.to_owned())
                }
            } else {
                if let Some((i, c)) = part.char_indices().find(|&(_, c)| !is_path_char(c)) {
                    let kind = if c == '{' || c == '}' {
                        PathErrorKind::UnclosedBrace
                    } else {
                        PathErrorKind::InvalidCharacter(c)
                    };
                    return err(kind, offset + i, c.len_utf8());
                }
                Segment::Literal(part.to_owned())
            };
            segments.push(segment);
            offset += part.len() + 1;
        }
        Ok(PathTemplate {
            text: text.to_owned(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Names of the path parameters, in order of appearance.
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(Segment::param_name)
    }

    /// The resource paths API Gateway needs for this one, root first:
    /// `/a/{b}` gives `/`, `/a`, `/a/{b}`.
    pub fn ancestors(&self) -> Vec<String> {
        let mut out = vec!["/".to_owned()];
        let mut current = String::new();
        for segment in &self.segments {
            current.push('/');
            match segment {
                Segment::Literal(s) => current.push_str(s),
                Segment::Param(n) => {
                    current.push('{');
                    current.push_str(n);
                    current.push('}');
                }
                Segment::Greedy(n) => {
                    current.push('{');
                    current.push_str(n);
                    current.push_str("+}");
                }
            }
            out.push(current.clone());
        }
        out
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> (PathErrorKind, usize) {
        let e = PathTemplate::parse(text).unwrap_err();
        (e.kind, e.offset)
    }

    #[test]
    fn accepts_api_gateway_paths() {
        for ok in [
            "/",
            "/a",
            "/a/{b}",
            "/a/{b}/c",
            "/files/{path+}",
            "/{proxy+}",
            "/v1.2/x_y-z",
        ] {
            PathTemplate::parse(ok).unwrap();
        }
        let t = PathTemplate::parse("/users/{id}/files/{rest+}").unwrap();
        assert_eq!(t.parameter_names().collect::<Vec<_>>(), ["id", "rest"]);
        assert_eq!(
            t.ancestors(),
            [
                "/",
                "/users",
                "/users/{id}",
                "/users/{id}/files",
                "/users/{id}/files/{rest+}"
            ]
        );
    }

    #[test]
    fn rejects_with_positions() {
        assert_eq!(kind("users"), (PathErrorKind::MissingLeadingSlash, 0));
        assert_eq!(kind(""), (PathErrorKind::MissingLeadingSlash, 0));
        assert_eq!(kind("/users/"), (PathErrorKind::TrailingSlash, 6));
        assert_eq!(kind("/a//b"), (PathErrorKind::EmptySegment, 3));
        assert_eq!(kind("/a/b c"), (PathErrorKind::InvalidCharacter(' '), 4));
        assert_eq!(kind("/a/{}"), (PathErrorKind::EmptyParameterName, 3));
        assert_eq!(kind("/a/{id"), (PathErrorKind::UnclosedBrace, 3));
        assert_eq!(kind("/a/x{id}"), (PathErrorKind::UnclosedBrace, 4));
        assert_eq!(
            kind("/a/{id}/{id}"),
            (PathErrorKind::DuplicateParameter("id".into()), 8)
        );
        assert_eq!(
            kind("/a/{rest+}/b"),
            (PathErrorKind::GreedyNotLast("rest".into()), 3)
        );
        assert_eq!(kind("/a/{i d}"), (PathErrorKind::InvalidCharacter(' '), 5));
    }

    #[test]
    fn error_messages_name_the_position() {
        let e = PathTemplate::parse("/a//b").unwrap_err();
        assert_eq!(e.to_string(), "empty path segment (`//`) (at byte 3)");
    }
}
