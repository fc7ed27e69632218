//! Arbitrary text (and numbers) through every column type's coercion and
//! the number and date parsers: nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sozialraum::coerce::{self, date, number};
use sozialraum::config::FieldType;
use sozialraum::i18n::Lang;
use sozialraum::read::Raw;

const TYPES: [FieldType; 8] = [
    FieldType::Text,
    FieldType::Integer,
    FieldType::Decimal,
    FieldType::Money,
    FieldType::Date,
    FieldType::Bool,
    FieldType::Enum,
    FieldType::Quarter,
];

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data).into_owned();
    let _ = number::parse_text(&s);
    let _ = date::parse_text(&s);
    // The same bytes as a number cell (NaN, infinities, huge serials included).
    let mut eight = [0u8; 8];
    for (d, b) in eight.iter_mut().zip(data) {
        *d = *b;
    }
    let as_number = f64::from_le_bytes(eight);
    let raws = [
        Raw::Text(s.into()),
        Raw::Number(as_number),
        Raw::Int(i64::from_le_bytes(eight)),
    ];
    for ty in TYPES {
        for raw in &raws {
            for (is_1904, lang) in [(false, Lang::De), (true, Lang::En)] {
                let _ = coerce::coerce(raw, ty, is_1904, lang);
            }
        }
    }
});
