//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "sozialraum",
    version,
    about = "Prüft, konsolidiert und kommentiert die Quartalsmeldungen im Sozialraumbudget (Landkreis Verden)",
    long_about = None
)]
pub struct Cli {
    /// Sprache der Meldungen / language of messages
    #[arg(long, global = true, value_enum, default_value = "de")]
    pub lang: Lang,
    /// Konfiguration statt der eingebetteten für Verden / configuration file instead of the embedded Verden one
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prüft Quartalsmeldungen (Dateien oder Ordner) / check submissions
    Check(CheckArgs),
    /// Führt die Meldungen eines Quartals zu einer Kreis-Arbeitsmappe zusammen / consolidate
    Consolidate(ConsolidateArgs),
    /// Vergleicht Ausgaben mit dem Budgetplan (Controlling-Arbeitsmappe mit Diagrammen) / audit against the budget
    Audit(AuditArgs),
    /// Leere Meldungs-Arbeitsmappe für einen Träger und ein Quartal / empty submission workbook
    Template(TemplateArgs),
    /// Erklärt einen Befund-Code / explain a finding code
    Explain(ExplainArgs),
    #[command(name = "__check-file", hide = true)]
    CheckFile(CheckFileArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Arbeitsmappen oder Ordner (.xlsx .xlsm .xlsb .xls .ods)
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Warnungen zählen als Fehler (Exit-Code 1) / warnings fail
    #[arg(long)]
    pub strict: bool,
    /// Auch Hinweise (info) anzeigen / also show infos
    #[arg(long)]
    pub all: bool,
    /// Kommentierte Kopie der (einen) Arbeitsmappe schreiben / write an annotated copy
    #[arg(long, value_name = "OUT.xlsx", conflicts_with = "annotate_dir")]
    pub annotate: Option<PathBuf>,
    /// Je Eingabe eine kommentierte Kopie `<Name>_geprüft.xlsx` in diesen Ordner
    #[arg(long, value_name = "DIR")]
    pub annotate_dir: Option<PathBuf>,
    /// Vorhandene Ausgabedateien ersetzen (Eingaben nie) / replace existing output files (never inputs)
    #[arg(long)]
    pub force: bool,
    /// Read files in this process instead of a guarded child process (for debugging)
    #[arg(long, hide = true)]
    pub no_isolate: bool,
}

#[derive(Debug, Args)]
pub struct ConsolidateArgs {
    /// Arbeitsmappen oder Ordner (rekursiv)
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub inputs: Vec<PathBuf>,
    /// Ausgabe: die Kreis-Arbeitsmappe (.xlsx)
    #[arg(short = 'o', long = "output", value_name = "OUT.xlsx")]
    pub output: Option<PathBuf>,
    /// Vorhandene Ausgabedateien ersetzen (Eingaben nie) / replace existing output files (never inputs)
    #[arg(long)]
    pub force: bool,
    /// Nur dieses Berichtsjahr
    #[arg(long)]
    pub year: Option<i32>,
    /// Nur dieses Quartal (1–4)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4), conflicts_with = "quarters")]
    pub quarter: Option<u8>,
    /// Quartale als Bereich, z. B. 1-3 (das Jahr bis heute)
    #[arg(long, value_name = "VON-BIS")]
    pub quarters: Option<String>,
    /// Nichts schreiben, wenn eine Datei Fehler hat (Exit-Code 1)
    #[arg(long)]
    pub strict: bool,
    /// Bei doppelter Meldung die neueste (Erstellt am) nehmen
    #[arg(long)]
    pub prefer_newest: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Kein Fortschrittsbalken
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Anzahl paralleler Prüfungen (Standard: alle Kerne)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    #[arg(long, hide = true)]
    pub no_isolate: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Meldungen (Dateien oder Ordner) oder Kreis-Arbeitsmappen von `consolidate`
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Der Budgetplan (Blatt Budgetplan: Jahr, Sozialraum, Kategorie, Budget)
    #[arg(long, required = true, value_name = "FILE")]
    pub budget: PathBuf,
    /// Ausgabe: die Controlling-Arbeitsmappe (.xlsx)
    #[arg(short = 'o', long = "output", value_name = "OUT.xlsx")]
    pub output: Option<PathBuf>,
    /// Vorhandene Ausgabedateien ersetzen (Eingaben nie) / replace existing output files (never inputs)
    #[arg(long)]
    pub force: bool,
    /// Das Berichtsjahr (Standard: das einzige Jahr der Daten)
    #[arg(long)]
    pub year: Option<i32>,
    /// Quartale als Bereich, z. B. 1-3 (Standard: die gemeldeten)
    #[arg(long, value_name = "VON-BIS")]
    pub quarters: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// Kein Fortschrittsbalken
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Anzahl paralleler Prüfungen (Standard: alle Kerne)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    #[arg(long, hide = true)]
    pub no_isolate: bool,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Träger-Nr. wie T03
    #[arg(long, value_name = "TRÄGER")]
    pub provider: String,
    /// Berichtsjahr
    #[arg(long, value_parser = clap::value_parser!(i32).range(2005..=2100))]
    pub year: i32,
    /// Quartal (1–4)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub quarter: u8,
    /// Ausgabe (Standard: T03_2026-Q3.xlsx im aktuellen Ordner)
    #[arg(short = 'o', long = "output", value_name = "OUT.xlsx")]
    pub output: Option<PathBuf>,
    /// Eine vorhandene Datei ersetzen
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Code wie ENUM-UNKNOWN; ohne Code: alle
    pub code: Option<String>,
    /// Die Code-Tabelle als Markdown (für die README)
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Args)]
pub struct CheckFileArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub shown: String,
    #[arg(long)]
    pub records: bool,
    #[arg(long)]
    pub annotate_out: Option<PathBuf>,
    #[arg(long)]
    pub check_date: Option<chrono::NaiveDate>,
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub only_submissions: bool,
}
