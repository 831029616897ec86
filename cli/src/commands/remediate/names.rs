//! Identifiers for what remediation creates: valid for Neptune (1–63
//! letters, digits or hyphens, first a letter, no `--`, no trailing hyphen),
//! unique per source, and predictable from the source's id alone — so that
//! `remediate apply` finds what an interrupted run already made.

/// Neptune's limit for cluster, instance and snapshot identifiers.
pub const MAX_IDENTIFIER: usize = 63;

/// `<source>-<suffix>`, or, when that is too long, the source cut short
/// followed by `-<suffix>-<hash of the whole source>`: two sources that share
/// a long prefix still get different names. Neptune stores identifiers in
/// lower case, so the result is lower case.
pub fn derived(source: &str, suffix: &str) -> String {
    let source = source.to_ascii_lowercase();
    let plain = format!("{source}-{suffix}");
    if plain.len() <= MAX_IDENTIFIER && is_valid(&plain) {
        return plain;
    }
    let tail = format!("-{suffix}-{}", short_hash(&source));
    let room = MAX_IDENTIFIER.saturating_sub(tail.len());
    let mut prefix: String = source
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(room)
        .collect();
    while prefix.contains("--") {
        prefix = prefix.replace("--", "-");
    }
    let prefix = prefix.trim_end_matches('-');
    let prefix = if prefix.starts_with(|c: char| c.is_ascii_alphabetic()) {
        prefix.to_owned()
    } else {
        // Keep the first character a letter even for an odd source.
        format!("n{}", &prefix[..prefix.len().min(room.saturating_sub(1))])
    };
    format!("{prefix}{tail}")
}

/// Whether `identifier` meets Neptune's rules.
pub fn is_valid(identifier: &str) -> bool {
    (1..=MAX_IDENTIFIER).contains(&identifier.len())
        && identifier.starts_with(|c: char| c.is_ascii_alphabetic())
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !identifier.contains("--")
        && !identifier.ends_with('-')
}

/// Six base-36 characters of FNV-1a over `text`: stable across runs,
/// platforms and versions (no randomized hasher).
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = String::new();
    for _ in 0..6 {
        let digit = (hash % 36) as u32;
        out.push(char::from_digit(digit, 36).expect("a base-36 digit"));
        hash /= 36;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_get_the_suffix() {
        assert_eq!(derived("graph-prod", "cmk"), "graph-prod-cmk");
        assert_eq!(derived("Graph-Prod", "cmk"), "graph-prod-cmk");
    }

    #[test]
    fn long_names_are_shortened_with_a_stable_hash() {
        let source = "a-very-long-neptune-cluster-identifier-of-sixty-characters-x";
        assert_eq!(source.len(), 60);
        let name = derived(source, "cmk-migration");
        assert!(is_valid(&name), "{name}");
        assert_eq!(name, derived(source, "cmk-migration"), "predictable");
        assert!(name.starts_with("a-very-long-neptune-cluster"), "{name}");
        let sibling = derived(
            "a-very-long-neptune-cluster-identifier-of-sixty-characters-y",
            "cmk-migration",
        );
        assert_ne!(name, sibling, "unique per source");
    }

    #[test]
    fn every_length_gives_a_valid_name() {
        for length in 1..=63 {
            for filler in ["a", "a-", "ab-c"] {
                let source: String = std::iter::repeat(filler)
                    .flat_map(str::chars)
                    .take(length)
                    .collect();
                let source = source.trim_end_matches('-');
                for suffix in ["cmk", "cmk-migration"] {
                    let name = derived(source, suffix);
                    assert!(is_valid(&name), "{source:?} + {suffix} -> {name:?}");
                }
            }
        }
    }

    #[test]
    fn validity_rules() {
        assert!(is_valid("a"));
        assert!(!is_valid("1a"));
        assert!(!is_valid("a--b"));
        assert!(!is_valid("a-"));
        assert!(!is_valid(&"a".repeat(64)));
        assert!(!is_valid("a_b"));
    }
}
