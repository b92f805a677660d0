//! Which parts of a URL are secret, found on the text as written (byte ranges into it), so a
//! masked URL is the URL the user wrote with only those parts replaced.
//!
//! `scheme://user:password@host:port/path?name=value&flag#fragment`: the password is always
//! secret; the userinfo (without a password), each query value (or a parameter without `=`) and
//! the fragment are secret when they overlap a part rendered from the environment. A value that
//! came from the environment and is not a URL (no scheme and not a path) hides those parts.

use super::overlaps;
use std::ops::Range;

/// The parts of a URL as byte ranges.
#[derive(Debug, Default)]
struct Parts {
    /// Whether it starts with `scheme:` or is a path (`/…`, `?…`).
    looks_like_url: bool,
    /// The userinfo before `@`, without its password.
    user: Option<Range<usize>>,
    /// The password after `user:`.
    password: Option<Range<usize>>,
    /// Each query parameter's value (the whole parameter when it has no `=`).
    query_values: Vec<Range<usize>>,
    /// The fragment after `#`.
    fragment: Option<Range<usize>>,
}

fn parts(value: &str) -> Parts {
    let mut parts = Parts::default();
    let scheme_end = value.find(':').filter(|&end| {
        let scheme = &value[..end];
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    parts.looks_like_url = scheme_end.is_some() || value.starts_with(['/', '?']);
    let mut at = scheme_end.map_or(0, |end| end + 1);
    if value[at..].starts_with("//") {
        at += 2;
        let authority_end = value[at..]
            .find(['/', '?', '#'])
            .map_or(value.len(), |offset| at + offset);
        if let Some(sign) = value[at..authority_end].rfind('@') {
            let userinfo = at..at + sign;
            match value[userinfo.clone()].find(':') {
                Some(colon) => {
                    parts.user = Some(userinfo.start..userinfo.start + colon);
                    parts.password = Some(userinfo.start + colon + 1..userinfo.end);
                }
                None => parts.user = Some(userinfo),
            }
        }
        at = authority_end;
    }
    let fragment_start = value[at..].find('#').map(|offset| at + offset);
    let before_fragment = fragment_start.unwrap_or(value.len());
    if let Some(question) = value[at..before_fragment].find('?') {
        let mut start = at + question + 1;
        for parameter in value[start..before_fragment].split('&') {
            let range = match parameter.find('=') {
                Some(equals) => start + equals + 1..start + parameter.len(),
                None => start..start + parameter.len(),
            };
            if !parameter.is_empty() {
                parts.query_values.push(range);
            }
            start += parameter.len() + 1;
        }
    }
    parts.fragment = fragment_start.map(|start| start + 1..value.len());
    parts
}

/// The ranges of `value` to hide, given the ranges rendered from the environment.
pub(super) fn hidden(value: &str, from_env: &[Range<usize>]) -> Vec<Range<usize>> {
    let parts = parts(value);
    let from_env: Vec<&Range<usize>> = from_env.iter().filter(|r| r.start < r.end).collect();
    let secret_if_from_env = |range: &Range<usize>| from_env.iter().any(|env| overlaps(range, env));
    if !parts.looks_like_url {
        return from_env.into_iter().cloned().collect();
    }
    let mut hidden: Vec<Range<usize>> = parts.password.into_iter().collect();
    hidden.extend(
        parts
            .user
            .into_iter()
            .chain(parts.query_values)
            .chain(parts.fragment)
            .filter(|range| range.start < range.end && secret_if_from_env(range)),
    );
    hidden
}

/// The password of a URL written in the manifest, if it has one.
pub(super) fn literal_password(value: &str) -> Option<Range<usize>> {
    let parts = parts(value);
    parts.password.filter(|_| parts.looks_like_url)
}

#[cfg(test)]
// Lists of byte ranges, one range long.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    fn shown(value: &str, from_env: &[Range<usize>]) -> String {
        let mut ranges = hidden(value, from_env);
        ranges.sort_by_key(|r| r.start);
        super::super::replace_ranges(value, &ranges)
    }

    #[test]
    fn passwords_are_hidden_wherever_they_came_from() {
        assert_eq!(
            shown("mysql://root:pw@h:3306/db?ssl=true", &[]),
            "mysql://root:***@h:3306/db?ssl=true"
        );
        assert_eq!(shown("mysql://root@h/db", &[]), "mysql://root@h/db");
        assert_eq!(
            shown("sqlite://var/app.db", &[0..19]),
            "sqlite://var/app.db"
        );
        // An `@` in the path is not userinfo.
        assert_eq!(shown("http://h/a:b@c", &[]), "http://h/a:b@c");
    }

    #[test]
    fn query_values_and_fragments_from_the_environment_are_hidden() {
        let value = "http://h/p?a=1&key=zz#frag";
        let key = value.find("zz").unwrap();
        assert_eq!(shown(value, &[key..key + 2]), "http://h/p?a=1&key=***#frag");
        assert_eq!(
            shown(value, &[0..value.len()]),
            "http://h/p?a=***&key=***#***"
        );
        assert_eq!(shown("?t=1", &[0..4]), "?t=***");
    }

    #[test]
    fn a_value_from_the_environment_that_is_not_a_url_is_hidden() {
        assert_eq!(shown("supersecret123", &[0..14]), "***");
        assert_eq!(shown("x-{{ vu }}", &[0..1]), "***-{{ vu }}");
        assert_eq!(shown("items", &[]), "items");
    }
}
