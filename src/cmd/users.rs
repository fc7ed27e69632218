//! `sozialraum users add|list|disable|enable|reset` – the portal's accounts,
//! managed on the server's command line only (no self-registration).
//!
//! `add` and `reset` print the generated password once, alone on the last
//! line of standard output, so that a script can take it with `tail -n 1`.

use std::path::Path;

use crate::cli::{RoleArg, UserAddArgs, UsersAction, UsersArgs};
use crate::config::Config;
use crate::i18n::{t, Lang};
use crate::portal::auth;
use crate::portal::db::{self, Db, Role};

pub fn run(args: &UsersArgs, cfg: &Config, lang: Lang) -> miette::Result<i32> {
    let creating = matches!(args.action, UsersAction::Add(_));
    let db = open(&args.data, creating, lang)?;
    match &args.action {
        UsersAction::Add(a) => add(&db, a, cfg, lang),
        UsersAction::List => list(&db, lang),
        UsersAction::Disable(a) => set_disabled(&db, &a.login, true, lang),
        UsersAction::Enable(a) => set_disabled(&db, &a.login, false, lang),
        UsersAction::Reset(a) => reset(&db, &a.login, lang),
    }
}

fn open(data: &Path, create: bool, lang: Lang) -> miette::Result<Db> {
    if !create && !data.join(db::DB_FILE).exists() {
        return Err(miette::miette!(
            help = t(
                lang,
                "Das erste Konto legt `sozialraum users add … --data ORDNER` an.",
                "`sozialraum users add … --data FOLDER` creates the first account."
            ),
            "{} {}",
            t(
                lang,
                "Kein Datenordner des Portals:",
                "No portal data folder:"
            ),
            data.display()
        ));
    }
    if create {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(data).map_err(|e| {
            miette::miette!("{}: {}", data.display(), crate::i18n::io_error(lang, &e))
        })?;
    }
    Db::open(data).map_err(|e| miette::miette!("{}: {e}", data.join(db::DB_FILE).display()))
}

fn sql(e: rusqlite::Error) -> miette::Report {
    miette::miette!("{e}")
}

fn valid_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
}

fn add(db: &Db, a: &UserAddArgs, cfg: &Config, lang: Lang) -> miette::Result<i32> {
    if !valid_login(&a.login) {
        return Err(miette::miette!(
            help = t(
                lang,
                "Erlaubt sind Buchstaben, Ziffern und . _ - @ (höchstens 64 Zeichen).",
                "Letters, digits and . _ - @ are allowed (at most 64 characters)."
            ),
            "{} „{}“",
            t(lang, "Ungültige Kennung", "Invalid login"),
            a.login
        ));
    }
    let role = match a.role {
        RoleArg::Provider => Role::Provider,
        RoleArg::Office => Role::Office,
        RoleArg::Controlling => Role::Controlling,
    };
    let provider = match (role, &a.provider) {
        (Role::Provider, Some(p)) => match cfg.provider(p) {
            Some(p) => Some(p.id.clone()),
            None => {
                let known: Vec<&str> = cfg.providers.iter().map(|p| p.id.as_str()).collect();
                return Err(miette::miette!(
                    help = format!(
                        "{}: {}",
                        t(lang, "Bekannte Träger", "Known providers"),
                        known.join(", ")
                    ),
                    "{} „{p}“",
                    t(lang, "Unbekannte Träger-Nr.", "Unknown provider number")
                ));
            }
        },
        (Role::Provider, None) => {
            return Err(miette::miette!(
                help = "sozialraum users add t03 --role provider --provider T03",
                "{}",
                t(
                    lang,
                    "Ein Träger-Konto braucht --provider (die Träger-Nr.)",
                    "A provider account needs --provider (the provider number)"
                )
            ))
        }
        (_, Some(_)) => {
            return Err(miette::miette!(
                "{}",
                t(
                    lang,
                    "--provider gilt nur für --role provider",
                    "--provider applies to --role provider only"
                )
            ))
        }
        (_, None) => None,
    };
    let conn = db.conn();
    if db::account_by_login(&conn, &a.login)
        .map_err(sql)?
        .is_some()
    {
        return Err(miette::miette!(
            help = format!(
                "{} sozialraum users reset {}",
                t(lang, "Ein neues Passwort:", "A new password:"),
                a.login
            ),
            "{} „{}“ {}",
            t(lang, "Das Konto", "The account"),
            a.login,
            t(lang, "gibt es schon", "exists already")
        ));
    }
    let password = auth::generate_password();
    let hash = auth::hash_password(&password).map_err(|e| miette::miette!("{e}"))?;
    db::insert_account(&conn, &a.login, role, provider.as_deref(), &hash).map_err(sql)?;
    let _ = db::audit(&conn, None, "users add", Some(&a.login), role.as_str());
    let whom = match &provider {
        Some(p) => format!("{} {p}", t(lang, "Träger", "provider")),
        None => role_word(lang, role).to_string(),
    };
    println!(
        "{} {} {} ({whom}).",
        t(lang, "Konto", "Account"),
        a.login,
        t(lang, "angelegt", "created")
    );
    println!(
        "{}",
        t(
            lang,
            "Anfangspasswort (wird nur jetzt angezeigt):",
            "Initial password (shown only now):"
        )
    );
    println!("{password}");
    Ok(0)
}

