//! The district configuration: loaded from TOML (the embedded Verden default
//! or `--config FILE`), checked, and compiled into lookups the rules use.

// A configuration error carries the whole TOML source for its diagnostic; it
// happens once per run, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod model;
pub mod privacy;
pub mod row_rule;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use regex::Regex;
use thiserror::Error;

use crate::text::{header_key, match_key};
pub use model::*;
use privacy::{PatternError, PrivacyPatterns};
use row_rule::{RowCheck, RowRuleKind, RuleProblem, RuleSpec};

/// The shipped configuration for Landkreis Verden.
pub const VERDEN_TOML: &str = include_str!("../../schemas/verden.toml");

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("{message}")]
    #[diagnostic(code(sozialraum::config::read))]
    Io { name: String, message: String },

    #[error("Konfiguration {name}: {message}")]
    #[diagnostic(code(sozialraum::config::invalid))]
    Invalid {
        name: String,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        span: Option<SourceSpan>,
        label: String,
        #[help]
        help: Option<String>,
    },
}

/// A table column or form field with its compiled pattern and match keys.
#[derive(Debug, Clone)]
pub struct Column {
    pub def: ColumnDef,
    pub pattern: Option<Regex>,
    /// Normalised header/label and aliases (see `coerce::text::header_key`).
    pub keys: Vec<String>,
}

impl Column {
    pub fn title(&self) -> &str {
        self.def.title()
    }
    pub fn accepted(&self) -> String {
        let mut v = vec![self.title().to_string()];
        v.extend(self.def.aliases.iter().cloned());
        v.join(", ")
    }
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub kind: SheetKind,
    pub required: bool,
    pub keys: Vec<String>,
    pub category: Option<String>,
    pub header_rows: u32,
    pub totals_keys: Vec<String>,
    pub totals_columns: Vec<usize>,
    /// Table columns or form fields.
    pub columns: Vec<Column>,
    /// The compiled `[[sheet.rule]]`s.
    pub rules: Vec<Arc<dyn RowCheck>>,
    pub label_col: u32,
    pub value_col: u32,
    pub first_row: u32,
    pub last_row: u32,
    /// For form fields with `sum_of`: (field index, [(sheet, column index)]).
    pub sums: Vec<(usize, Vec<(String, usize)>)>,
}

impl Sheet {
    pub fn column_index(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.def.key == key)
    }
    /// The column or field with this role.
    pub fn role(&self, role: Role) -> Option<usize> {
        self.columns.iter().position(|c| c.def.role == Some(role))
    }
    /// Whether an entry template may fill in the column ahead (rule `prefilled`).
    pub fn is_prefilled(&self, idx: usize) -> bool {
        self.rules.iter().any(|r| r.prefilled().contains(&idx))
    }
    pub fn matches_name(&self, name: &str) -> bool {
        let k = header_key(name);
        self.keys.contains(&k)
    }
}

/// How a written value was recognised among allowed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Canonical,
    Alias,
    Municipality,
}

