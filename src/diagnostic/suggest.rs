//! "Did you mean" suggestions by edit distance.

/// The closest candidate to `name`, as help text (`` did you mean `age`? ``), when one
/// is close enough: at most a third of the name's length in edits (at least one).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate [`did_you_mean`] would suggest, bare.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Like [`did_you_mean`], but also for names further off, where a wrong guess costs
/// nothing (a name asked for on the command line): a candidate the name starts or
/// is part of (`champs` → `champions`), or one within half the name's length in edits.
pub fn did_you_mean_far<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(help) = did_you_mean(name, candidates.clone()) {
        return Some(help);
    }
    let length = name.chars().count();
    let containing = candidates
        .clone()
        .into_iter()
        .filter(|c| length >= 3 && c.contains(name))
        .min_by_key(|c| (c.len(), *c));
    let limit = length.div_ceil(2);
    let near = || {
        candidates
            .into_iter()
            .map(|c| (levenshtein(name, c), c))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, c)| (*d, *c))
            .map(|(_, c)| c)
    };
    containing
        .or_else(near)
        .map(|c| format!("did you mean `{c}`?"))
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(
            did_you_mean("agee", ["age", "email"]).as_deref(),
            Some("did you mean `age`?")
        );
        assert_eq!(
            did_you_mean("orders_cout", ["orders_count", "age"]).as_deref(),
            Some("did you mean `orders_count`?")
        );
    }

    #[test]
    fn far_suggestions_take_a_containing_name() {
        let names = ["champions", "loyal_customers", "at_risk"];
        assert_eq!(
            did_you_mean_far("champs", names).as_deref(),
            Some("did you mean `champions`?")
        );
        assert_eq!(
            did_you_mean_far("loyal", names).as_deref(),
            Some("did you mean `loyal_customers`?")
        );
        assert_eq!(did_you_mean_far("zzzzzz", names), None);
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(did_you_mean("zzz", ["age", "email"]), None);
    }

    #[test]
    fn distance_counts_characters() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("é", "e"), 1);
    }
}
