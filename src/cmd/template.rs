//! `sozialraum template --provider T03 --year 2026 --quarter 3 -o OUT.xlsx` –
//! an empty submission workbook for one provider's quarter, from the
//! configuration: cover pre-filled, dropdowns for Sozialraum and Hilfeart,
//! input rules for dates and amounts, the `Summen` formulas in place.
//!
//! An existing file is never overwritten without `--force`: it may be a
//! provider's filled-in workbook.

use std::path::PathBuf;

use crate::cli::TemplateArgs;
use crate::config::Config;
use crate::i18n::{t, Lang};
use crate::template::{self, Request};
use crate::xlsx;

pub fn run(args: &TemplateArgs, cfg: &Config, lang: Lang) -> miette::Result<i32> {
    let Some(provider) = cfg.provider(&args.provider) else {
        let known: Vec<&str> = cfg.providers.iter().map(|p| p.id.as_str()).collect();
        return Err(miette::miette!(
            help = format!(
                "{}: {}",
                t(lang, "Bekannte Träger", "Known providers"),
                known.join(", ")
            ),
            "{} „{}“",
            t(lang, "Unbekannte Träger-Nr.", "Unknown provider number"),
            args.provider
        ));
    };
    let out = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}_{}-Q{}.xlsx",
            provider.id, args.year, args.quarter
        ))
    });
    // An existing file may be a provider's filled-in submission.
    xlsx::guard_output(&out, &[], args.force).map_err(|e| e.report(lang))?;
    let req = Request {
        provider,
        year: args.year,
        quarter: args.quarter,
    };
    let mut wb = template::build(cfg, &req)
        .map_err(|e| miette::miette!("{e}"))?
        .ok_or_else(|| miette::miette!("Q{} {}", args.quarter, args.year))?;
    xlsx::save_atomic(&mut wb, &out, args.force).map_err(|e| e.report(lang))?;
    println!(
        "{}: {} {} ({}), {}/Q{}",
        out.display(),
        t(lang, "Vorlage für", "template for"),
        provider.id,
        provider.name,
        args.year,
        args.quarter
    );
    Ok(0)
}
