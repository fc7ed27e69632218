//! `required_if`: `column` must be filled when the yes/no column `when` is ja
//! (a reason for a deviating responsibility).
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "required_if"
//! column = "reason"
//! when = "deviating"
//! ```

use std::sync::Arc;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;
use crate::finding::arg::Phrase;

crate::violation! {
/// Ein Feld ist Pflicht, weil ein anderes Feld der Zeile gesetzt ist (Begründung bei abweichender Zuständigkeit).
/// English: a field is required because another field of the row is set (reason for a deviating responsibility).
CrossRequired = "CROSS-REQUIRED", CrossField, Error { other: String, reading: Phrase }
    de: "„{column}“ ist leer, obwohl „{other}“ = {reading}.",
    en: "\"{column}\" is empty although \"{other}\" = {reading}.",
    hint_de: "Bitte kurz begründen (z. B. Umzug der Familie, bestehende Hilfebeziehung).",
    hint_en: "Give a short reason (e.g. the family moved, an existing relationship).";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "required_if",
    compile,
};

#[derive(Debug)]
struct RequiredIf {
    column: usize,
    when: usize,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(RequiredIf {
        column: spec.column("column")?,
        when: spec.column("when")?,
    }))
}

impl RowCheck for RequiredIf {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        if row.flag(self.when) != Some(true) || !row.is_empty(self.column) {
            return;
        }
        let Some(pos) = row.pos(self.column).or_else(|| row.pos(self.when)) else {
            return;
        };
        let m = CrossRequired {
            other: env.title(self.when),
            reading: Phrase::Ja,
        };
        out.push(at(m, env, pos, self.column).build());
    }
}
