//! `sozialraum backup --data DIR OUT.db` – a consistent copy of the portal's
//! database while the server runs (SQLite's online backup, a few pages at a
//! time so that the server keeps writing), checked with `PRAGMA
//! integrity_check` and counted.
//!
//! The submitted files are not in the database: they lie content-addressed
//! under `DIR/files` and are only ever added, so copying that folder beside
//! the backup (rsync, robocopy) is consistent too. The copy holds social
//! data (§ 67 SGB X): it must be encrypted by the district's own means.
//! Exit code 0: written and intact; 2: nothing written.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::Connection;

use crate::cli::BackupArgs;
use crate::i18n::{t, Lang};
use crate::portal::db::{self, Db};
use crate::portal::store::FILES_DIR;

/// Pages copied per step, and the pause between steps in which the server
/// may write (a write restarts the copy of what changed, never blocks it).
const PAGES_PER_STEP: i32 = 256;
const PAUSE: Duration = Duration::from_millis(5);

/// What the backup holds.
struct Counts {
    submissions: i64,
    accounts: i64,
    files: usize,
    missing: usize,
}

pub fn run(args: &BackupArgs, lang: Lang) -> miette::Result<i32> {
    let live = super::portal_db(&args.data, lang)?;
    if crate::xlsx::same_file(&args.out, &live) {
        return Err(miette::miette!(
            "{}: {}",
            args.out.display(),
            t(
                lang,
                "die Sicherung wäre die Datenbank selbst",
                "the backup would be the database itself"
            )
        ));
    }
    if !args.force && args.out.symlink_metadata().is_ok() {
        return Err(crate::xlsx::WriteError::Exists {
            path: args.out.display().to_string(),
        }
        .report(lang));
    }
    let src = Db::open_existing(&args.data, true)
        .map_err(|e| miette::miette!("{}: {e}", live.display()))?;
    let tmp = crate::xlsx::temp_path(&args.out, std::process::id());
    crate::interrupt::register_temp(&tmp);
    let result = copy(&src, &tmp, &args.data)
        .map_err(|e| miette::miette!("{}: {e}", args.out.display()))
        .and_then(|counts| {
            crate::xlsx::place(&tmp, &args.out, args.force).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    crate::xlsx::WriteError::Exists {
                        path: args.out.display().to_string(),
                    }
                    .report(lang)
                } else {
                    miette::miette!(
                        "{}: {}",
                        args.out.display(),
                        crate::i18n::io_error(lang, &e)
                    )
                }
            })?;
            Ok(counts)
        });
    crate::interrupt::unregister_temp(&tmp);
    let _ = std::fs::remove_file(&tmp);
    let counts = result?;
    print!("{}", summary(args, &counts, lang));
    Ok(0)
}

/// The online backup of `src` into a new file `tmp`, made one self-contained
/// file (no WAL beside it), checked and counted, synced to disk.
fn copy(src: &Connection, tmp: &Path, data: &Path) -> Result<Counts, String> {
    // Readable by the owner only, before the first byte: it is social data.
    let _ = std::fs::remove_file(tmp);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(tmp).map_err(|e| e.to_string())?;
    let mut dst = Connection::open(tmp).map_err(|e| e.to_string())?;
    {
        let backup = Backup::new(src, &mut dst).map_err(|e| e.to_string())?;
        backup
            .run_to_completion(PAGES_PER_STEP, PAUSE, None)
            .map_err(|e| e.to_string())?;
    }
    dst.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| e.to_string())?;
    let check: String = dst
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("integrity_check: {check}"));
    }
    let count = |table: &str| -> Result<i64, String> {
        dst.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| e.to_string())
    };
    let referenced = db::referenced_files(&dst).map_err(|e| e.to_string())?;
    let files = data.join(FILES_DIR);
    let missing = referenced
        .iter()
        .filter(|sha| sha.len() > 2 && !files.join(&sha[..2]).join(sha.as_str()).is_file())
        .count();
    let counts = Counts {
        submissions: count("submissions")?,
        accounts: count("accounts")?,
        files: referenced.len(),
        missing,
    };
    drop(dst);
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| e.to_string())?;
    Ok(counts)
}

fn summary(args: &BackupArgs, c: &Counts, lang: Lang) -> String {
    use std::fmt::Write;
    let files = args.data.join(FILES_DIR);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} ({})",
        t(lang, "Sicherung geschrieben:", "Backup written:"),
        args.out.display(),
        t(lang, "Integritätsprüfung: ok", "integrity check: ok")
    );
    let _ = writeln!(
        s,
        "  {} {}, {} {}, {} {} {}",
        c.submissions,
        t(lang, "Meldungen", "submissions"),
        c.accounts,
        t(lang, "Konten", "accounts"),
        c.files,
        t(lang, "gespeicherte Dateien in", "stored files in"),
        files.display()
    );
    if c.missing > 0 {
        let _ = writeln!(
            s,
            "  {} {}",
            c.missing,
            t(
                lang,
                "davon fehlen im Ordner files/ (vor dem Kopieren klären)!",
                "of them are missing from the files/ folder (resolve before copying)!"
            )
        );
    }
    let _ = writeln!(
        s,
        "{}\n  rsync -a {}/ {}/",
        t(
            lang,
            "Die eingereichten Dateien liegen nicht in der Datenbank. Den Ordner files/ daneben kopieren (es kommen nur neue Dateien hinzu), z. B.:",
            "The submitted files are not in the database. Copy the files/ folder beside it (files are only ever added), e.g.:"
        ),
        files.display(),
        args.out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(FILES_DIR)
            .display()
    );
    let _ = writeln!(
        s,
        "{}",
        t(
            lang,
            "Die Sicherung enthält Sozialdaten (§ 67 SGB X): nur verschlüsselt aufbewahren oder weitergeben.\nWiederherstellen: Server beenden, die Sicherung als sozialraum.db und den Ordner files/ in den Datenordner legen, Server starten.",
            "The backup holds social data (§ 67 SGB X): keep or pass it on encrypted only.\nRestoring: stop the server, put the backup as sozialraum.db and the files/ folder into the data folder, start the server."
        )
    );
    s
}
