//! `sozialraum export --data DIR --year 2026 --quarter 3 OUT/` – the current
//! submissions of a period as the portal holds them, as files named
//! `T03_2026-Q3.xlsx` plus `manifest.json` (receipt, provider, period,
//! file, SHA-256, size, time, account), so that `sozialraum consolidate
//! OUT/` gives what the portal's district workbook gives.
//!
//! Runs beside the server: the database is opened read-only and never
//! migrated (a newer schema is refused). Each file is verified against its
//! SHA-256, written to a temporary name and renamed; no file is replaced
//! without `--force`. Exit code 0: written; 2: nothing written or the job
//! could not be finished.

use std::path::Path;

use serde::Serialize;

use crate::cli::ExportArgs;
use crate::i18n::{t, Lang};
use crate::portal::db::{Db, Submission};
use crate::portal::period::{self, Span};
use crate::portal::store::{self, Store};

/// The name of the manifest in the export folder.
pub const MANIFEST: &str = "manifest.json";

#[derive(Serialize)]
struct Manifest<'a> {
    year: i32,
    quarters: &'a [u8],
    files: Vec<ManifestFile<'a>>,
}

#[derive(Serialize)]
struct ManifestFile<'a> {
    receipt: &'a str,
    provider: &'a str,
    year: i32,
    quarter: u8,
    file: String,
    sha256: &'a str,
    size: i64,
    submitted_at: &'a str,
    account: &'a str,
}

pub fn run(args: &ExportArgs, lang: Lang) -> miette::Result<i32> {
    // The same flags, and the same reading of them, as `consolidate`.
    let quarters = match args.quarter {
        Some(q) => vec![q],
        None => super::period::parse_quarters(args.quarters.as_deref(), lang)?
            .unwrap_or_else(|| vec![1, 2, 3, 4]),
    };
    let span = Span {
        year: args.year,
        quarters,
    };
    let subs = current(&args.data, &span, lang)?;
    if subs.is_empty() {
        return Err(miette::miette!(
            "{} {}; {}",
            t(
                lang,
                "Keine aktuelle Meldung im Portal für",
                "No current submission in the portal for"
            ),
            span.label(),
            t(lang, "nichts geschrieben", "nothing written")
        ));
    }
    let others = prepare_out(&args.out, args.force, lang)?;
    let store = Store::existing(&args.data);
    let mut files = Vec::new();
    for s in &subs {
        let name = period::export_name(s);
        let bytes = store.get(&s.sha256).map_err(|e| {
            miette::miette!(
                help = t(
                    lang,
                    "Den Ordner files/ aus der Sicherung zurücklegen; die Datenbank nennt die Datei mit dieser SHA-256.",
                    "Restore the files/ folder from the backup; the database names the file by this SHA-256."
                ),
                "{} {} ({}): {}",
                t(lang, "Gespeicherte Datei der Meldung", "Stored file of submission"),
                s.receipt,
                s.sha256,
                crate::i18n::io_error(lang, &e)
            )
        })?;
        let out = args.out.join(&name);
        write(&out, &bytes, args.force, lang)?;
        verify(&out, &s.sha256, lang)?;
        files.push(ManifestFile {
            receipt: &s.receipt,
            provider: &s.provider,
            year: s.year,
            quarter: s.quarter,
            file: name,
            sha256: &s.sha256,
            size: s.size,
            submitted_at: &s.submitted_at,
            account: &s.account,
        });
    }
    let manifest = Manifest {
        year: span.year,
        quarters: &span.quarters,
        files,
    };
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    write(&args.out.join(MANIFEST), text.as_bytes(), args.force, lang)?;
    print!("{}", summary(&manifest, &args.out, &span, others, lang));
    Ok(0)
}

/// The current submissions of `span` from the portal's database in `data`.
fn current(data: &Path, span: &Span, lang: Lang) -> miette::Result<Vec<Submission>> {
    let db_path = super::portal_db(data, lang)?;
    let conn =
        Db::open_existing(data, true).map_err(|e| miette::miette!("{}: {e}", db_path.display()))?;
    period::current_in(&conn, span).map_err(|e| miette::miette!("{}: {e}", db_path.display()))
}

