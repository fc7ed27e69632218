//! The registry: every code, one line each, and every row rule kind. The
//! codes are declared where their rules are (`violation!` in the rule's
//! file); this list makes them known to `explain`, the README's code table and
//! the renderers, which fill in the texts in the reader's language.
//!
//! Adding a rule: write its file (for a row rule `rules/row/NAME.rs`, see
//! `rules/row/max_duration.rs`), add its codes here and its kind to
//! [`ROW_RULES`], and switch it on in `schemas/verden.toml`.

use std::path::Path;

use crate::config::row_rule::RowRuleKind;
use crate::config::{Config, ConfigError};
use crate::finding::violation::{fill, Message, Violation};
use crate::finding::{Finding, Severity, Texts};
use crate::i18n::Lang;
use crate::{audit, consolidate, rules};

macro_rules! registry {
    ($($path:path,)*) => {
        /// Every code, in the order of the documentation.
        pub static CODES: &[&Violation] = &[$(<$path as Message>::VIOLATION,)*];
    };
}

registry! {
rules::file::FileUnreadable,
rules::file::FileEncrypted,
rules::file::FileEmpty,
rules::file::FileLimit,
rules::file::FileDamaged,
rules::file::FileExtension,
rules::file::FileBudgetPlan,
rules::file::FileOwnOutput,
rules::file::FileAnnotatedCopy,
rules::file::SheetMissing,
rules::file::SheetExtra,
rules::file::SheetEmpty,
rules::table::HeaderNotFound,
rules::table::ColumnMissing,
rules::table::ColumnDuplicate,
rules::table::ColumnExtra,
rules::table::CellsIgnored,
rules::table::RowsPrepared,
rules::field::RequiredEmpty,
rules::form::FieldMissing,
rules::field::TypeInvalid,
rules::field::TypeAmbiguous,
rules::field::TypeConverted,
rules::field::TypePrecision,
rules::field::EnumUnknown,
rules::field::EnumExcluded,
rules::field::EnumCountyWide,
rules::field::EnumMunicipality,
rules::field::RangeNumber,
rules::row::in_quarter::RangeQuarter,
rules::row::max_duration::RangeDuration,
rules::form::RangeCreatedEarly,
rules::field::PatternMismatch,
rules::table::UniqueDuplicate,
rules::field::ReferenceProvider,
rules::form::ReferenceProviderFileName,
rules::field::ReferenceProviderName,
rules::field::ReferenceRate,
rules::row::date_order::CrossDateOrder,
rules::row::product::CrossCost,
rules::row::required_if::CrossRequired,
rules::table::TotalRow,
rules::form::TotalSheet,
rules::row::assignment::AssignmentOutside,
rules::privacy::PrivacyColumn,
rules::privacy::PrivacyValue,
rules::field::FormulaError,
rules::field::FormulaNoValue,
rules::form::ConsistencyFileName,
rules::form::ConsistencyFileNameFact,
consolidate::ConsistencyDuplicateSubmission,
consolidate::ConsistencySuperseded,
consolidate::ConsistencyIdenticalCopy,
consolidate::ConsistencyCaseTwice,
consolidate::ConsistencyHelpTypeChanged,
consolidate::ConsistencyMissingSubmission,
consolidate::ConsistencyCaseVanished,
audit::checks::DeviationBudget,
audit::checks::DeviationCovered,
audit::checks::DeviationNoBudget,
audit::checks::DeviationUnassigned,
audit::figures::DeviationOutlier,
audit::figures::DeviationRate,
audit::figures::DeviationJump,
audit::budget::BudgetSozialraum,
audit::budget::BudgetCategory,
audit::budget::BudgetCountyWide,
audit::budget::BudgetDuplicate,
audit::budget::BudgetNegative,
audit::budget::BudgetNotNumber,
audit::budget::BudgetMissing,}

/// The row rule kinds a `[[sheet.rule]]` may name.
pub static ROW_RULES: &[RowRuleKind] = &[
    rules::row::date_order::KIND,
    rules::row::in_quarter::KIND,
    rules::row::max_duration::KIND,
    rules::row::product::KIND,
    rules::row::required_if::KIND,
    rules::row::assignment::KIND,
    rules::row::prefilled::KIND,
];

