//! `sozialraum check FILE_OR_DIR…` – every problem of each submission, located
//! at its cell.
//!
//! Exit code 0: no errors (warnings allowed unless `--strict`); 1: at least one
//! error; 2: the job could not be done.

use std::io::IsTerminal;

use rayon::prelude::*;

use crate::cli::{CheckArgs, OutputFormat};
use crate::config::Config;
use crate::finding::FileReport;
use crate::i18n::Lang;
use crate::pipeline::Options;
use crate::read::isolate::{self, Isolation};
use crate::render::{json, terminal};

pub fn run(args: &CheckArgs, cfg: &Config, lang: Lang, config_path: Option<&std::path::Path>) -> miette::Result<i32> {
    let files = super::expand_inputs(&args.inputs).map_err(|e| miette::miette!("{e}"))?;
    if files.is_empty() {
        return Err(miette::miette!(
            help = "Unterstützt: .xlsx .xlsm .xlsb .xls .ods",
            "Keine Tabellendateien gefunden in: {}",
            args.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    let iso = Isolation { enabled: !args.no_isolate, config_path: config_path.map(|p| p.to_path_buf()) };
    let opts = Options { lang, keep_records: false };
    let reports: Vec<FileReport> = files
        .par_iter()
        .map(|p| {
            let shown = p.display().to_string();
            isolate::check_file(p, &shown, cfg, opts, &iso).report
        })
        .collect();
    match args.format {
        OutputFormat::Json => println!("{}", json::check_document(&reports)),
        OutputFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let style = terminal::Style { color, show_infos: args.all };
            let mut out = String::new();
            for r in &reports {
                terminal::render_file(&mut out, r, lang, &style);
            }
            let failing = reports.iter().filter(|r| r.fails(args.strict)).count();
            out.push_str(&match lang {
                Lang::De => format!("{} Datei(en) geprüft, {} nicht annehmbar.\n", reports.len(), failing),
                Lang::En => format!("{} file(s) checked, {} not acceptable.\n", reports.len(), failing),
            });
            print!("{out}");
        }
    }
    Ok(if reports.iter().any(|r| r.fails(args.strict)) { 1 } else { 0 })
}
