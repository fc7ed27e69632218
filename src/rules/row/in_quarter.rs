//! `in_quarter`: a case reported for a quarter ran in it: `begin` on or
//! before the quarter's last day, `end` on or after its first.
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "in_quarter"
//! begin = "begin"
//! end = "end"
//! ```

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;

crate::violation! {
/// Ein Datum liegt außerhalb des Berichtsquartals (Beginn nach dem Quartalsende, Ende vor dem Quartalsbeginn).
/// English: a date lies outside the reporting quarter (begin after its end, end before its start).
RangeQuarter = "RANGE-QUARTER", Range, Error { quarter: String, expected: String }
    de: "„{column}“ = {value} liegt außerhalb des Berichtsquartals {quarter}: erwartet {expected}.",
    en: "\"{column}\" = {value} lies outside the reporting quarter {quarter}: expected {expected}.",
    hint_de: "Ein Fall gehört nur in die Meldung der Quartale, in denen er lief.",
    hint_en: "A case belongs only in the reports of the quarters in which it ran.";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "in_quarter",
    compile,
};

#[derive(Debug)]
struct InQuarter {
    begin: usize,
    end: usize,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(InQuarter {
        begin: spec.column("begin")?,
        end: spec.column("end")?,
    }))
}

impl RowCheck for InQuarter {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        let Some((start, last)) = env.quarter else {
            return;
        };
        let outside = |col: usize, date: NaiveDate, expected: String| {
            let m = RangeQuarter {
                quarter: env
                    .period
                    .map(|(y, q)| crate::show::quarter(y, q))
                    .unwrap_or_default(),
                expected,
            };
            row.pos(col)
                .map(|pos| at(m, env, pos, col).value(crate::show::date(date)).build())
        };
        if let Some(b) = row.date(self.begin).filter(|b| *b > last) {
            out.extend(outside(
                self.begin,
                b,
                format!("≤ {}", crate::show::date(last)),
            ));
        }
        if let Some(e) = row.date(self.end).filter(|e| *e < start) {
            out.extend(outside(
                self.end,
                e,
                format!("≥ {}", crate::show::date(start)),
            ));
        }
    }

    fn template(&self) -> Option<crate::config::row_rule::TemplateHint> {
        Some(crate::config::row_rule::TemplateHint::DatesInQuarter {
            begin: self.begin,
            end: self.end,
        })
    }
}
