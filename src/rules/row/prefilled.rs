//! `prefilled`: the `columns` an entry template fills in ahead (the contracted
//! rate, a default). A row that holds nothing else but zeros and formulas
//! without a result is a prepared row of the template, not a case (see
//! `rules::table`); nothing to check in one row.
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "prefilled"
//! columns = ["rate", "help_type", "deviating"]
//! ```

use std::sync::Arc;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "prefilled",
    compile,
};

#[derive(Debug)]
struct Prefilled {
    columns: Vec<usize>,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(Prefilled {
        columns: spec.columns("columns")?,
    }))
}

impl RowCheck for Prefilled {
    fn check(&self, _row: &dyn RowValues, _env: &RowEnv, _out: &mut Vec<Finding>) {}

    fn prefilled(&self) -> &[usize] {
        &self.columns
    }
}