fn role_word(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Provider => t(lang, "Träger", "provider"),
        Role::Office => t(lang, "Amt", "office"),
        Role::Controlling => "Controlling",
    }
}

fn list(db: &Db, lang: Lang) -> miette::Result<i32> {
    let accounts = db::accounts(&db.conn()).map_err(sql)?;
    if accounts.is_empty() {
        println!("{}", t(lang, "Noch keine Konten.", "No accounts yet."));
        return Ok(0);
    }
    let header = [
        t(lang, "Kennung", "login"),
        t(lang, "Rolle", "role"),
        t(lang, "Träger", "provider"),
        t(lang, "Status", "status"),
        t(lang, "angelegt", "created"),
    ];
    let rows: Vec<[String; 5]> = accounts
        .iter()
        .map(|a| {
            [
                a.login.clone(),
                a.role.as_str().to_string(),
                a.provider.clone().unwrap_or_else(|| "–".into()),
                if a.disabled {
                    t(lang, "gesperrt", "disabled")
                } else {
                    t(lang, "aktiv", "active")
                }
                .to_string(),
                a.created.chars().take(10).collect(),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    println!("{}", line(header.to_vec()));
    for r in &rows {
        println!("{}", line(r.iter().map(String::as_str).collect()));
    }
    Ok(0)
}

fn unknown(login: &str, lang: Lang) -> miette::Report {
    miette::miette!(
        help = "sozialraum users list",
        "{} „{login}“",
        t(lang, "Kein Konto", "No account")
    )
}

fn set_disabled(db: &Db, login: &str, disabled: bool, lang: Lang) -> miette::Result<i32> {
    let conn = db.conn();
    if !db::set_disabled(&conn, login, disabled).map_err(sql)? {
        return Err(unknown(login, lang));
    }
    let action = if disabled {
        "users disable"
    } else {
        "users enable"
    };
    let _ = db::audit(&conn, None, action, Some(login), "ok");
    println!(
        "{} {login} {}",
        t(lang, "Konto", "Account"),
        if disabled {
            t(
                lang,
                "gesperrt; seine Sitzungen sind beendet.",
                "disabled; its sessions have ended.",
            )
        } else {
            t(lang, "wieder freigegeben.", "enabled again.")
        }
    );
    Ok(0)
}

fn reset(db: &Db, login: &str, lang: Lang) -> miette::Result<i32> {
    let password = auth::generate_password();
    let hash = auth::hash_password(&password).map_err(|e| miette::miette!("{e}"))?;
    let conn = db.conn();
    if !db::set_password(&conn, login, &hash).map_err(sql)? {
        return Err(unknown(login, lang));
    }
    let _ = db::audit(&conn, None, "users reset", Some(login), "ok");
    println!(
        "{} {login} {}",
        t(lang, "Neues Passwort für", "New password for"),
        t(
            lang,
            "(wird nur jetzt angezeigt; alte Sitzungen sind beendet):",
            "(shown only now; earlier sessions have ended):"
        )
    );
    println!("{password}");
    Ok(0)
}