// A configuration error carries the TOML source for its diagnostic; it happens
// once per run, so its size does not matter (as in `config`).
/// The embedded Verden configuration with this registry's row rules.
#[allow(clippy::result_large_err)]
pub fn verden() -> Result<Config, ConfigError> {
    Config::verden(ROW_RULES)
}

/// `--config FILE`, or the embedded Verden configuration.
#[allow(clippy::result_large_err)]
pub fn load_config(path: Option<&Path>, lang: Lang) -> Result<Config, ConfigError> {
    Config::load(path, lang, ROW_RULES)
}

/// A configuration from its text.
#[allow(clippy::result_large_err)]
pub fn config_from_toml(name: &str, text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(name, text, ROW_RULES)
}

/// The code `code` (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static Violation> {
    let code = code.trim();
    CODES
        .iter()
        .copied()
        .find(|v| v.code.eq_ignore_ascii_case(code))
}

fn templates(v: &Violation, lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::De => (v.de, v.hint_de),
        Lang::En => (v.en, v.hint_en),
    }
}

/// A placeholder's text: the finding's own argument, else where it is.
fn arg_text(f: &Finding, name: &str, lang: Lang) -> Option<String> {
    if let Some(a) = f.arg(name) {
        return Some(a.show(lang));
    }
    match name {
        "value" => f.value.clone(),
        "column" => f.column.as_deref().map(str::to_string),
        "sheet" => f.sheet.as_deref().map(str::to_string),
        _ => None,
    }
}

fn fill_for(template: &str, f: &Finding, lang: Lang) -> String {
    fill(template, |name| arg_text(f, name, lang))
}

/// The finding's message in the reader's language.
pub fn message(f: &Finding, lang: Lang) -> String {
    match lookup(&f.code) {
        Some(v) => fill_for(templates(v, lang).0, f, lang),
        None => f.code.to_string(),
    }
}

/// The finding's hint, if its code has one.
pub fn hint(f: &Finding, lang: Lang) -> Option<String> {
    let v = lookup(&f.code)?;
    let h = fill_for(templates(v, lang).1, f, lang);
    (!h.is_empty()).then_some(h)
}

/// One line for `count` findings of `f`'s code down one column (`f` the
/// first), when the code has such a text.
pub fn many(f: &Finding, count: usize, lang: Lang) -> Option<String> {
    let [de, en] = lookup(&f.code)?.many?;
    let template = match lang {
        Lang::De => de,
        Lang::En => en,
    };
    let n = count.to_string();
    Some(fill(template, |name| match name {
        "count" => Some(n.clone()),
        _ => arg_text(f, name, lang),
    }))
}

/// The message and hint of a finding in `lang`.
pub fn render(f: &Finding, lang: Lang) -> (String, Option<String>) {
    (message(f, lang), hint(f, lang))
}

/// The texts of findings for writers below the registry.
pub fn texts(lang: Lang) -> Texts {
    Texts { lang, render }
}

/// The documentation of a code in one language: the German lines or the `English:` lines.
pub fn doc_in(v: &Violation, lang: Lang) -> String {
    let mut de = Vec::new();
    let mut en = Vec::new();
    let mut in_en = false;
    for line in v.doc.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("English:") {
            in_en = true;
            en.push(rest.trim().to_string());
        } else if in_en {
            en.push(line.to_string());
        } else {
            de.push(line.to_string());
        }
    }
    match lang {
        Lang::De => de.join(" "),
        Lang::En => {
            let mut s = en.join(" ");
            if let Some(first) = s.get(0..1) {
                s = first.to_uppercase() + s.get(1..).unwrap_or("");
            }
            s
        }
    }
}

