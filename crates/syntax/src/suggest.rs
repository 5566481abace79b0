//! "Did you mean": the known name closest to one that is not known.

/// The candidate closest to `name` (ignoring case), if any is close enough
/// to be the name meant.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Whether `name` is `known` mistyped: at most two letters swapped,
/// dropped, doubled or changed (ignoring case). A "did you mean" may
/// suggest a name further off; only a typo is surely not a name of its own.
pub fn is_typo(name: &str, known: &str) -> bool {
    strsim::damerau_levenshtein(&name.to_lowercase(), &known.to_lowercase()) <= 2
}

#[cfg(test)]
mod tests {
    use super::{closest, is_typo};

    #[test]
    fn typos_are_a_few_letters_off() {
        assert!(is_typo("SiginLogs", "SigninLogs"));
        assert!(is_typo("UserPrincipleName", "UserPrincipalName"));
        assert!(!is_typo("AADSignInEventsBeta", "AADAgentRiskEvents"));
        assert!(!is_typo("SQLEvent", "Event"));
    }

    #[test]
    fn the_closest_name_or_none() {
        assert_eq!(
            closest("UserPrincipleName", ["UserId", "UserPrincipalName"]),
            Some("UserPrincipalName")
        );
        assert_eq!(closest("wher", ["where", "extend"]), Some("where"));
        assert_eq!(closest("SIGNINLOGS", ["SigninLogs"]), Some("SigninLogs"));
        assert_eq!(closest("zzz", ["where", "extend"]), None);
    }
}
