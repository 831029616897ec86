//! Annotations: the one line of text the Config console shows next to a
//! verdict.

use std::fmt;

/// The most an annotation may hold. PutEvaluations allows 256 characters;
/// counting bytes is stricter for non-ASCII text and therefore always safe.
pub const MAX_ANNOTATION_BYTES: usize = 256;

/// Appended when an annotation had to be shortened, so a reader knows.
pub const TRUNCATION_MARKER: &str = " [truncated]";

/// An annotation that is guaranteed to fit PutEvaluations' limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Annotation(String);

impl Annotation {
    /// Builds an annotation, truncating on a UTF-8 character boundary and
    /// appending [`TRUNCATION_MARKER`] when `text` is too long.
    pub fn new(text: impl Into<String>) -> Self {
        let mut text = text.into();
        if text.len() > MAX_ANNOTATION_BYTES {
            let keep = floor_char_boundary(&text, MAX_ANNOTATION_BYTES - TRUNCATION_MARKER.len());
            text.truncate(keep);
            text.push_str(TRUNCATION_MARKER);
        }
        Self(text)
    }

    /// The annotation text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shortens `text` to at most `max_bytes` bytes on a character boundary,
/// marking the cut with `…`. Used for values quoted in error messages.
pub(crate) fn shorten(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let keep = floor_char_boundary(text, max_bytes.saturating_sub('…'.len_utf8()));
    format!("{}…", &text[..keep])
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept() {
        assert_eq!(Annotation::new("ok").as_str(), "ok");
        let exact = "a".repeat(MAX_ANNOTATION_BYTES);
        assert_eq!(Annotation::new(exact.clone()).as_str(), exact);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary_with_a_marker() {
        // 'é' is two bytes: every cut position is exercised by the offset.
        for offset in 0..4 {
            let text = format!("{}{}", "x".repeat(offset), "é".repeat(300));
            let annotation = Annotation::new(text);
            assert!(annotation.as_str().len() <= MAX_ANNOTATION_BYTES);
            assert!(annotation.as_str().ends_with(TRUNCATION_MARKER));
        }
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("abcdef", 10), "abcdef");
        assert_eq!(shorten("abcdefghijkl", 6), "abc…");
    }
}