/// The README's table of codes, generated from the registry.
pub fn markdown_table() -> String {
    let mut s = String::from("| code | rule | severity | meaning |\n|---|---|---|---|\n");
    for v in CODES {
        let sev = match v.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            v.code,
            v.rule.as_str(),
            sev,
            doc_in(v, Lang::En).replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{HelpMatch, Via, VERDEN_TOML};
    use crate::finding::violation::{placeholders, IMPLICIT};

    #[test]
    fn codes_are_unique_and_documented_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for v in CODES {
            assert!(seen.insert(v.code), "duplicate code {}", v.code);
            assert!(
                !doc_in(v, Lang::De).is_empty(),
                "{} lacks German doc",
                v.code
            );
            assert!(
                !doc_in(v, Lang::En).is_empty(),
                "{} lacks English doc",
                v.code
            );
            assert!(std::ptr::eq(lookup(v.code).unwrap(), *v));
        }
    }

    /// A placeholder in a text that the code's struct has no field for (and
    /// that is not one of the finding's own: value, column, sheet) fails here.
    #[test]
    fn every_placeholder_has_its_argument() {
        for v in CODES {
            let many = v.many.unwrap_or_default();
            for text in [v.de, v.en, v.hint_de, v.hint_en, many[0], many[1]] {
                for p in placeholders(text) {
                    assert!(
                        v.params.contains(&p) || IMPLICIT.contains(&p) || p == "count",
                        "{}: placeholder {{{p}}} in {text:?} has no argument",
                        v.code
                    );
                }
            }
            // And every argument is used by both languages' message or hint.
            for p in v.params {
                let de = format!("{}{}", v.de, v.hint_de);
                let en = format!("{}{}", v.en, v.hint_en);
                let tag = format!("{{{p}}}");
                assert!(
                    de.contains(&tag) && en.contains(&tag),
                    "{}: argument {p} unused in a language",
                    v.code
                );
            }
        }
    }

    #[test]
    fn row_rule_kinds_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in ROW_RULES {
            assert!(seen.insert(k.kind), "duplicate kind {}", k.kind);
        }
    }

    #[test]
    fn embedded_verden_configuration_loads() {
        let c = verden().unwrap();
        assert_eq!(c.providers.len(), 6);
        assert_eq!(
            c.sozialraum(Some(2026), "Oyten / Ottersberg").map(|x| x.0),
            Some("Oyten/Ottersberg")
        );
        assert_eq!(
            c.sozialraum(Some(2026), "Kirchlinteln"),
            Some(("Dörverden/Kirchlinteln", Via::Municipality))
        );
        assert_eq!(c.sozialraum(Some(2026), "Achm"), None);
        assert!(
            matches!(c.help_type("27 II"), Some(HelpMatch::Allowed(h)) if h.name == "§ 27 Abs. 2")
        );
        assert!(matches!(c.help_type("§34"), Some(HelpMatch::Excluded(_))));
        assert!(
            matches!(c.help_type("§ 27 Abs. 2 SGB VIII"), Some(HelpMatch::Allowed(h)) if h.name == "§ 27 Abs. 2")
        );
        assert!(c.help_type_as_written("§ 31 SGB VIII").is_none());
        assert!(c.is_forbidden_header("Vorname"));
        assert!(c.is_forbidden_header("Geburtsdatum des Kindes"));
        assert!(!c.is_forbidden_header("Fall-ID"));
    }

    #[test]
    fn a_broken_configuration_points_into_the_toml() {
        let bad = VERDEN_TOML.replace("earlier = \"begin\"", "earlier = \"beginn\"");
        let err = config_from_toml("x.toml", &bad).unwrap_err();
        match err {
            ConfigError::Invalid {
                span: Some(span),
                message,
                ..
            } => {
                assert!(message.contains("beginn"), "{message}");
                assert_eq!(
                    &bad[span.offset()..span.offset() + span.len()],
                    "\"beginn\""
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        let syntax = config_from_toml("y.toml", "[district\nname=1").unwrap_err();
        assert!(matches!(syntax, ConfigError::Invalid { span: Some(_), .. }));
    }

    #[test]
    fn a_rule_refuses_what_it_does_not_take() {
        let unknown_key = VERDEN_TOML.replace("years = 5", "yeras = 5");
        let err = config_from_toml("k.toml", &unknown_key).unwrap_err();
        assert!(err.to_string().contains("yeras"), "{err}");
        let unknown_kind =
            VERDEN_TOML.replace("kind = \"max_duration\"", "kind = \"max_durration\"");
        match config_from_toml("k.toml", &unknown_kind).unwrap_err() {
            ConfigError::Invalid {
                message,
                help,
                span,
                ..
            } => {
                assert!(message.contains("max_durration"), "{message}");
                assert!(help.unwrap_or_default().contains("max_duration"));
                let span = span.expect("a span");
                assert_eq!(
                    &unknown_kind[span.offset()..span.offset() + span.len()],
                    "\"max_durration\""
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        let bad_years = VERDEN_TOML.replace("years = 5", "years = \"five\"");
        assert!(config_from_toml("k.toml", &bad_years).is_err());
    }
}
