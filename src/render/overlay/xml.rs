//! Small helpers over quick-xml for the overlay: attributes by local name,
//! start tags rewritten attribute by attribute, text escaped as OOXML wants it.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::OverlayError;

pub const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
pub const STRICT_MAIN_NS: &str = "http://purl.oclc.org/ooxml/spreadsheetml/main";
pub const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub const REL_TYPE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
pub const STRICT_REL_TYPE: &str = "http://purl.oclc.org/ooxml/officeDocument/relationships/";

/// The value of the attribute whose local name is `local` (any prefix), unescaped.
pub fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| unescape(&a.value).into_owned())
}

/// The value of the attribute named exactly `qname` (`r:id`), unescaped.
pub fn attr_exact(e: &BytesStart<'_>, qname: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == qname)
        .map(|a| unescape(&a.value).into_owned())
}

/// Resolves the five predefined entities and character references; a
/// malformed reference stays as it is.
pub fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    quick_xml::escape::unescape(raw).unwrap_or(Cow::Borrowed(raw))
}

/// The element's prefix with its colon (`x:` of `x:worksheet`), or "".
pub fn prefix_of(e: &BytesStart<'_>) -> String {
    let name = e.name();
    let name = name.as_ref();
    match name.find(':') {
        Some(i) => name[..=i].to_string(),
        None => String::new(),
    }
}

/// The prefix (with colon, "" for the default namespace) the element binds
/// to `ns`, if it declares it.
pub fn ns_prefix(e: &BytesStart<'_>, ns: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        let key = a.key.as_ref();
        if unescape(&a.value) != ns {
            return None;
        }
        if key == "xmlns" {
            Some(String::new())
        } else {
            key.strip_prefix("xmlns:").map(|p| format!("{p}:"))
        }
    })
}

/// Whether the root element belongs to SpreadsheetML as we write it:
/// transitional, not strict (whose namespaces the overlay does not speak).
pub fn check_root(e: &BytesStart<'_>, part: &str, local: &str) -> Result<(), OverlayError> {
    if e.local_name().as_ref() != local {
        return Err(OverlayError::Xml {
            part: part.to_string(),
            detail: format!("<{local}> erwartet"),
        });
    }
    let prefix = prefix_of(e);
    let declared = |ns: &str| ns_prefix(e, ns).is_some_and(|p| p == prefix);
    if declared(STRICT_MAIN_NS) {
        return Err(OverlayError::Strict);
    }
    if !declared(MAIN_NS) {
        return Err(OverlayError::Xml {
            part: part.to_string(),
            detail: "unbekannter Namensraum".into(),
        });
    }
    Ok(())
}

/// A start tag (without `<` and `>`) with the attribute `key` set to
/// `value` (replaced where it was, appended otherwise) and the attributes in
/// `remove` left out. Other attributes keep their order and spelling.
pub fn with_attr(e: &BytesStart<'_>, set: &[(&str, &str)], remove: &[&str]) -> String {
    let mut out = String::with_capacity(e.len() + 16);
    out.push_str(e.name().as_ref());
    let mut done = vec![false; set.len()];
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref();
        if remove.contains(&key) {
            continue;
        }
        if let Some(i) = set.iter().position(|(k, _)| *k == key) {
            if !done[i] {
                done[i] = true;
                push_attr(&mut out, key, set[i].1);
            }
            continue;
        }
        push_attr(&mut out, key, &unescape(&a.value));
    }
    for (i, (k, v)) in set.iter().enumerate() {
        if !done[i] {
            push_attr(&mut out, k, v);
        }
    }
    out
}

pub fn push_attr(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    out.push_str(&escape(value));
    out.push('"');
}

/// Escapes text and attribute values in double quotes (`&`, `<`, `>`, `"`) and writes
/// characters XML 1.0 cannot hold (control characters) in OOXML's
/// `_xHHHH_` notation, as Excel does; a literal `_xHHHH_` is protected by
/// escaping its underscore.
pub fn escape(s: &str) -> Cow<'_, str> {
    let needs = s.chars().any(|c| {
        matches!(c, '&' | '<' | '>' | '"' | '_') || (c < ' ' && !matches!(c, '\t' | '\n'))
    });
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '_' if looks_escaped(&bytes[i..]) => out.push_str("_x005F_"),
            '\r' => out.push_str("_x000D_"),
            c if c < ' ' && !matches!(c, '\t' | '\n') => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `_x` four hex digits `_`: what a reader would take for an escaped character.
fn looks_escaped(b: &[u8]) -> bool {
    b.len() >= 7 && b[1] == b'x' && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
}

/// A text element's content, with `xml:space="preserve"` where blanks at
/// the ends or line breaks would otherwise be lost.
pub fn t_element(prefix: &str, text: &str) -> String {
    let preserve = text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
        || text.contains('\n');
    format!(
        "<{prefix}t{}>{}</{prefix}t>",
        if preserve {
            " xml:space=\"preserve\""
        } else {
            ""
        },
        escape(text)
    )
}

/// The 0-based (row, column) of an A1 reference, without allocating.
pub fn parse_ref(r: &[u8]) -> Option<(u32, u32)> {
    let mut col: u32 = 0;
    let mut i = 0;
    while i < r.len() && r[i].is_ascii_alphabetic() {
        col = col
            .checked_mul(26)?
            .checked_add(u32::from(r[i].to_ascii_uppercase() - b'A') + 1)?;
        i += 1;
    }
    if i == 0 || i > 3 || i == r.len() {
        return None;
    }
    let mut row: u32 = 0;
    for &b in &r[i..] {
        if !b.is_ascii_digit() {
            return None;
        }
        row = row.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    if row == 0 {
        return None;
    }
    Some((row - 1, col - 1))
}

/// A 1-based number attribute (`r` of a row), parsed without allocating.
pub fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut n: u32 = 0;
    for &d in b {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    Some(n)
}

/// The raw value of an attribute (no unescaping: for numbers and references).
pub fn raw_attr<'a>(e: &'a BytesStart<'_>, key: &str) -> Option<Cow<'a, str>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value)
}

pub fn a1(row: u32, col: u32) -> String {
    crate::finding::CellPos::new(row, col).a1()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_like_excel_writes_them() {
        assert_eq!(parse_ref(b"A1"), Some((0, 0)));
        assert_eq!(parse_ref(b"H12"), Some((11, 7)));
        assert_eq!(parse_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_ref(b"A0"), None);
        assert_eq!(parse_ref(b"12"), None);
        assert_eq!(parse_ref(b"ABCD1"), None);
        assert_eq!(parse_ref(b"A99999999999"), None);
    }

    #[test]
    fn text_escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape("x\u{1}y"), "x_x0001_y");
        assert_eq!(escape("_x0041_"), "_x005F_x0041_");
        assert_eq!(escape("a_b"), "a_b");
        assert_eq!(t_element("", " a"), "<t xml:space=\"preserve\"> a</t>");
    }

    #[test]
    fn start_tags_change_only_the_named_attributes() {
        let mut r = quick_xml::Reader::from_str(r#"<c r="B3" s="4" t='s'/>"#);
        let quick_xml::events::Event::Empty(e) = r.read_event().expect("event") else {
            panic!("no empty element");
        };
        assert_eq!(with_attr(&e, &[("s", "9")], &[]), r#"c r="B3" s="9" t="s""#);
        assert_eq!(
            with_attr(&e, &[("x", "1")], &["t"]),
            r#"c r="B3" s="4" x="1""#
        );
    }
}
