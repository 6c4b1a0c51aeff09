//! The AWS shared `config` and `credentials` files, read as the AWS SDKs
//! read them (the rules of the Rust SDK's profile parser):
//!
//! * a line is a `[section]`, a `key = value` property, a continuation
//!   (starts with a blank; sub-properties such as `s3 =` blocks, ignored
//!   here), a comment (`#` or `;` first) or blank;
//! * in a property value, `#` or `;` after a blank starts a comment;
//! * in `config`, profiles are `[profile NAME]` and `[default]`; a
//!   `[profile default]` section, when there is one, wins over `[default]`;
//!   other sections (`[sso-session x]`, `[services x]`, a bare `[name]`) are
//!   not profiles;
//! * in `credentials`, every `[NAME]` is a profile (`[profile NAME]` is not);
//! * the same profile in both files: the credentials file wins key by key;
//!   a section repeated in one file merges, later keys winning;
//! * property names are case-insensitive; profile names are not.

use std::collections::HashMap;
use std::path::Path;

use super::identities::IdentityError;

/// One profile's properties, names lowercased.
pub(crate) type Properties = HashMap<String, String>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Config,
    Credentials,
}

/// Reads both files (a missing file is an empty one) and merges them.
pub(crate) fn load(
    credentials: &Path,
    config: &Path,
) -> Result<HashMap<String, Properties>, IdentityError> {
    let mut profiles = parse_file(config, FileKind::Config)?;
    for (name, properties) in parse_file(credentials, FileKind::Credentials)? {
        profiles.entry(name).or_default().extend(properties);
    }
    Ok(profiles)
}

