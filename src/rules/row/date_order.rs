//! `date_order`: the date in `later` lies on or after the one in `earlier`
//! (Ende not before Beginn).
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "date_order"
//! earlier = "begin"
//! later = "end"
//! ```

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;

crate::violation! {
/// `Ende` liegt vor `Beginn`.
/// English: `Ende` (end) lies before `Beginn` (begin).
CrossDateOrder = "CROSS-DATE-ORDER", CrossField, Error { other: String, expected: NaiveDate }
    de: "„{column}“ ({value}) liegt vor „{other}“ ({expected}).",
    en: "\"{column}\" ({value}) lies before \"{other}\" ({expected}).",
    hint_de: "",
    hint_en: "";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "date_order",
    compile,
};

#[derive(Debug)]
struct DateOrder {
    earlier: usize,
    later: usize,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(DateOrder {
        earlier: spec.column("earlier")?,
        later: spec.column("later")?,
    }))
}

impl RowCheck for DateOrder {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        let (Some(a), Some(b), Some(pos)) = (
            row.date(self.earlier),
            row.date(self.later),
            row.pos(self.later),
        ) else {
            return;
        };
        if b < a {
            let m = CrossDateOrder {
                other: env.title(self.earlier),
                expected: a,
            };
            out.push(
                at(m, env, pos, self.later)
                    .value(crate::show::date(b))
                    .build(),
            );
        }
    }
}
