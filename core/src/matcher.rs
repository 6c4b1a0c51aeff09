use std::borrow::Cow;
use std::collections::HashMap;

use crate::path::{PathTemplate, Segment};

/// Finds the resource a request path belongs to, with API Gateway's priorities:
/// a literal segment beats `{param}`, which beats a greedy `{name+}`; when a more
/// specific branch leads nowhere the next one is tried.
#[derive(Debug, Clone)]
pub struct PathMatcher<T> {
    root: Node<T>,
}

#[derive(Debug, Clone)]
struct Node<T> {
    literals: HashMap<String, Node<T>>,
    param: Option<Box<Node<T>>>,
    greedy: Option<Box<Leaf<T>>>,
    leaf: Option<Leaf<T>>,
}

#[derive(Debug, Clone)]
struct Leaf<T> {
    template: PathTemplate,
    value: T,
}

/// A successful lookup: the resource's template, its value and the path
/// parameters, percent-decoded, in template order.
#[derive(Debug)]
pub struct Match<'m, T> {
    pub template: &'m PathTemplate,
    pub value: &'m T,
    pub params: Vec<(&'m str, String)>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            literals: HashMap::new(),
            param: None,
            greedy: None,
            leaf: None,
        }
    }
}

impl<T> Default for PathMatcher<T> {
    fn default() -> Self {
        PathMatcher {
            root: Node::default(),
        }
    }
}

impl<T> PathMatcher<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value stored for `template`, created with `make` if it is new.
    pub fn entry(&mut self, template: &PathTemplate, make: impl FnOnce() -> T) -> &mut T {
        let mut node = &mut self.root;
        for segment in template.segments() {
            match segment {
                Segment::Literal(s) => node = node.literals.entry(s.clone()).or_default(),
                Segment::Param(_) => node = node.param.get_or_insert_with(Default::default),
                Segment::Greedy(_) => {
                    let leaf = node.greedy.get_or_insert_with(|| {
                        Box::new(Leaf {
                            template: template.clone(),
                            value: make(),
                        })
                    });
                    return &mut leaf.value;
                }
            }
        }
        &mut node
            .leaf
            .get_or_insert_with(|| Leaf {
                template: template.clone(),
                value: make(),
            })
            .value
    }

    /// Looks up a raw (still percent-encoded) request path such as `/a/b%20c`.
    /// One trailing slash is ignored, as API Gateway does.
    pub fn find(&self, raw_path: &str) -> Option<Match<'_, T>> {
        let trimmed = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        let mut captured = Vec::new();
        let leaf = find_in(&self.root, &segments, &mut captured)?;
        let names = leaf.template.parameter_names();
        let params = names.zip(captured).collect();
        Some(Match {
            template: &leaf.template,
            value: &leaf.value,
            params,
        })
    }

    /// Every stored value, in no particular order.
    pub fn values(&self) -> Vec<&T> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }
}

fn collect<'m, T>(node: &'m Node<T>, out: &mut Vec<&'m T>) {
    if let Some(leaf) = &node.leaf {
        out.push(&leaf.value);
    }
    if let Some(leaf) = &node.greedy {
        out.push(&leaf.value);
    }
    for child in node.literals.values() {
        collect(child, out);
    }
    if let Some(child) = &node.param {
        collect(child, out);
    }
}

fn decode(segment: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
}

fn find_in<'m, T>(
    node: &'m Node<T>,
    segments: &[&str],
    captured: &mut Vec<String>,
) -> Option<&'m Leaf<T>> {
    let Some((first, rest)) = segments.split_first() else {
        return node.leaf.as_ref();
    };
    if first.is_empty() {
        return None;
    }
    let decoded = decode(first);
    if let Some(child) = node.literals.get(decoded.as_ref())
        && let Some(leaf) = find_in(child, rest, captured)
    {
        return Some(leaf);
    }
    if let Some(child) = &node.param {
        captured.push(decoded.into_owned());
        if let Some(leaf) = find_in(child, rest, captured) {
            return Some(leaf);
        }
        captured.pop();
    }
    if let Some(leaf) = &node.greedy {
        let joined: Vec<Cow<'_, str>> = segments.iter().map(|s| decode(s)).collect();
        captured.push(joined.join("/"));
        return Some(leaf);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(paths: &[&str]) -> PathMatcher<String> {
        let mut m = PathMatcher::new();
        for p in paths {
            let t = PathTemplate::parse(p).unwrap();
            *m.entry(&t, String::new) = (*p).to_owned();
        }
        m
    }

    fn hit(m: &PathMatcher<String>, raw: &str) -> Option<(String, Vec<(String, String)>)> {
        m.find(raw).map(|found| {
            (
                found.value.clone(),
                found
                    .params
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        })
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let m = matcher(&[
            "/",
            "/users/me",
            "/users/{id}",
            "/users/{proxy+}",
            "/{any+}",
        ]);
        assert_eq!(hit(&m, "/").unwrap().0, "/");
        assert_eq!(hit(&m, "/users/me").unwrap().0, "/users/me");
        assert_eq!(
            hit(&m, "/users/42").unwrap(),
            ("/users/{id}".into(), vec![("id".into(), "42".into())])
        );
        assert_eq!(
            hit(&m, "/users/42/x").unwrap(),
            (
                "/users/{proxy+}".into(),
                vec![("proxy".into(), "42/x".into())]
            )
        );
        assert_eq!(hit(&m, "/other/a/b").unwrap().0, "/{any+}");
        assert_eq!(hit(&m, "/users").unwrap().0, "/{any+}");
    }

    #[test]
    fn backtracks_when_the_specific_branch_leads_nowhere() {
        let m = matcher(&["/a/b/c", "/{x}/b/d"]);
        assert_eq!(
            hit(&m, "/a/b/d").unwrap(),
            ("/{x}/b/d".into(), vec![("x".into(), "a".into())])
        );
    }

    #[test]
    fn decodes_parameters_and_ignores_one_trailing_slash() {
        let m = matcher(&["/files/{name}", "/blob/{path+}"]);
        assert_eq!(
            hit(&m, "/files/caf%C3%A9%20au%20lait/").unwrap().1,
            vec![("name".to_owned(), "café au lait".to_owned())]
        );
        assert_eq!(
            hit(&m, "/blob/a/b%2Fc").unwrap().1,
            vec![("path".to_owned(), "a/b/c".to_owned())]
        );
        assert!(hit(&m, "/files").is_none());
        assert!(hit(&m, "/files//").is_none());
        assert!(hit(&m, "/nope").is_none());
    }
}
