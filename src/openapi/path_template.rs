//! An OpenAPI path template (`/users/{id}/orders/{orderId}.json`) and the matching of a
//! request's path against it.
//!
//! Each segment is literal text and `{name}` parameters; a parameter matches one or more
//! characters of one segment, never a `/`. When several templates match one path, the one with
//! more literal text wins, so `/users/me` is preferred to `/users/{id}` (OpenAPI: "concrete
//! paths are matched before templated ones").

/// One part of a template segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Parameter(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    segments: Vec<Vec<Piece>>,
}

impl PathTemplate {
    /// Parses `/users/{id}`. An unclosed `{` is taken literally.
    pub(crate) fn parse(template: &str) -> Self {
        let segments = split_segments(template)
            .map(|segment| {
                let mut pieces = Vec::new();
                let mut rest = segment;
                while let Some(open) = rest.find('{') {
                    let Some(close) = rest[open..].find('}') else {
                        break;
                    };
                    if open > 0 {
                        pieces.push(Piece::Literal(rest[..open].to_owned()));
                    }
                    pieces.push(Piece::Parameter(rest[open + 1..open + close].to_owned()));
                    rest = &rest[open + close + 1..];
                }
                if !rest.is_empty() || pieces.is_empty() {
                    pieces.push(Piece::Literal(rest.to_owned()));
                }
                pieces
            })
            .collect();
        Self { segments }
    }

    /// How well `path` (without query) matches: the number of literal bytes matched, or
    /// `None` when it does not match.
    pub(crate) fn score(&self, path: &str) -> Option<usize> {
        let mut score = 0;
        let mut segments = split_segments(path);
        for pieces in &self.segments {
            let segment = segments.next()?;
            score += match_segment(pieces, segment)?;
        }
        segments.next().is_none().then_some(score)
    }

    /// The path with each parameter replaced by `value(name)`.
    pub(crate) fn fill(&self, mut value: impl FnMut(&str) -> String) -> String {
        let mut out = String::new();
        for pieces in &self.segments {
            out.push('/');
            for piece in pieces {
                match piece {
                    Piece::Literal(text) => out.push_str(text),
                    Piece::Parameter(name) => out.push_str(&value(name)),
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }
}

/// The segments of a path: `/a/b/` → `a`, `b`, `` (a trailing slash is a segment, so `/a/`
/// and `/a` differ, as they do for a server); `/` → nothing.
fn split_segments(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    trimmed.split('/').filter({
        let whole = trimmed.is_empty();
        move |_| !whole
    })
}

/// Matches one segment; returns the literal bytes matched.
fn match_segment(pieces: &[Piece], segment: &str) -> Option<usize> {
    match pieces.split_first() {
        None => segment.is_empty().then_some(0),
        Some((Piece::Literal(text), rest)) => {
            let remaining = segment.strip_prefix(text.as_str())?;
            Some(text.len() + match_segment(rest, remaining)?)
        }
        Some((Piece::Parameter(_), rest)) => {
            // A parameter takes at least one character; try the shortest first.
            let mut best = None;
            for (at, _) in segment.char_indices().skip(1) {
                if let Some(score) = match_segment(rest, &segment[at..]) {
                    best = Some(best.map_or(score, |b: usize| b.max(score)));
                }
            }
            if !segment.is_empty() && rest.is_empty() {
                best = Some(best.unwrap_or(0));
            }
            best
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_paths_match_only_themselves() {
        let t = PathTemplate::parse("/users");
        assert_eq!(t.score("/users"), Some(5));
        assert_eq!(t.score("/users/1"), None);
        assert_eq!(t.score("/user"), None);
        assert_eq!(t.score("/users/"), None);
        assert_eq!(PathTemplate::parse("/").score("/"), Some(0));
        assert_eq!(PathTemplate::parse("/").score("/x"), None);
    }

    #[test]
    fn parameters_match_one_non_empty_segment() {
        let t = PathTemplate::parse("/users/{id}/orders/{orderId}");
        assert!(t.score("/users/42/orders/7").is_some());
        assert!(t.score("/users/42/orders").is_none());
        assert!(t.score("/users//orders/7").is_none());
        assert!(t.score("/users/4/2/orders/7").is_none());
    }

    #[test]
    fn parameters_may_share_a_segment_with_literal_text() {
        let t = PathTemplate::parse("/reports/{name}.json");
        assert_eq!(t.score("/reports/q1.json"), Some(7 + 5));
        assert!(t.score("/reports/.json").is_none());
        assert!(t.score("/reports/q1.xml").is_none());
        let two = PathTemplate::parse("/range/{from}-{to}");
        assert!(two.score("/range/1-9").is_some());
        assert!(two.score("/range/19").is_none());
    }

    #[test]
    fn concrete_paths_score_above_templated_ones() {
        let me = PathTemplate::parse("/users/me");
        let id = PathTemplate::parse("/users/{id}");
        assert!(me.score("/users/me") > id.score("/users/me"));
    }

    #[test]
    fn templates_fill_their_parameters() {
        let t = PathTemplate::parse("/users/{id}/files/{name}.txt");
        assert_eq!(
            t.fill(|name| name.to_uppercase()),
            "/users/ID/files/NAME.txt"
        );
        assert_eq!(PathTemplate::parse("/").fill(|_| String::new()), "/");
    }
}
