//! Reading a `map` column as the bytes Cassandra sends: the entries of a map of settings.
//!
//! Some installs may keep one owner's settings group in one row, each setting an entry of a
//! `map<text, text>` (the key the setting's key, the value its JSON). The scanner reads every
//! column as raw bytes; a map arrives in the native protocol's collection encoding: a 32-bit
//! big-endian entry count, then each key and each value as a 32-bit big-endian length and its
//! bytes (a negative length is a null value).
//!
//! A setting that is an entry of such a map is named, wherever a row key names a setting
//! ([`crate::read::RowKey`]), by the row's primary key and one more element: the map column's
//! name with the entry's key ([`entry_in_key`]). [`crate::read::read_column`] and the
//! erasure's partition reads read that entry alone.

use crate::raw::{RawValue, RowKey};

/// One entry of a map: its key, and its value (`None`: null).
pub type Entry<'a> = (&'a [u8], Option<&'a [u8]>);

/// The entries of a map column's bytes, in stored order (sorted by key), or `None` when the
/// bytes are not a map's encoding.
pub fn map_entries(raw: &[u8]) -> Option<Vec<Entry<'_>>> {
    let mut rest = raw;
    let count = take_len(&mut rest)?;
    let count = usize::try_from(count).ok()?;
    // Each entry takes at least 8 bytes: a count larger than that is no map.
    if count > rest.len() / 8 {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let key = take_item(&mut rest)??;
        let value = take_item(&mut rest)?;
        entries.push((key, value));
    }
    rest.is_empty().then_some(entries)
}

/// The value of the entry `key` of a map column's bytes: `Some(None)` when the map has no
/// such entry (or it is null), `None` when the bytes are not a map's encoding.
pub fn map_entry<'a>(raw: &'a [u8], key: &[u8]) -> Option<Option<&'a [u8]>> {
    Some(
        map_entries(raw)?
            .into_iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v),
    )
}

/// A 32-bit big-endian signed length.
fn take_len(rest: &mut &[u8]) -> Option<i32> {
    let (len, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(i32::from_be_bytes(*len))
}

/// One length-prefixed item: `Some(None)` for a null (negative length).
fn take_item<'a>(rest: &mut &'a [u8]) -> Option<Option<&'a [u8]>> {
    let Ok(len) = usize::try_from(take_len(rest)?) else {
        return Some(None);
    };
    if len > rest.len() {
        return None;
    }
    let (item, tail) = rest.split_at(len);
    *rest = tail;
    Some(Some(item))
}

/// The element of a row key that names entry `key` of the map column `column`.
pub fn entry_key_element(column: &str, key: &[u8]) -> (String, RawValue) {
    (column.to_string(), RawValue(key.to_vec()))
}

/// When `key` names an entry of the map column `column` (an element named after the column
/// itself: a map column is never a primary-key column), that entry's key, and the row's own
/// primary key without it.
pub fn entry_in_key<'k>(key: &'k RowKey, column: &str) -> Option<(&'k [u8], RowKey)> {
    let entry = key.iter().find(|(c, _)| c == column)?;
    let row = key.iter().filter(|(c, _)| c != column).cloned().collect();
    Some((&entry.1 .0, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The native protocol's encoding of a map of texts.
    pub(crate) fn encode(entries: &[(&str, Option<&str>)]) -> Vec<u8> {
        let mut out = (entries.len() as i32).to_be_bytes().to_vec();
        for (k, v) in entries {
            out.extend((k.len() as i32).to_be_bytes());
            out.extend(k.as_bytes());
            match v {
                Some(v) => {
                    out.extend((v.len() as i32).to_be_bytes());
                    out.extend(v.as_bytes());
                }
                None => out.extend((-1i32).to_be_bytes()),
            }
        }
        out
    }

    #[test]
    fn entries_are_read_in_order_with_nulls() {
        let raw = encode(&[
            ("fav-1", Some("{\"a\":1}")),
            ("fav-2", None),
            ("", Some("")),
        ]);
        let entries = map_entries(&raw).unwrap();
        assert_eq!(
            entries,
            [
                (&b"fav-1"[..], Some(&b"{\"a\":1}"[..])),
                (b"fav-2", None),
                (b"", Some(b"")),
            ]
        );
        assert_eq!(map_entry(&raw, b"fav-1"), Some(Some(&b"{\"a\":1}"[..])));
        assert_eq!(map_entry(&raw, b"fav-2"), Some(None));
        assert_eq!(map_entry(&raw, b"fav-3"), Some(None));
        assert_eq!(map_entries(&encode(&[])).unwrap(), []);
    }

    #[test]
    fn bytes_that_are_no_map_are_refused() {
        let raw = encode(&[("fav-1", Some("x"))]);
        for bad in [
            &raw[..raw.len() - 1],
            &[raw.as_slice(), b"!"].concat()[..],
            b"{\"a\":1}",
            &[0, 0, 0],
            &[0x7f, 0xff, 0xff, 0xff],
        ] {
            assert_eq!(map_entries(bad), None, "{bad:?}");
        }
        // A null key is no map entry.
        let mut null_key = 1i32.to_be_bytes().to_vec();
        null_key.extend((-1i32).to_be_bytes());
        null_key.extend(0i32.to_be_bytes());
        assert_eq!(map_entries(&null_key), None);
    }

    #[test]
    fn an_entry_is_named_by_the_row_key_and_the_map_column() {
        let key: RowKey = vec![
            ("owner_id".into(), RawValue(b"a1".to_vec())),
            ("group_name".into(), RawValue(b"g".to_vec())),
            entry_key_element("settings", b"fav-1"),
        ];
        let (entry, row) = entry_in_key(&key, "settings").unwrap();
        assert_eq!(entry, b"fav-1");
        assert_eq!(row, key[..2]);
        assert_eq!(entry_in_key(&key, "value"), None);
    }
}
