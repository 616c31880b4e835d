//! The CQL statement that removes one row, for an operator to run by hand.
//!
//! When GWS does not show a setting that Cassandra still holds (a row written by something
//! other than GWS, whose value GWS's GET does not return), the tool cannot erase it through
//! GWS and must not call it gone. What it can do is say exactly which row is left: a `DELETE`
//! naming the keyspace, the table and every primary-key column, with each key value written
//! as a CQL literal of its column's type.
//!
//! The statement holds the row's *key* only (owner id, group name, setting key in the
//! reference layout; the packed key column of a layout file), never the setting's value. A
//! setting key is the value of the group's key attribute: it is already printed in the
//! operator's report, and in the rare case it holds an identifier itself, it is what the
//! operator must delete anyway. The statement therefore goes on the operator's report (stdout)
//! only, never into logs or the audit log.
//!
//! Every literal is exact and safe to paste: a text value is single-quoted with each quote
//! doubled (as CQL escapes it); a text value with control or invisible characters, which a
//! terminal would interpret or hide, is written as `blobAsText(0x…)` instead, so what is shown
//! is what is deleted.

use forgetme_scanner::names::quote;
use forgetme_scanner::read::RowKey;
use forgetme_scanner::{Session, TableName};
use scylla::cluster::metadata::{CollectionType, ColumnKind, ColumnType, NativeType};

/// `DELETE FROM "ks"."table" WHERE "col" = literal AND ...` for the row with primary key
/// `key`, with each literal typed from the table's schema as the driver knows it. When `key`
/// names an entry of a map column (a setting of a `value_map` layout,
/// `forgetme_scanner::collection`), `UPDATE "ks"."table" SET "map" = "map" - {literal} WHERE
/// ...` instead: that entry goes, the map's other entries stay.
pub fn delete_row_statement(
    session: &Session,
    table: &TableName,
    key: &RowKey,
) -> Result<String, String> {
    let state = session.get_cluster_state();
    let columns = &state
        .get_keyspace(&table.keyspace)
        .and_then(|k| k.tables.get(&table.table))
        .ok_or_else(|| format!("table {table} is not in the schema"))?
        .columns;
    if key.is_empty() {
        return Err("the row's primary key is unknown".into());
    }
    let mut conditions = Vec::with_capacity(key.len());
    let mut entry = None;
    for (column, value) in key {
        // A quoted CQL name may hold any character; one a terminal would interpret or hide
        // cannot be shown exactly, so no statement is offered rather than a wrong one.
        if column
            .chars()
            .any(|c| c.is_control() || forgetme_matcher::is_invisible(c))
        {
            return Err(format!(
                "a key column of {table} has a name with control or invisible characters"
            ));
        }
        let meta = columns
            .get(column)
            .ok_or_else(|| format!("column {column} of {table} is not in the schema"))?;
        if let (
            ColumnKind::Regular,
            ColumnType::Collection {
                typ: CollectionType::Map(key_type, _),
                ..
            },
        ) = (&meta.kind, &meta.typ)
        {
            entry = Some((column, literal(key_type, &value.0)?));
            continue;
        }
        conditions.push(format!(
            "{} = {}",
            quote(column),
            literal(&meta.typ, &value.0)?
        ));
    }
    let (keyspace, name) = (quote(&table.keyspace), quote(&table.table));
    let conditions = conditions.join(" AND ");
    Ok(match entry {
        None => format!("DELETE FROM {keyspace}.{name} WHERE {conditions};"),
        Some((map, key)) => {
            let map = quote(map);
            format!("UPDATE {keyspace}.{name} SET {map} = {map} - {{{key}}} WHERE {conditions};")
        }
    })
}

