//! `assignment`: the row's `sozialraum` is one of the provider's, unless the
//! yes/no column `flag` (Abweichende Zuständigkeit) is ja.
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "assignment"
//! sozialraum = "sozialraum"
//! flag = "deviating"
//! ```

use std::sync::Arc;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;

crate::violation! {
/// Ein Fall liegt außerhalb der Sozialräume des Trägers, ohne dass `Abweichende Zuständigkeit` = ja gesetzt ist.
/// English: a case lies outside the provider's Sozialräume without `Abweichende Zuständigkeit` = ja.
AssignmentOutside = "ASSIGNMENT-OUTSIDE", Assignment, Warning { provider: String, expected: Vec<String> }
    de: "Der Sozialraum „{value}“ ist dem Träger {provider} nicht zugeordnet ({expected}), und „Abweichende Zuständigkeit“ ist nicht „ja“.",
    en: "The Sozialraum \"{value}\" is not assigned to provider {provider} ({expected}), and \"Abweichende Zuständigkeit\" is not \"ja\".",
    hint_de: "Bei Umzug der Familie: „Abweichende Zuständigkeit“ = ja und eine Begründung eintragen.",
    hint_en: "If the family moved: set \"Abweichende Zuständigkeit\" = ja and give a reason.";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "assignment",
    compile,
};

#[derive(Debug)]
struct Assignment {
    sozialraum: usize,
    flag: usize,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(Assignment {
        sozialraum: spec.column("sozialraum")?,
        flag: spec.column("flag")?,
    }))
}

impl RowCheck for Assignment {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        let (Some(provider), Some(area)) = (env.provider, row.text(self.sozialraum)) else {
            return;
        };
        if provider.sozialraeume.iter().any(|s| s.get_ref() == area)
            || row.flag(self.flag) == Some(true)
        {
            return;
        }
        let Some(pos) = row.pos(self.sozialraum) else {
            return;
        };
        let m = AssignmentOutside {
            provider: provider.id.clone(),
            expected: provider
                .sozialraeume
                .iter()
                .map(|s| s.get_ref().clone())
                .collect(),
        };
        out.push(
            at(m, env, pos, self.sozialraum)
                .value(area.to_string())
                .build(),
        );
    }

    fn out_of_area_flag(&self) -> Option<usize> {
        Some(self.flag)
    }
}
