//! `product`: `result` equals the product of `factors`, rounded to the cent,
//! within `tolerance` (default 0.01): Kosten = Fachleistungsstunden × Stundensatz.
//!
//! ```toml
//! [[sheet.rule]]
//! kind = "product"
//! result = "cost"
//! factors = ["hours", "rate"]
//! tolerance = "0.01"
//! ```

use std::sync::Arc;

use crate::config::row_rule::{RowCheck, RowEnv, RowRuleKind, RowValues, RuleProblem, RuleSpec};
use crate::finding::Finding;

use super::at;
use rust_decimal::Decimal;

use crate::finding::arg::{Factor, Factors, Money};

crate::violation! {
/// `Kosten` ist nicht `Fachleistungsstunden × Stundensatz` (auf den Cent gerundet, Toleranz 0,01 €).
/// English: `Kosten` is not hours × rate (rounded to the cent, tolerance 0.01 €).
CrossCost = "CROSS-COST", CrossField, Error { value: Money, factors: Factors, expected: Money, difference: Money }
    de: "Kosten {value} € ≠ {factors} = {expected} € (Differenz {difference} €).",
    en: "Cost {value} € ≠ {factors} = {expected} € (difference {difference} €).",
    hint_de: "Kosten = Fachleistungsstunden × Stundensatz, auf den Cent gerundet.",
    hint_en: "Cost = hours × rate, rounded to the cent.";
}

pub const KIND: RowRuleKind = RowRuleKind {
    kind: "product",
    compile,
};

#[derive(Debug)]
struct Product {
    result: usize,
    factors: Vec<usize>,
    tolerance: Decimal,
}

fn compile(spec: &mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem> {
    Ok(Arc::new(Product {
        result: spec.column("result")?,
        factors: spec.columns("factors")?,
        tolerance: spec.decimal_or("tolerance", Decimal::new(1, 2))?,
    }))
}

impl RowCheck for Product {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>) {
        let Some(actual) = row.dec(self.result) else {
            return;
        };
        let mut product = Decimal::ONE;
        for f in &self.factors {
            match row.dec(*f).and_then(|x| product.checked_mul(x)) {
                Some(p) => product = p,
                None => return,
            }
        }
        let expected = crate::show::cents(product);
        let diff = actual - expected;
        if diff.abs() <= self.tolerance {
            return;
        }
        let Some(pos) = row.pos(self.result) else {
            return;
        };
        let factors = self
            .factors
            .iter()
            .filter_map(|f| {
                let x = row.dec(*f)?;
                Some(if env.is_money(*f) {
                    Factor::Money(x)
                } else {
                    Factor::Num(x)
                })
            })
            .collect();
        let m = CrossCost {
            value: Money(actual),
            factors: Factors(factors),
            expected: Money(expected),
            difference: Money(diff),
        };
        out.push(
            at(m, env, pos, self.result)
                .value(crate::show::json_money(actual))
                .build(),
        );
    }

    fn template(&self) -> Option<crate::config::row_rule::TemplateHint> {
        Some(crate::config::row_rule::TemplateHint::Product {
            result: self.result,
            factors: self.factors.clone(),
        })
    }
}
