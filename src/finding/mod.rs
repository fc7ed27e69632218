//! The one shape every rule produces and every renderer reads.

pub mod arg;
pub mod violation;

use std::borrow::Cow;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::i18n::{t, Lang};

use arg::Arg;
use violation::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    File,
    Sheet,
    Column,
    Required,
    Type,
    Enum,
    Range,
    Pattern,
    Unique,
    Reference,
    CrossField,
    Total,
    Assignment,
    Privacy,
    Formula,
    Consistency,
    Deviation,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::File => "file",
            Rule::Sheet => "sheet",
            Rule::Column => "column",
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::Enum => "enum",
            Rule::Range => "range",
            Rule::Pattern => "pattern",
            Rule::Unique => "unique",
            Rule::Reference => "reference",
            Rule::CrossField => "cross_field",
            Rule::Total => "total",
            Rule::Assignment => "assignment",
            Rule::Privacy => "privacy",
            Rule::Formula => "formula",
            Rule::Consistency => "consistency",
            Rule::Deviation => "deviation",
        }
    }
}

/// A cell position, 0-based internally, shown 1-based in A1 notation as Excel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellPos {
    pub row: u32,
    pub col: u32,
}

impl CellPos {
    pub fn new(row: u32, col: u32) -> Self {
        CellPos { row, col }
    }

    pub fn a1(self) -> String {
        format!("{}{}", column_letters(self.col), u64::from(self.row) + 1)
    }

    /// Parses `H12` (also `$H$12`) back into a position.
    ///
    /// Not `rust_xlsxwriter::column_name_to_number`: it takes no row, and it
    /// subtracts `'A'` from any character (a digit or `$` underflows, a
    /// lower-case letter counts wrong) where this returns `None`.
    pub fn parse_a1(s: &str) -> Option<CellPos> {
        let s = s.replace('$', "");
        let split = s.find(|c: char| c.is_ascii_digit())?;
        let (letters, digits) = s.split_at(split);
        if letters.is_empty() || letters.len() > 3 {
            return None;
        }
        let mut col: u32 = 0;
        for c in letters.chars() {
            if !c.is_ascii_alphabetic() {
                return None;
            }
            col = col * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
        }
        let row: u32 = digits.parse().ok()?;
        if row == 0 || col == 0 {
            return None;
        }
        Some(CellPos {
            row: row - 1,
            col: col - 1,
        })
    }
}

impl std::fmt::Display for CellPos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.a1())
    }
}

/// `0` → `A`, `16383` → `XFD`, for any `u32` (a crafted file may name
/// columns beyond Excel's grid). Not `rust_xlsxwriter::column_number_to_name`:
/// it takes a `u16` and computes `col + 1` in `u16`, which overflows at 65535
/// (a panic in debug builds, `""` in release builds), and it builds the name
/// with one `format!` per letter, on a path every finding takes.
pub fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// One problem (or remark) found in a file, located as precisely as the data
/// allows: its code, where it is, what was found there and the typed arguments
/// of its message. The text is made by the renderers (`registry::message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    pub code: Cow<'static, str>,
    /// Sheet and column names live inline (no allocation of their own): a
    /// big sheet's report holds them tens of thousands of times.
    pub sheet: Option<CompactString>,
    #[serde(with = "a1")]
    pub cell: Option<CellPos>,
    pub column: Option<CompactString>,
    /// The value as found (never for privacy findings).
    pub value: Option<String>,
    pub args: Vec<(Cow<'static, str>, Arg)>,
    /// Set for findings that concern a file other than the one being reported
    /// (cross-file findings of `consolidate`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}

impl Finding {
    pub fn pos(&self) -> Option<CellPos> {
        self.cell
    }

    /// The cell as Excel shows it: `H12`.
    pub fn a1(&self) -> Option<String> {
        self.cell.map(CellPos::a1)
    }

    /// Whether this finding is of the code `M`.
    pub fn is<M: Message>(&self) -> bool {
        self.code == M::VIOLATION.code
    }

    /// The argument `name` of the message.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

/// A cell position as its A1 text in JSON.
mod a1 {
    use super::CellPos;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Option<CellPos>, s: S) -> Result<S::Ok, S::Error> {
        match c {
            Some(c) => s.serialize_some(&c.a1()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CellPos>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.and_then(|a| CellPos::parse_a1(&a)))
    }
}

/// How findings become text, for writers below the registry (the district and
/// controlling workbooks): the language and the registry's renderer
/// (`registry::texts`).
#[derive(Clone, Copy)]
pub struct Texts {
    pub lang: Lang,
    pub render: fn(&Finding, Lang) -> (String, Option<String>),
}

impl Texts {
    /// The message and the hint.
    pub fn of(&self, f: &Finding) -> (String, Option<String>) {
        (self.render)(f, self.lang)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

/// The result of checking one file: the `files[]` entry of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    pub sha256: Option<String>,
    pub provider: Option<String>,
    pub year: Option<i32>,
    pub quarter: Option<u8>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl FileReport {
    pub fn fails(&self, strict: bool) -> bool {
        self.summary.errors > 0 || (strict && self.summary.warnings > 0)
    }
}

/// A file of a scanned folder that was not checked, and why: the JSON
/// documents' top-level `skipped` list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The severity in words.
pub fn severity_word(lang: Lang, s: Severity) -> &'static str {
    use Severity::*;
    match s {
        Error => t(lang, "Fehler", "error"),
        Warning => t(lang, "Warnung", "warning"),
        Info => t(lang, "Hinweis", "info"),
    }
}

/// `1 Fehler`, `2 Warnungen`, `1 Hinweis`: a count with its noun in the right number.
pub fn count(lang: Lang, n: usize, severity: Severity) -> String {
    use Severity::*;
    let word = match (severity, n == 1) {
        (Error, true) => t(lang, "Fehler", "error"),
        (Error, false) => t(lang, "Fehler", "errors"),
        (Warning, true) => t(lang, "Warnung", "warning"),
        (Warning, false) => t(lang, "Warnungen", "warnings"),
        (Info, true) => t(lang, "Hinweis", "info"),
        (Info, false) => t(lang, "Hinweise", "infos"),
    };
    format!("{n} {word}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn counts_take_the_right_number() {
        assert_eq!(count(Lang::De, 1, Severity::Warning), "1 Warnung");
        assert_eq!(count(Lang::De, 2, Severity::Warning), "2 Warnungen");
        assert_eq!(count(Lang::De, 1, Severity::Info), "1 Hinweis");
        assert_eq!(count(Lang::De, 0, Severity::Info), "0 Hinweise");
        assert_eq!(count(Lang::De, 1, Severity::Error), "1 Fehler");
        assert_eq!(count(Lang::En, 1, Severity::Error), "1 error");
        assert_eq!(count(Lang::En, 3, Severity::Error), "3 errors");
    }

    #[test]
    fn a1_round_trips() {
        for (row, col, a1) in [
            (0, 0, "A1"),
            (11, 7, "H12"),
            (1048575, 16383, "XFD1048576"),
            (4, 26, "AA5"),
        ] {
            let p = CellPos::new(row, col);
            assert_eq!(p.a1(), a1);
            assert_eq!(CellPos::parse_a1(a1), Some(p));
        }
        assert_eq!(CellPos::parse_a1("?5"), None);
        assert_eq!(CellPos::parse_a1("A0"), None);
    }
}
