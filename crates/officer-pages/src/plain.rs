//! Plain text for the text form of a letter: lines wrapped between words, as an e-mail client
//! or a printer shows them.

/// The width a letter's text is wrapped to.
pub const WIDTH: usize = 72;

/// `text` with each of its lines wrapped at `width` characters, between words only: a word
/// longer than the width (a web address) stands alone on its line, whole. Line breaks in
/// `text` stay; runs of spaces within a line become one.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split_whitespace() {
            let len = current.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push(current);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_words_and_long_words_stay_whole() {
        assert_eq!(wrap("aa bb cc dd", 5), "aa bb\ncc dd");
        assert_eq!(
            wrap("a https://example.org/long b", 8),
            "a\nhttps://example.org/long\nb"
        );
        assert_eq!(wrap("one\ntwo  three", 72), "one\ntwo three");
        assert_eq!(wrap("", 72), "");
    }

    #[test]
    fn no_line_is_longer_than_the_width_unless_it_is_one_word() {
        let text = "Nach dem Gesetz haben wir für unsere Antwort einen Monat Zeit, bis zum 6. Dezember 2026. Wir antworten Ihnen spätestens bis zum 6. Februar 2027.";
        for line in wrap(text, 30).lines() {
            assert!(line.chars().count() <= 30 || !line.contains(' '), "{line}");
        }
        assert_eq!(
            wrap(text, 30).split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }
}