/// A CQL literal of type `typ` for the stored bytes.
pub fn literal(typ: &ColumnType<'_>, bytes: &[u8]) -> Result<String, String> {
    let ColumnType::Native(native) = typ else {
        return Err(format!(
            "a key column of type {typ:?} has no literal this tool writes"
        ));
    };
    let from_blob = |function: &str| format!("{function}({})", blob(bytes));
    Ok(match native {
        NativeType::Text | NativeType::Ascii => match std::str::from_utf8(bytes) {
            Ok(text)
                if !text
                    .chars()
                    .any(|c| c.is_control() || forgetme_matcher::is_invisible(c)) =>
            {
                format!("'{}'", text.replace('\'', "''"))
            }
            _ if *native == NativeType::Ascii => from_blob("blobAsAscii"),
            _ => from_blob("blobAsText"),
        },
        NativeType::Blob => blob(bytes),
        NativeType::TinyInt | NativeType::SmallInt | NativeType::Int | NativeType::BigInt
            if matches!(
                (native, bytes.len()),
                (NativeType::TinyInt, 1)
                    | (NativeType::SmallInt, 2)
                    | (NativeType::Int, 4)
                    | (NativeType::BigInt, 8)
            ) =>
        {
            let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
            for b in bytes {
                v = (v << 8) | i64::from(*b);
            }
            v.to_string()
        }
        NativeType::Uuid | NativeType::Timeuuid if bytes.len() == 16 => {
            uuid::Uuid::from_slice(bytes).map_or_else(|_| blob(bytes), |u| u.to_string())
        }
        NativeType::Boolean if bytes.len() == 1 => (bytes[0] != 0).to_string(),
        other => {
            let name = match other {
                NativeType::TinyInt => "tinyint",
                NativeType::SmallInt => "smallint",
                NativeType::Int => "int",
                NativeType::BigInt => "bigint",
                NativeType::Uuid => "uuid",
                NativeType::Timeuuid => "timeuuid",
                NativeType::Boolean => "boolean",
                NativeType::Varint => "varint",
                NativeType::Decimal => "decimal",
                NativeType::Double => "double",
                NativeType::Float => "float",
                NativeType::Timestamp => "timestamp",
                NativeType::Date => "date",
                NativeType::Time => "time",
                NativeType::Inet => "inet",
                _ => {
                    return Err(format!(
                        "a key column of type {other:?} has no literal this tool writes"
                    ))
                }
            };
            from_blob(&format!("blobAs{name}"))
        }
    })
}

fn blob(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native(t: NativeType) -> ColumnType<'static> {
        ColumnType::Native(t)
    }

    #[test]
    fn text_is_quoted_with_quotes_doubled() {
        assert_eq!(
            literal(&native(NativeType::Text), b"note'); DROP TABLE x; --").unwrap(),
            "'note''); DROP TABLE x; --'"
        );
        assert_eq!(literal(&native(NativeType::Text), b"").unwrap(), "''");
        assert_eq!(
            literal(&native(NativeType::Text), "Zoë".as_bytes()).unwrap(),
            "'Zoë'"
        );
    }

    #[test]
    fn text_a_terminal_would_interpret_or_hide_is_written_as_bytes() {
        assert_eq!(
            literal(&native(NativeType::Text), b"a\nb").unwrap(),
            "blobAsText(0x610a62)"
        );
        assert_eq!(
            literal(&native(NativeType::Text), "a\u{202e}b".as_bytes()).unwrap(),
            "blobAsText(0x61e280ae62)"
        );
        assert_eq!(
            literal(&native(NativeType::Ascii), b"\x1b[2J").unwrap(),
            "blobAsAscii(0x1b5b324a)"
        );
    }

    #[test]
    fn other_types_are_exact() {
        assert_eq!(
            literal(&native(NativeType::Blob), &[0, 0xff]).unwrap(),
            "0x00ff"
        );
        assert_eq!(literal(&native(NativeType::Blob), &[]).unwrap(), "0x");
        assert_eq!(
            literal(&native(NativeType::Int), &[0xff, 0xff, 0xff, 0xfe]).unwrap(),
            "-2"
        );
        assert_eq!(
            literal(&native(NativeType::BigInt), &[0, 0, 0, 0, 0, 0, 1, 0]).unwrap(),
            "256"
        );
        assert_eq!(
            literal(&native(NativeType::Uuid), &[0x12; 16]).unwrap(),
            "12121212-1212-1212-1212-121212121212"
        );
        assert_eq!(
            literal(&native(NativeType::Double), &[0x3f, 0xf0, 0, 0, 0, 0, 0, 0]).unwrap(),
            "blobAsdouble(0x3ff0000000000000)"
        );
        // A wrong length for the type is not guessed at: the bytes go through a cast.
        assert_eq!(
            literal(&native(NativeType::Int), &[1]).unwrap(),
            "blobAsint(0x01)"
        );
    }
}
