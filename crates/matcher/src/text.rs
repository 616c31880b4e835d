//! Case-insensitive substring search for text identifiers (`--match text`).
//!
//! One Aho-Corasick automaton finds all text identifiers in one pass, whatever their number.
//! It folds ASCII case itself; identifiers with non-ASCII letters are searched for in a
//! lower-cased copy of the text, made only when the text itself is non-ASCII.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The automata over the text identifiers, with the identifier index of each pattern.
#[derive(Debug, Clone)]
pub(crate) struct TextSearcher {
    ascii: Option<Automaton>,
    unicode: Option<Automaton>,
}

#[derive(Debug, Clone)]
struct Automaton {
    searcher: AhoCorasick,
    identifiers: Vec<usize>,
}

impl Automaton {
    fn build(patterns: Vec<(usize, &str)>) -> Option<Automaton> {
        if patterns.is_empty() {
            return None;
        }
        let searcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(patterns.iter().map(|(_, p)| p))
            .expect("a few thousand short patterns fit the automaton");
        Some(Automaton {
            searcher,
            identifiers: patterns.into_iter().map(|(id, _)| id).collect(),
        })
    }

    /// Reports the identifier of every occurrence in `haystack`.
    fn search(&self, haystack: &str, sink: &mut impl FnMut(usize)) {
        for m in self.searcher.find_overlapping_iter(haystack) {
            sink(self.identifiers[m.pattern().as_usize()]);
        }
    }
}

impl TextSearcher {
    /// Builds the searcher from `(identifier index, lower-cased text)` pairs; `None` when
    /// there are none, so matching skips text search entirely.
    pub(crate) fn new(patterns: Vec<(usize, &str)>) -> Option<TextSearcher> {
        let (ascii, unicode): (Vec<_>, Vec<_>) =
            patterns.into_iter().partition(|(_, p)| p.is_ascii());
        let searcher = TextSearcher {
            ascii: Automaton::build(ascii),
            unicode: Automaton::build(unicode),
        };
        (searcher.ascii.is_some() || searcher.unicode.is_some()).then_some(searcher)
    }

    /// Calls `sink` for each occurrence of a text identifier in `text` (the caller
    /// removes repeats).
    pub(crate) fn search(&self, text: &str, mut sink: impl FnMut(usize)) {
        if let Some(ascii) = &self.ascii {
            ascii.search(text, &mut sink);
        }
        if let Some(unicode) = &self.unicode {
            if !text.is_ascii() {
                unicode.search(&text.to_lowercase(), &mut sink);
            }
        }
    }
}

/// Han ideographs (with their extensions and compatibility forms), hiragana, katakana
/// (with halfwidth forms) and hangul syllables.
pub(crate) fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{3005}'..='\u{3007}'
        | '\u{3040}'..='\u{30ff}'
        | '\u{31f0}'..='\u{31ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff66}'..='\u{ff9f}'
        | '\u{20000}'..='\u{3ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(searcher: &TextSearcher, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        searcher.search(text, |id| out.push(id));
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn finds_all_identifiers_case_insensitively() {
        let s = TextSearcher::new(vec![(0, "smith"), (1, "jöhn"), (2, "mith")]).unwrap();
        assert_eq!(found(&s, "Mr SMITH and Smith"), [0, 2]);
        assert_eq!(found(&s, "JÖHN"), [1]);
        assert_eq!(found(&s, "john"), Vec::<usize>::new());
        assert!(TextSearcher::new(vec![]).is_none());
    }
}
