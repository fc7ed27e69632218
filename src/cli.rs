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
    /// Startet das Meldeportal (Seiten und JSON-API) / run the reporting portal
    Serve(ServeArgs),
    /// Konten des Meldeportals verwalten / manage the portal's accounts
    Users(UsersArgs),
    /// Die aktuellen Meldungen eines Zeitraums aus dem Portal als Dateien mit manifest.json / export a period's submissions
    Export(ExportArgs),
    /// Sicherung der Portal-Datenbank im laufenden Betrieb / online backup of the portal's database
    Backup(BackupArgs),
    #[command(name = "__check-file", hide = true)]
    CheckFile(CheckFileArgs),
    #[command(name = "__read-file", hide = true)]
    ReadFile(ReadFileArgs),
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

/// The options `consolidate` and `audit` share: both check many files and
/// write one workbook. Flattened right after `--output`, so `--force` is
/// listed next to it; the others are listed after each command's own options
/// and before `--help` (display order 999, clap's own).
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Vorhandene Ausgabedateien ersetzen (Eingaben nie) / replace existing output files (never inputs)
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value = "human", display_order = 990)]
    pub format: OutputFormat,
    /// Kein Fortschrittsbalken
    #[arg(long, short = 'q', display_order = 991)]
    pub quiet: bool,
    /// Anzahl paralleler Prüfungen (Standard: alle Kerne)
    #[arg(long, short = 'j', display_order = 992)]
    pub jobs: Option<usize>,
    #[arg(long, hide = true, display_order = 993)]
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
    #[command(flatten)]
    pub common: CommonArgs,
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
    #[command(flatten)]
    pub common: CommonArgs,
    /// Das Berichtsjahr (Standard: das einzige Jahr der Daten)
    #[arg(long)]
    pub year: Option<i32>,
    /// Quartale als Bereich, z. B. 1-3 (Standard: die gemeldeten)
    #[arg(long, value_name = "VON-BIS")]
    pub quarters: Option<String>,
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

/// Where the portal keeps its state (`serve`, `users`).
pub const DEFAULT_DATA_DIR: &str = "sozialraum-daten";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Adresse und Port (hinter dem Reverse-Proxy des Kreises) / address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Datenordner: Datenbank und eingereichte Dateien / data folder
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// Vorführung: temporärer Datenordner, Demo-Konten (werden angezeigt), die Beispiele schon eingereicht
    #[arg(long)]
    pub demo: bool,
    /// Größte angenommene Datei in MiB (darüber: 413) / upload size limit
    #[arg(long, value_name = "MIB", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_upload_mib: u64,
    /// Gleichzeitige Prüfungen (Standard: Anzahl der Kerne) / concurrent checks
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub checks: Option<u64>,
    /// Wartende Prüfungen; darüber 503 mit Retry-After / checks waiting for a turn
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub queue: usize,
    /// Sperrzeit in Sekunden nach zu vielen fehlgeschlagenen Anmeldungen
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub lock_seconds: u64,
    /// Hinter dem Reverse-Proxy: die Client-Adresse (für die Anmeldesperre) aus X-Forwarded-For
    #[arg(long)]
    pub behind_proxy: bool,
    #[arg(long, hide = true)]
    pub no_isolate: bool,
    /// Tests only: read the current time (RFC 3339) from this file on every request
    #[arg(long, hide = true, value_name = "FILE")]
    pub clock_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub action: UsersAction,
    /// Datenordner des Portals / the portal's data folder
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR, global = true)]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Zielordner (neu oder leer) / output folder (new or empty)
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Datenordner des Portals / the portal's data folder
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// Berichtsjahr
    #[arg(long, value_parser = clap::value_parser!(i32).range(2005..=2100))]
    pub year: i32,
    /// Nur dieses Quartal (1–4)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4), conflicts_with = "quarters")]
    pub quarter: Option<u8>,
    /// Quartale als Bereich, z. B. 1-3 (ohne --quarter/--quarters: das ganze Jahr)
    #[arg(long, value_name = "VON-BIS")]
    pub quarters: Option<String>,
    /// In einen nicht leeren Ordner schreiben, gleichnamige Dateien ersetzen / write into a non-empty folder, replacing files of the same name
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Die Sicherung (eine neue SQLite-Datei) / the backup file
    #[arg(value_name = "OUT.db")]
    pub out: PathBuf,
    /// Datenordner des Portals / the portal's data folder
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// Eine vorhandene Datei ersetzen / replace an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Legt ein Konto an; das Anfangspasswort steht allein in der letzten Zeile
    Add(UserAddArgs),
    /// Listet die Konten
    List,
    /// Sperrt ein Konto (seine Sitzungen und Tokens enden)
    Disable(UserLoginArg),
    /// Gibt ein gesperrtes Konto wieder frei
    Enable(UserLoginArg),
    /// Erzeugt ein neues Passwort (letzte Zeile); Sitzungen und Tokens enden
    Reset(UserLoginArg),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Kennung, z. B. t03 oder amt
    pub login: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Träger-Nr. (nur und immer für --role provider), z. B. T03
    #[arg(long, value_name = "TRÄGER")]
    pub provider: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserLoginArg {
    /// Kennung
    pub login: String,
}

