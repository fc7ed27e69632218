//! What a rule declares about each of its codes, and how a finding is built.
//!
//! A rule declares its codes with [`violation!`](crate::violation) in its own
//! file: one struct per code whose fields are the message's arguments, with the
//! code, rule category, severity, documentation and the German and English
//! texts. A finding is built from such a struct, so an argument the texts need
//! cannot be left out (a missing field does not compile); a placeholder the
//! struct has no field for fails the registry's test
//! (`registry::tests::every_placeholder_has_its_argument`). The texts are filled
//! in by the renderers, in the reader's language (`registry::message`).

use std::borrow::Cow;

use super::arg::Arg;
use super::{CellPos, Finding, Rule, Severity};

/// One code: its category, default severity, documentation and texts.
#[derive(Debug)]
pub struct Violation {
    pub code: &'static str,
    pub rule: Rule,
    pub severity: Severity,
    /// The names of the message's arguments (the struct's fields).
    pub params: &'static [&'static str],
    /// German paragraph(s), then `English:` and the English text.
    pub doc: &'static str,
    pub de: &'static str,
    pub en: &'static str,
    pub hint_de: &'static str,
    pub hint_en: &'static str,
    /// For infos that repeat down a column: one line for all of them
    /// (German, English), with `{count}` and the first finding's arguments.
    pub many: Option<[&'static str; 2]>,
}

/// The arguments every finding offers its texts besides its own: the value as
/// found, the column and the sheet.
pub const IMPLICIT: [&str; 3] = ["value", "column", "sheet"];

/// A code's message with its arguments (made by [`violation!`](crate::violation)).
pub trait Message: Sized {
    const VIOLATION: &'static Violation;
    fn args(self) -> Vec<(Cow<'static, str>, Arg)>;

    /// A finding of this code, to be located and built.
    fn finding(self) -> FindingBuilder {
        FindingBuilder::new(Self::VIOLATION, self.args())
    }
}

/// Declares codes: one struct per code, its fields the message's arguments.
///
/// ```ignore
/// sozialraum::violation! {
///     /// Ein Fall dauert länger als … (German documentation)
///     /// English: a case lasts longer than …
///     RangeDuration = "RANGE-DURATION", Range, Warning { other: String, expected: NaiveDate, years: u32 }
///         de: "„{column}“ = {value} liegt mehr als {years} Jahre nach „{other}“ ({expected}).",
///         en: "\"{column}\" = {value} lies more than {years} years after \"{other}\" ({expected}).",
///         hint_de: "Bitte das Jahr prüfen.",
///         hint_en: "Please check the year.";
/// }
/// ```
#[macro_export]
macro_rules! violation {
    (@many) => { None };
    (@many $de:literal, $en:literal) => { Some([$de, $en]) };
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $code:literal, $rule:ident, $sev:ident { $($field:ident : $ty:ty),* $(,)? }
            de: $de:literal, en: $en:literal,
            hint_de: $hde:literal, hint_en: $hen:literal
            $(, many_de: $mde:literal, many_en: $men:literal)?;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone)]
            pub struct $name { $(pub $field: $ty),* }

            impl $crate::finding::violation::Message for $name {
                const VIOLATION: &'static $crate::finding::violation::Violation =
                    &$crate::finding::violation::Violation {
                        code: $code,
                        rule: $crate::finding::Rule::$rule,
                        severity: $crate::finding::Severity::$sev,
                        params: &[$(stringify!($field)),*],
                        doc: concat!($($doc, "\n"),*),
                        de: $de,
                        en: $en,
                        hint_de: $hde,
                        hint_en: $hen,
                        many: $crate::violation!(@many $($mde, $men)?),
                    };
                #[allow(unused_variables)]
                fn args(self) -> Vec<(std::borrow::Cow<'static, str>, $crate::finding::arg::Arg)> {
                    vec![$((
                        std::borrow::Cow::Borrowed(stringify!($field)),
                        $crate::finding::arg::Arg::from(self.$field),
                    )),*]
                }
            }
        )*
    };
}

/// Builds a finding of one code: where it is, and what was found there.
///
/// ```
/// use sozialraum::finding::violation::Message;
/// use sozialraum::rules::field::RequiredEmpty;
/// let f = RequiredEmpty {}.finding().sheet("Fallarbeit").cell_a1("H5").column("Kosten").build();
/// assert_eq!(f.code, "REQUIRED-EMPTY");
/// assert_eq!(f.cell.map(|c| c.a1()).as_deref(), Some("H5"));
/// ```
pub struct FindingBuilder {
    f: Finding,
}

impl FindingBuilder {
    pub fn new(v: &'static Violation, args: Vec<(Cow<'static, str>, Arg)>) -> Self {
        FindingBuilder {
            f: Finding {
                severity: v.severity,
                rule: v.rule,
                code: Cow::Borrowed(v.code),
                sheet: None,
                cell: None,
                column: None,
                value: None,
                args,
                path: None,
            },
        }
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.f.severity = s;
        self
    }
    pub fn sheet(mut self, s: impl AsRef<str>) -> Self {
        self.f.sheet = Some(s.as_ref().into());
        self
    }
    pub fn cell(mut self, pos: CellPos) -> Self {
        self.f.cell = Some(pos);
        self
    }
    /// A cell given as `H12` (also `$H$12`); a text that is no cell reference locates nothing.
    pub fn cell_a1(mut self, a1: &str) -> Self {
        self.f.cell = CellPos::parse_a1(a1);
        self
    }
    pub fn column(mut self, c: impl AsRef<str>) -> Self {
        self.f.column = Some(c.as_ref().into());
        self
    }
    /// The value as found; also the message's `{value}` unless the struct has its own.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.f.value = Some(v.into());
        self
    }
    pub fn path(mut self, p: impl Into<String>) -> Self {
        self.f.path = Some(p.into());
        self
    }
    pub fn build(self) -> Finding {
        let mut f = self.f;
        if f.rule == Rule::Privacy {
            // Personal data is never repeated.
            f.value = None;
        }
        f
    }
}

/// The `{name}` placeholders of a text, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Replaces `{name}` placeholders with `lookup(name)`.
pub fn fill(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => out.push('?'),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_filled() {
        assert_eq!(placeholders("a {x} b {y} {"), vec!["x", "y"]);
        let f = fill("a {x} b {y}", |n| (n == "x").then(|| "1".to_string()));
        assert_eq!(f, "a 1 b ?");
        assert_eq!(fill("{ unclosed", |_| None), "{ unclosed");
    }
}