fn parse_file(path: &Path, kind: FileKind) -> Result<HashMap<String, Properties>, IdentityError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, kind).map_err(|(line, message)| IdentityError::ProfileSyntax {
            path: path.to_owned(),
            line,
            message,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
        Err(source) => Err(IdentityError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// What a section header names.
enum Section {
    Profile {
        name: String,
        explicit_default: bool,
    },
    Other,
}

fn section(inner: &str, kind: FileKind) -> Section {
    let inner = inner.trim_matches(is_blank);
    match kind {
        FileKind::Credentials if inner.split(is_blank).next() == Some("profile") => Section::Other,
        FileKind::Credentials => Section::Profile {
            name: inner.to_owned(),
            explicit_default: false,
        },
        FileKind::Config => {
            if inner == "default" {
                return Section::Profile {
                    name: inner.to_owned(),
                    explicit_default: false,
                };
            }
            match inner.split_once(is_blank) {
                Some(("profile", name)) => {
                    let name = name.trim_matches(is_blank);
                    if name.is_empty() {
                        return Section::Other;
                    }
                    Section::Profile {
                        name: name.to_owned(),
                        explicit_default: name == "default",
                    }
                }
                _ => Section::Other,
            }
        }
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Cuts a comment that starts with `#` or `;` after a blank.
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b'#' || b == b';') && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            return &value[..i];
        }
    }
    value
}

type ParseError = (usize, String);

fn parse(text: &str, kind: FileKind) -> Result<HashMap<String, Properties>, ParseError> {
    // Properties of `[profile default]` and of `[default]` are kept apart
    // until the end: the first wins over the second whatever their order.
    let mut profiles: HashMap<String, Properties> = HashMap::new();
    let mut plain_default: Option<Properties> = None;
    let mut explicit_default = false;

    enum Current {
        None,
        Ignored,
        Profile { name: String, plain_default: bool },
    }
    let mut current = Current::None;

    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_matches(is_blank);
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with(is_blank) {
            // A continuation or sub-property of the previous property.
            if matches!(current, Current::None) {
                return Err((line_no, "expected a [profile] definition first".to_owned()));
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err((
                    line_no,
                    "a [section] definition must end with ']'".to_owned(),
                ));
            };
            let after = rest[end + 1..].trim_matches(is_blank);
            if !(after.is_empty() || after.starts_with(['#', ';'])) {
                return Err((
                    line_no,
                    format!("unexpected text after the section definition: {after:?}"),
                ));
            }
            current = match section(&rest[..end], kind) {
                Section::Profile {
                    name,
                    explicit_default: true,
                } => {
                    explicit_default = true;
                    profiles.entry(name.clone()).or_default();
                    Current::Profile {
                        name,
                        plain_default: false,
                    }
                }
                Section::Profile { name, .. } if kind == FileKind::Config && name == "default" => {
                    plain_default.get_or_insert_with(Properties::new);
                    Current::Profile {
                        name,
                        plain_default: true,
                    }
                }
                Section::Profile { name, .. } => {
                    profiles.entry(name.clone()).or_default();
                    Current::Profile {
                        name,
                        plain_default: false,
                    }
                }
                Section::Other => Current::Ignored,
            };
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err((
                line_no,
                "expected `key = value`, a [section], or a comment".to_owned(),
            ));
        };
        let key = key.trim_matches(is_blank);
        if key.is_empty() {
            return Err((line_no, "a property needs a name before '='".to_owned()));
        }
        let value = strip_inline_comment(value).trim_matches(is_blank);
        match &current {
            Current::None => {
                return Err((line_no, "expected a [profile] definition first".to_owned()));
            }
            Current::Ignored => {}
            Current::Profile {
                plain_default: true,
                ..
            } => {
                plain_default
                    .get_or_insert_with(Properties::new)
                    .insert(key.to_ascii_lowercase(), value.to_owned());
            }
            Current::Profile { name, .. } => {
                profiles
                    .entry(name.clone())
                    .or_default()
                    .insert(key.to_ascii_lowercase(), value.to_owned());
            }
        }
    }
    if let Some(properties) = plain_default
        && !explicit_default
    {
        profiles.insert("default".to_owned(), properties);
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_rules() {
        let text = "\
# comment
; another
[default]
region = us-east-1
aws_access_key_id = PLAIN_DEFAULT

[profile dev]
AWS_Access_Key_ID = DEVKEY   # inline comment
aws_secret_access_key = dev#secret;with-hash
s3 =
  max_concurrent_requests = 20
[ profile   spaced ]
region = eu-west-1
[sso-session corp]
sso_region = us-east-1
[bare]
aws_access_key_id = IGNORED
";
        let p = parse(text, FileKind::Config).unwrap();
        assert_eq!(p["default"]["aws_access_key_id"], "PLAIN_DEFAULT");
        assert_eq!(p["dev"]["aws_access_key_id"], "DEVKEY");
        assert_eq!(p["dev"]["aws_secret_access_key"], "dev#secret;with-hash");
        assert_eq!(p["dev"]["s3"], "");
        assert_eq!(p["spaced"]["region"], "eu-west-1");
        assert!(!p.contains_key("bare"));
        assert!(!p.contains_key("corp"));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn profile_default_wins_over_default() {
        let text = "[profile default]\naws_access_key_id = EXPLICIT\n[default]\naws_access_key_id = PLAIN\nregion = x\n";
        let p = parse(text, FileKind::Config).unwrap();
        assert_eq!(p["default"]["aws_access_key_id"], "EXPLICIT");
        assert!(!p["default"].contains_key("region"));
    }

    #[test]
    fn credentials_file_rules() {
        let text = "[default]\naws_access_key_id = A\n[profile x]\naws_access_key_id = NOPE\n[dev]\naws_access_key_id = B\n[dev]\naws_access_key_id = C\n";
        let p = parse(text, FileKind::Credentials).unwrap();
        assert_eq!(p["default"]["aws_access_key_id"], "A");
        assert_eq!(p["dev"]["aws_access_key_id"], "C");
        assert!(!p.contains_key("x"));
        assert!(!p.contains_key("profile x"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        assert_eq!(parse("[default\n", FileKind::Config).unwrap_err().0, 1);
        assert_eq!(
            parse("[default]\nkey value\n", FileKind::Config)
                .unwrap_err()
                .0,
            2
        );
        assert_eq!(parse("key = value\n", FileKind::Config).unwrap_err().0, 1);
        assert_eq!(
            parse("[default] junk\n", FileKind::Credentials)
                .unwrap_err()
                .0,
            1
        );
    }
}