/// Creates `out` (readable by its owner only: the files are social data)
/// or accepts it empty; with `--force` a folder with files too. Returns
/// how many other entries it already held.
fn prepare_out(out: &Path, force: bool, lang: Lang) -> miette::Result<usize> {
    let io = |e: std::io::Error| {
        miette::miette!("{}: {}", out.display(), crate::i18n::io_error(lang, &e))
    };
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(miette::miette!(
            help = t(
                lang,
                "Einen Ordner angeben, z. B. export-2026-Q3/",
                "Name a folder, e.g. export-2026-Q3/"
            ),
            "{}: {}",
            out.display(),
            t(
                lang,
                "ist eine Datei, kein Ordner",
                "is a file, not a folder"
            )
        )),
        Ok(_) => {
            let n = std::fs::read_dir(out).map_err(io)?.count();
            if n > 0 && !force {
                return Err(miette::miette!(
                    help = t(
                        lang,
                        "Einen neuen oder leeren Ordner angeben, oder --force, um gleichnamige Dateien zu ersetzen.",
                        "Name a new or empty folder, or give --force to replace files of the same name."
                    ),
                    "{}: {}",
                    out.display(),
                    t(lang, "der Ordner ist nicht leer", "the folder is not empty")
                ));
            }
            Ok(n)
        }
        Err(_) => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(out).map_err(io)?;
            Ok(0)
        }
    }
}

/// Writes to a temporary name beside `out`, syncs and renames (replacing
/// only with `force`).
fn write(out: &Path, bytes: &[u8], force: bool, lang: Lang) -> miette::Result<()> {
    crate::xlsx::write_atomic(out, bytes, force).map_err(|e| e.report(lang))
}

/// The written file read back against the digest the database names.
fn verify(out: &Path, sha: &str, lang: Lang) -> miette::Result<()> {
    let bytes = std::fs::read(out)
        .map_err(|e| miette::miette!("{}: {}", out.display(), crate::i18n::io_error(lang, &e)))?;
    if store::sha256_hex(&bytes) != sha {
        return Err(miette::miette!(
            "{}: {}",
            out.display(),
            t(
                lang,
                "die geschriebene Datei weicht von der gespeicherten ab (SHA-256)",
                "the written file differs from the stored one (SHA-256)"
            )
        ));
    }
    Ok(())
}

fn summary(m: &Manifest, out: &Path, span: &Span, others: usize, lang: Lang) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}: {} {} {}",
        t(lang, "Exportiert nach", "Exported to"),
        out.display(),
        m.files.len(),
        t(lang, "Meldungen für", "submissions for"),
        span.label()
    );
    for f in &m.files {
        let _ = writeln!(
            s,
            "  {}  {}  {}",
            out.join(&f.file).display(),
            f.receipt,
            f.sha256
        );
    }
    let _ = writeln!(s, "  {}", out.join(MANIFEST).display());
    if others > 0 {
        let _ = writeln!(
            s,
            "{}",
            t(
                lang,
                "Hinweis: Der Ordner enthielt schon weitere Dateien; `consolidate` liest auch sie (mit --year/--quarter nur die des Zeitraums).",
                "Note: the folder already held other files; `consolidate` reads them too (with --year/--quarter only those of the period)."
            )
        );
    }
    let period = match span.quarters.as_slice() {
        [q] => format!("--quarter {q}"),
        qs => format!(
            "--quarters {}-{}",
            qs.first().copied().unwrap_or(1),
            qs.last().copied().unwrap_or(4)
        ),
    };
    let _ = writeln!(
        s,
        "{} sozialraum consolidate {} --year {} {period} -o Kreis_{}.xlsx",
        t(lang, "Weiter:", "Next:"),
        shell_path(out),
        span.year,
        span.label()
    );
    s
}

/// A path as one shell word (quoted when it has anything but plain characters).
fn shell_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
