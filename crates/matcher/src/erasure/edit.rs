//! Cutting records out of a setting's stored text, every other byte kept.

use super::records::Record;

/// The text without the given records (list elements or map entries), each cut out with one
/// separating comma and the whitespace after it, so that what stays is still JSON and is
/// byte for byte what it was. The records must not overlap.
pub(crate) fn cut_records(text: &str, records: &[&Record]) -> String {
    let mut spans: Vec<(usize, usize)> = records.iter().map(|r| (r.start, r.end)).collect();
    spans.sort_unstable();
    let mut out = text.to_string();
    // Last first: a cut never moves the bytes before it.
    for &(start, end) in spans.iter().rev() {
        let bytes = out.as_bytes();
        let after = skip_ws(bytes, end);
        if bytes.get(after) == Some(&b',') {
            let next = skip_ws(bytes, after + 1);
            out.replace_range(start..next, "");
            continue;
        }
        let before = skip_ws_back(bytes, start);
        if before > 0 && bytes[before - 1] == b',' {
            // The last element: cut from the end of the one before it.
            let previous_end = skip_ws_back(bytes, before - 1);
            out.replace_range(previous_end..end, "");
        } else {
            out.replace_range(start..end, "");
        }
    }
    out
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn skip_ws_back(bytes: &[u8], mut i: usize) -> usize {
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str, spans: &[(usize, usize)]) -> String {
        let records: Vec<Record> = spans
            .iter()
            .map(|&(start, end)| Record {
                path: Vec::new(),
                start,
                value_start: start,
                end,
                removable: true,
            })
            .collect();
        cut_records(text, &records.iter().collect::<Vec<_>>())
    }

    fn span(text: &str, part: &str) -> (usize, usize) {
        let start = text.find(part).unwrap();
        (start, start + part.len())
    }

    #[test]
    fn first_middle_last_and_only() {
        let t = "[ 1 ,\n 22 , 333 ]";
        assert_eq!(
            cut(t, &[span(t, "1 ")].map(|(s, _)| (s, s + 1))),
            "[ 22 , 333 ]"
        );
        assert_eq!(cut(t, &[span(t, "22")]), "[ 1 ,\n 333 ]");
        assert_eq!(cut(t, &[span(t, "333")]), "[ 1 ,\n 22 ]");
        assert_eq!(cut(t, &[span(t, "22"), span(t, "333")]), "[ 1 ]");
        assert_eq!(cut("[7]", &[(1, 2)]), "[]");
        assert_eq!(cut("{\"a\":1,\"b\":-0}", &[(1, 6)]), "{\"b\":-0}");
        assert_eq!(cut("{\"a\":1,\"b\":{}}", &[(7, 13)]), "{\"a\":1}");
    }
}