/// The portal's roles (`domain/portal.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Ein Träger: prüft und reicht für seine Nummer ein
    Provider,
    /// Die Wirtschaftliche Jugendhilfe: sieht alle Meldungen
    Office,
    /// Jugendhilfeplanung/Controlling: sieht Befunde und Zahlen
    Controlling,
}

#[derive(Debug, Args)]
pub struct CheckFileArgs {
    /// The file to check; with `--stdin`, its bytes come on stdin instead.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub path: Option<PathBuf>,
    #[arg(long)]
    pub stdin: bool,
    #[arg(long)]
    pub shown: String,
    #[arg(long)]
    pub records: bool,
    #[arg(long)]
    pub annotate_out: Option<PathBuf>,
    /// The annotated copy goes back on stdout, framed ahead of the outcome.
    #[arg(long, conflicts_with = "annotate_out")]
    pub annotate_stdout: bool,
    #[arg(long)]
    pub check_date: Option<chrono::NaiveDate>,
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub only_submissions: bool,
}

/// The audit's other untrusted inputs, read in the guarded child.
#[derive(Debug, Args)]
pub struct ReadFileArgs {
    /// The file to read; with `--stdin` (budget plans only), its bytes come on stdin.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub path: Option<PathBuf>,
    #[arg(long)]
    pub stdin: bool,
    #[arg(long, value_enum)]
    pub kind: ReadKind,
    #[arg(long)]
    pub shown: String,
}

/// What `__read-file` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadKind {
    /// A budget plan (`audit --budget`).
    Budget,
    /// A district workbook written by `consolidate`, as an input of `audit`.
    District,
}

impl ReadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::Budget => "budget",
            ReadKind::District => "district",
        }
    }
}

/// The command line in the user's language: clap writes English; for German
/// the help headings, the usage line and the built-in flags are ours.
pub fn command(lang: Lang) -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    match lang {
        Lang::En => cmd,
        Lang::De => german(cmd, true),
    }
}

fn german(cmd: clap::Command, top: bool) -> clap::Command {
    let mut cmd = cmd
        .disable_help_subcommand(true)
        .mut_subcommands(|sub| german(sub, false));
    let mut template = String::from("{before-help}{about-with-newline}\n");
    template.push_str("Aufruf: {usage}\n");
    if cmd.get_positionals().next().is_some() {
        template.push_str("\nArgumente:\n{positionals}\n");
    }
    if cmd.has_subcommands() {
        template.push_str("\nBefehle:\n{subcommands}\n");
    }
    template.push_str("\nOptionen:\n{options}{after-help}");
    cmd = cmd.help_template(template);
    // Defaults and choices in German words.
    cmd = cmd.mut_args(|a| {
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().to_string())
            .collect();
        let choices: Vec<String> = if a.get_action().takes_values() {
            a.get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect()
        } else {
            Vec::new()
        };
        if defaults.is_empty() && choices.is_empty() {
            return a;
        }
        let mut help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        if !defaults.is_empty() {
            help.push_str(&format!(" [Standard: {}]", defaults.join(", ")));
        }
        if !choices.is_empty() {
            help.push_str(&format!(" [möglich: {}]", choices.join(", ")));
        }
        a.help(help.trim().to_string())
            .hide_default_value(true)
            .hide_possible_values(true)
    });
    // clap adds its English flags when it builds; ours say the same in German,
    // last in the list as clap's own (display order 999).
    cmd = cmd.disable_help_flag(true).arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help("Hilfe anzeigen")
            .display_order(999),
    );
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help("Version anzeigen")
                .display_order(999),
        );
    }
    cmd
}

