//! `max_duration`: `end` at most `years` (default 5) after `begin`. A longer
//! case is unusual for ambulatory help, often a typo in the year: a warning
//! to look at.
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "max_duration"
//! begin = "begin"
//! end = "end"
//! years = 5
//! ```

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;

crate::violation! {
/// Ein Fall dauert länger als die konfigurierte Höchstdauer (Regel `max_duration`, Standard 5 Jahre):
/// `Ende` liegt mehr als so viele Jahre nach `Beginn`. Für ambulante Hilfen ungewöhnlich, oft ein Tippfehler im Jahr.
/// English: a case lasts longer than the configured maximum (rule `max_duration`, default 5 years):
/// `Ende` lies more than that many years after `Beginn`; unusual for ambulatory help, often a typo in the year.
RangeDuration = "RANGE-DURATION", Range, Warning { other: String, expected: NaiveDate, years: u32 }
    de: "„{column}“ = {value} liegt mehr als {years} Jahre nach „{other}“ ({expected}).",
    en: "\"{column}\" = {value} lies more than {years} years after \"{other}\" ({expected}).",
    hint_de: "Bitte das Jahr prüfen; eine so lange Hilfe bitte in der Bemerkung begründen.",
    hint_en: "Please check the year; explain such a long help in the remark.";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "max_duration",
    compile,
};

#[derive(Debug)]
struct MaxDuration {
    begin: usize,
    end: usize,
    years: u32,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(MaxDuration {
        begin: spec.column("begin")?,
        end: spec.column("end")?,
        years: spec.u32_or("years", 5)?,
    }))
}

impl RowCheck for MaxDuration {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        let (Some(b), Some(e), Some(pos)) =
            (row.date(self.begin), row.date(self.end), row.pos(self.end))
        else {
            return;
        };
        let limit = b.checked_add_months(chrono::Months::new(self.years.saturating_mul(12)));
        if limit.is_some_and(|l| e > l) {
            let m = RangeDuration {
                other: env.title(self.begin),
                expected: b,
                years: self.years,
            };
            out.push(
                at(m, env, pos, self.end)
                    .value(crate::show::date(e))
                    .build(),
            );
        }
    }
}