#[derive(Debug, Clone)]
pub enum HelpMatch<'a> {
    Allowed(&'a HelpType),
    Excluded(&'a ExcludedHelpType),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub district: District,
    pub limits: Limits,
    pub privacy: Privacy,
    pub audit: AuditSettings,
    pub deadlines: Deadlines,
    pub county_wide: CountyWide,
    pub cuts: Vec<Cut>,
    pub help_types: Vec<HelpType>,
    pub excluded_help_types: Vec<ExcludedHelpType>,
    pub providers: Vec<Provider>,
    pub sheets: Vec<Sheet>,
    pub budget: Option<BudgetDef>,
    /// The privacy rule's patterns, compiled at load (a bad one is an error here).
    pub privacy_patterns: PrivacyPatterns,
    forbidden_header_keys: Vec<String>,
    /// Per cut (same order as `cuts`): match key → (Sozialraum, how it was written).
    area_keys: Vec<HashMap<String, (String, Via)>>,
    /// Match key → index into `help_types` (Ok) or `excluded_help_types` (Err).
    help_keys: HashMap<String, Result<usize, usize>>,
    /// The same, keyed by the exact spelling, so the usual case costs no allocation.
    help_exact: HashMap<String, Result<usize, usize>>,
    area_exact: Vec<HashMap<String, (String, Via)>>,
    county_keys: Vec<String>,
}

impl Config {
    /// The embedded Verden configuration with the row rules `kinds` (`registry::ROW_RULES`).
    pub fn verden(kinds: &[RowRuleKind]) -> Result<Config, ConfigError> {
        Config::from_toml("verden.toml (eingebettet)", VERDEN_TOML, kinds)
    }

    pub fn load(
        path: Option<&Path>,
        lang: crate::i18n::Lang,
        kinds: &[RowRuleKind],
    ) -> Result<Config, ConfigError> {
        match path {
            None => Config::verden(kinds),
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Io {
                    name: name.clone(),
                    message: format!(
                        "{} {name} {}: {}",
                        crate::i18n::t(lang, "Konfiguration", "Configuration"),
                        crate::i18n::t(lang, "kann nicht gelesen werden", "cannot be read"),
                        crate::i18n::io_error(lang, &e)
                    ),
                })?;
                Config::from_toml(&name, &text, kinds)
            }
        }
    }

    /// Reads a configuration; `kinds` are the row rules a `[[sheet.rule]]` may name.
    pub fn from_toml(name: &str, text: &str, kinds: &[RowRuleKind]) -> Result<Config, ConfigError> {
        let invalid = |message: String,
                       span: Option<std::ops::Range<usize>>,
                       label: &str,
                       help: Option<String>| {
            ConfigError::Invalid {
                name: name.to_string(),
                message,
                src: NamedSource::new(name, text.to_string()),
                span: span.map(|r| SourceSpan::from(r.start..r.end)),
                label: label.to_string(),
                help,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            invalid(
                e.message().trim().to_string(),
                e.span(),
                "hier",
                Some("Siehe schemas/verden.toml als Vorlage.".into()),
            )
        })?;

        if raw.cuts.is_empty() {
            return Err(invalid(
                "mindestens ein [[cut]] mit Sozialräumen ist nötig".into(),
                None,
                "",
                None,
            ));
        }
        let all_sozialraeume: Vec<String> = raw
            .cuts
            .iter()
            .flat_map(|c| c.sozialraeume.iter().map(|s| s.name.clone()))
            .collect();
        for p in &raw.providers {
            for s in &p.sozialraeume {
                if !all_sozialraeume.iter().any(|n| n == s.get_ref()) {
                    return Err(invalid(
                        format!("Träger {}: unbekannter Sozialraum „{}“", p.id, s.get_ref()),
                        Some(s.span()),
                        "nicht unter [[cut.sozialraum]]",
                        Some(format!("Bekannt: {}", all_sozialraeume.join(", "))),
                    ));
                }
            }
        }

        let mut sheets = Vec::new();
        for def in &raw.sheets {
            let mut columns = Vec::new();
            let defs = if def.kind == SheetKind::Table {
                &def.columns
            } else {
                &def.fields
            };
            for c in defs {
                let pattern = match &c.pattern {
                    None => None,
                    Some(p) => Some(Regex::new(p.get_ref()).map_err(|e| {
                        invalid(
                            format!("ungültiges Muster in {}.{}", def.name, c.key),
                            Some(p.span()),
                            "hier",
                            Some(e.to_string()),
                        )
                    })?),
                };
                if c.ty == FieldType::Enum && c.enum_set.is_none() {
                    return Err(invalid(
                        format!("{}.{}: type = \"enum\" braucht enum = \"sozialraum\" oder \"help_type\"", def.name, c.key),
                        None,
                        "",
                        None,
                    ));
                }
                let mut keys = vec![header_key(c.title())];
                keys.extend(c.aliases.iter().map(|a| header_key(a)));
                columns.push(Column {
                    def: c.clone(),
                    pattern,
                    keys,
                });
            }
            let find = |s: &toml::Spanned<String>| -> Result<usize, ConfigError> {
                columns
                    .iter()
                    .position(|c| c.def.key == *s.get_ref())
                    .ok_or_else(|| {
                        invalid(
                            format!("Blatt {}: unbekannte Spalte „{}“", def.name, s.get_ref()),
                            Some(s.span()),
                            "keine Spalte mit diesem key",
                            Some(format!(
                                "Spalten: {}",
                                columns
                                    .iter()
                                    .map(|c| c.def.key.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        )
                    })
            };
            let mut rules = Vec::new();
            for r in &def.rules {
                let problem = |p: RuleProblem| {
                    let span = p
                        .key
                        .and_then(|k| value_span(text, r.span(), k))
                        .unwrap_or(r.span());
                    invalid(
                        format!("Blatt {}: {}", def.name, p.message),
                        Some(span),
                        "diese Regel",
                        p.help,
                    )
                };
                let kind = r
                    .get_ref()
                    .get("kind")
                    .and_then(|k| k.as_str())
                    .unwrap_or_default();
                let Some(rule) = kinds.iter().find(|k| k.kind == kind) else {
                    return Err(problem(RuleProblem {
                        key: Some("kind"),
                        message: format!("unbekannte Regel kind = „{kind}“"),
                        help: Some(format!(
                            "Regeln: {}",
                            kinds.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
                        )),
                    }));
                };
                let mut spec = RuleSpec {
                    table: r.get_ref(),
                    columns: &columns,
                    used: Default::default(),
                };
                let compiled = (rule.compile)(&mut spec).map_err(problem)?;
                let unused = spec.unused();
                if !unused.is_empty() {
                    return Err(problem(RuleProblem::new(format!(
                        "die Regel {kind} kennt den Schlüssel „{}“ nicht",
                        unused.join("“, „")
                    ))));
                }
                rules.push(compiled);
            }
            let totals_columns = def
                .totals_columns
                .iter()
                .map(&find)
                .collect::<Result<Vec<_>, _>>()?;
            let col_of = |s: &Option<String>, default: u32| -> u32 {
                s.as_deref()
                    .and_then(|l| crate::finding::CellPos::parse_a1(&format!("{l}1")))
                    .map(|p| p.col)
                    .unwrap_or(default)
            };
            let mut keys = vec![header_key(&def.name)];
            keys.extend(def.aliases.iter().map(|a| header_key(a)));
            sheets.push(Sheet {
                name: def.name.clone(),
                kind: def.kind,
                required: def.required,
                keys,
                category: def.category.clone(),
                header_rows: def.header_rows.max(1),
                totals_keys: def.totals_labels.iter().map(|l| header_key(l)).collect(),
                totals_columns,
                columns,
                rules,
                label_col: col_of(&def.label_column, 0),
                value_col: col_of(&def.value_column, 1),
                first_row: def.first_row.unwrap_or(1).saturating_sub(1),
                last_row: def.last_row.unwrap_or(20).saturating_sub(1),
                sums: Vec::new(),
            });
        }
        // Resolve `sum_of = ["Sheet.key"]` now that all sheets are known.
        let mut all_sums = Vec::new();
        for (si, def) in raw.sheets.iter().enumerate() {
            let mut sums = Vec::new();
            for (fi, f) in def.fields.iter().enumerate() {
                if f.sum_of.is_empty() {
                    continue;
                }
                let mut parts = Vec::new();
                for s in &f.sum_of {
                    let (sheet, key) = s.get_ref().split_once('.').unwrap_or((s.get_ref(), ""));
                    let target = sheets
                        .iter()
                        .find(|t| t.name == sheet && t.kind == SheetKind::Table);
                    let ci = target.and_then(|t| t.column_index(key));
                    match ci {
                        Some(ci) => parts.push((sheet.to_string(), ci)),
                        None => {
                            return Err(invalid(
                                format!(
                                    "{}.{}: sum_of „{}“ nennt keine Tabellenspalte",
                                    def.name,
                                    f.key,
                                    s.get_ref()
                                ),
                                Some(s.span()),
                                "erwartet \"Blatt.key\"",
                                None,
                            ))
                        }
                    }
                }
                sums.push((fi, parts));
            }
            all_sums.push((si, sums));
        }
        for (si, sums) in all_sums {
            if let Some(s) = sheets.get_mut(si) {
                s.sums = sums;
            }
        }
        let cover_ok = sheets.iter().any(|s| {
            s.kind == SheetKind::Form
                && [Role::ProviderId, Role::Year, Role::Quarter]
                    .iter()
                    .all(|r| s.role(*r).is_some())
        });
        if !cover_ok {
            return Err(invalid(
                "ein Formularblatt mit Feldern der Rollen provider_id, year und quarter (das Deckblatt) fehlt".into(),
                None,
                "",
                None,
            ));
        }

        if raw.deadlines.days_after_quarter > 365 {
            return Err(invalid(
                format!(
                    "[deadlines] days_after_quarter = {}: höchstens 365 Tage nach Quartalsende",
                    raw.deadlines.days_after_quarter
                ),
                None,
                "",
                Some("z. B. days_after_quarter = 15".into()),
            ));
        }
        let configured: Vec<String> = raw
            .privacy
            .patterns
            .iter()
            .map(|p| p.get_ref().clone())
            .collect();
        let privacy_patterns = PrivacyPatterns::compile(&configured).map_err(|e| match e {
            PatternError::Configured(i, e) => invalid(
                "ungültiges Muster in [privacy] patterns: die Datenschutzprüfung kann so nicht laufen"
                    .into(),
                raw.privacy.patterns.get(i).map(|p| p.span()),
                "hier",
                Some(e.to_string()),
            ),
            PatternError::BuiltIn(e) => invalid(
                "ein eingebautes Muster der Datenschutzprüfung lässt sich nicht übersetzen".into(),
                None,
                "",
                Some(e.to_string()),
            ),
        })?;
        let forbidden_header_keys = raw
            .privacy
            .forbidden_headers
            .iter()
            .map(|h| word_key(h))
            .collect();
        let mut cuts = raw.cuts;
        cuts.sort_by_key(|c| c.valid_from);
        let area_keys = cuts
            .iter()
            .map(|cut| {
                let mut m = HashMap::new();
                // Municipalities first, so names and aliases win on a clash.
                for (via, pick) in [(Via::Municipality, 2), (Via::Alias, 1), (Via::Canonical, 0)] {
                    for a in &cut.sozialraeume {
                        let words: Vec<&String> = match pick {
                            0 => vec![&a.name],
                            1 => a.aliases.iter().collect(),
                            _ => a.municipalities.iter().collect(),
                        };
                        for w in words {
                            m.insert(match_key(w), (a.name.clone(), via));
                        }
                    }
                }
                m
            })
            .collect();
        let mut help_keys = HashMap::new();
        for (i, h) in raw.excluded_help_types.iter().enumerate() {
            for w in std::iter::once(&h.name).chain(h.aliases.iter()) {
                help_keys.insert(match_key(w), Err(i));
            }
        }
        for (i, h) in raw.help_types.iter().enumerate() {
            for w in std::iter::once(&h.name).chain(h.aliases.iter()) {
                help_keys.insert(match_key(w), Ok(i));
            }
        }
        let help_exact: HashMap<String, Result<usize, usize>> = raw
            .help_types
            .iter()
            .enumerate()
            .flat_map(|(i, h)| {
                std::iter::once(&h.name)
                    .chain(h.aliases.iter())
                    .map(move |w| (w.clone(), Ok(i)))
            })
            .collect();
        let area_exact: Vec<HashMap<String, (String, Via)>> = cuts
            .iter()
            .map(|cut| {
                cut.sozialraeume
                    .iter()
                    .flat_map(|a| {
                        std::iter::once((a.name.clone(), (a.name.clone(), Via::Canonical))).chain(
                            a.aliases
                                .iter()
                                .map(move |w| (w.clone(), (a.name.clone(), Via::Alias))),
                        )
                    })
                    .collect()
            })
            .collect();
        let county_keys = std::iter::once(&raw.county_wide.name)
            .chain(raw.county_wide.aliases.iter())
            .map(|w| match_key(w))
            .collect();
        Ok(Config {
            name: name.to_string(),
            district: raw.district,
            limits: raw.limits,
            privacy: raw.privacy,
            audit: raw.audit,
            deadlines: raw.deadlines,
            county_wide: raw.county_wide,
            cuts,
            help_types: raw.help_types,
            excluded_help_types: raw.excluded_help_types,
            providers: raw.providers,
            sheets,
            budget: raw.budget,
            privacy_patterns,
            forbidden_header_keys,
            area_keys,
            help_keys,
            help_exact,
            area_exact,
            county_keys,
        })
    }

    pub fn cover(&self) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.kind == SheetKind::Form && s.role(Role::ProviderId).is_some())
    }

    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name == name)
    }

    pub fn tables(&self) -> impl Iterator<Item = &Sheet> {
        self.sheets.iter().filter(|s| s.kind == SheetKind::Table)
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The Sozialraum cut valid in `year` (the newest with `valid_from <= year`).
    pub fn cut(&self, year: Option<i32>) -> Option<&Cut> {
        let y = year.unwrap_or(i32::MAX);
        self.cuts
            .iter()
            .rev()
            .find(|c| c.valid_from <= y)
            .or(self.cuts.first())
    }

    /// Recognises a Sozialraum as written; `None` when unknown.
    pub fn sozialraum(&self, year: Option<i32>, written: &str) -> Option<(&str, Via)> {
        let y = year.unwrap_or(i32::MAX);
        let idx = self
            .cuts
            .iter()
            .rposition(|c| c.valid_from <= y)
            .unwrap_or(0);
        if let Some((name, via)) = self.area_exact.get(idx).and_then(|m| m.get(written)) {
            return Some((name.as_str(), *via));
        }
        let k = match_key(written);
        if k.is_empty() {
            return None;
        }
        let (name, via) = self.area_keys.get(idx)?.get(&k)?;
        Some((name.as_str(), *via))
    }

    pub fn is_county_wide(&self, written: &str) -> bool {
        self.county_keys.contains(&match_key(written))
    }

    /// Recognises a help type as written, also with the law's name after it
    /// (`§ 31 SGB VIII`); `help_type_as_written` tells the two apart.
    pub fn help_type(&self, written: &str) -> Option<HelpMatch<'_>> {
        self.help_type_as_written(written).or_else(|| {
            crate::text::strip_law_name(written).and_then(|head| self.help_type_as_written(head))
        })
    }

    /// Recognises a help type written as its name or an alias.
    pub fn help_type_as_written(&self, written: &str) -> Option<HelpMatch<'_>> {
        let hit = match self.help_exact.get(written) {
            Some(h) => h,
            None => self.help_keys.get(&match_key(written))?,
        };
        match hit {
            Ok(i) => self.help_types.get(*i).map(HelpMatch::Allowed),
            Err(i) => self.excluded_help_types.get(*i).map(HelpMatch::Excluded),
        }
    }

    pub fn sozialraum_names(&self, year: Option<i32>) -> Vec<&str> {
        self.cut(year)
            .map(|c| c.sozialraeume.iter().map(|s| s.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// Whether a header asks for personal data (one of its words is a forbidden header).
    pub fn is_forbidden_header(&self, header: &str) -> bool {
        let whole = word_key(header);
        if self.forbidden_header_keys.contains(&whole) {
            return true;
        }
        header
            .split(|c: char| c.is_whitespace() || c == '/' || c == ',' || c == '(' || c == ')')
            .map(word_key)
            .any(|w| !w.is_empty() && self.forbidden_header_keys.contains(&w))
    }

    pub fn by_name(&self) -> HashMap<&str, &Sheet> {
        self.sheets.iter().map(|s| (s.name.as_str(), s)).collect()
    }
}

/// Where the value of `key` stands in a `[[sheet.rule]]` table: its span
/// covers the header; the keys follow it up to the next header.
fn value_span(
    text: &str,
    rule: std::ops::Range<usize>,
    key: &str,
) -> Option<std::ops::Range<usize>> {
    let body = text.get(rule.end..)?;
    let mut offset = rule.end;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key) {
            if let Some(value) = rest.trim_start().strip_prefix('=') {
                let value = value.trim();
                let start = offset + line.find(value)?;
                return Some(start..start + value.len());
            }
        }
        offset += line.len();
    }
    None
}

fn word_key(s: &str) -> String {
    match_key(s).trim_end_matches([':', '.']).to_string()
}