/// Sets the German usage line on every command (after clap has built them,
/// so that each knows its full name).
pub fn german_usage(cmd: &mut clap::Command) {
    cmd.build();
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", "[OPTIONEN]")
        .replace("<COMMAND>", "<BEFEHL>");
    let mut owned = std::mem::replace(cmd, clap::Command::new("placeholder"));
    owned = owned.override_usage(usage);
    owned = owned.mut_subcommands(|mut sub| {
        german_usage(&mut sub);
        sub
    });
    *cmd = owned;
}

/// A command-line error in German (clap's own text for English).
pub fn error_text(e: &clap::Error, lang: Lang) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if lang == Lang::En {
        return e.render().to_string();
    }
    let get = |k: ContextKind| -> String {
        match e.get(k) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join(", "),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::StyledStrs(v)) => v
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Some(ContextValue::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let arg = get(ContextKind::InvalidArg);
    let value = get(ContextKind::InvalidValue);
    let mut text = match e.kind() {
        ErrorKind::InvalidValue => {
            let mut s = if value.is_empty() {
                format!("Für „{arg}“ fehlt der Wert")
            } else {
                format!("Ungültiger Wert „{value}“ für „{arg}“")
            };
            let valid = get(ContextKind::ValidValue);
            if !valid.is_empty() {
                s.push_str(&format!("\n  Möglich: {valid}"));
            }
            s
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            let why = range_in_german(&why).unwrap_or(why);
            format!("Ungültiger Wert „{value}“ für „{arg}“: {why}")
        }
        ErrorKind::UnknownArgument => format!("Unbekannte Angabe „{arg}“"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "Unbekannter Befehl „{}“",
                get(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => format!("Es fehlt: {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "Es fehlt der Befehl (check, consolidate, audit, template, explain, serve, users)"
                .to_string()
        }
        ErrorKind::ArgumentConflict => format!(
            "„{arg}“ kann nicht zusammen mit „{}“ angegeben werden",
            get(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues => format!("Zu viele Werte für „{arg}“: „{value}“"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("Falsche Anzahl von Werten für „{arg}“")
        }
        ErrorKind::NoEquals => format!("„{arg}“ braucht ein Gleichheitszeichen (={value})"),
        _ => e.kind().to_string(),
    };
    for kind in [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ] {
        // The hidden child command is nobody's suggestion.
        let s = get(kind)
            .split(", ")
            .filter(|s| !s.starts_with("__"))
            .collect::<Vec<_>>()
            .join("“ oder „");
        if !s.is_empty() {
            text.push_str(&format!("\n  Tipp: Meinten Sie „{s}“?"));
        }
    }
    let usage = get(ContextKind::Usage);
    let usage = usage.trim_start_matches("Usage:").trim();
    let mut out = format!("Fehler: {text}\n");
    if !usage.is_empty() {
        out.push_str(&format!("\nAufruf: {usage}\n"));
    }
    out.push_str("\nMehr dazu mit --help.\n");
    out
}

/// clap's range message (`2001 is not in 2005..=2100`) in German.
fn range_in_german(why: &str) -> Option<String> {
    let (_, range) = why.split_once(" is not in ")?;
    let (lo, hi) = range.split_once("..=")?;
    Some(format!("erlaubt sind {lo} bis {hi}"))
}

/// `--lang en` (or `--lang=en`) anywhere on the command line, before clap reads it.
pub fn lang_of_args(args: &[std::ffi::OsString]) -> Lang {
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => it.next().map(|v| v.to_string()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(v) = value {
            if v.eq_ignore_ascii_case("en") {
                return Lang::En;
            }
            if v.eq_ignore_ascii_case("de") {
                return Lang::De;
            }
        }
    }
    Lang::De
}
