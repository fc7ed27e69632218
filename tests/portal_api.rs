//! The portal over plain HTTP: every route of the JSON API and of the pages,
//! every refusal and status code, the rights of `domain/portal.md` (another
//! provider's submission is a 404 on every route), the security headers, and
//! what survives a kill. The server is the real binary on 127.0.0.1.

mod common;
mod portal_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use portal_support::*;
use serde_json::Value;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(samples().join(name)).expect("sample")
}

fn acceptance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/acceptance")
}

fn submit(
    server: &Server,
    who: &Account,
    name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Reply {
    http().post_multipart(
        &server.url("/api/v1/submissions"),
        fields,
        Some((name, bytes)),
        &[who.bearer()],
    )
}

fn users(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .arg("users")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("users")
}

fn is_password(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            g.len() == 4
                && g.chars()
                    .all(|c| c.is_ascii_lowercase() || ('2'..='9').contains(&c))
        })
}

#[test]
fn users_add_prints_the_initial_password_alone_on_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("daten");
    let missing = users(&data, &["list"]);
    assert_eq!(missing.status.code(), Some(2), "list without a data folder");

    let out = users(
        &data,
        &["add", "t03", "--role", "provider", "--provider", "T03"],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert!(is_password(last), "last line {last:?}");
    assert!(!stdout.lines().rev().skip(1).any(|l| l.contains(last)));

    for (args, says) in [
        (
            vec!["add", "t03", "--role", "provider", "--provider", "T03"],
            "gibt es schon",
        ),
        (
            vec!["add", "x", "--role", "provider", "--provider", "T99"],
            "Unbekannte Träger-Nr.",
        ),
        (vec!["add", "y", "--role", "provider"], "--provider"),
        (
            vec!["add", "amt", "--role", "office", "--provider", "T03"],
            "nur für --role provider",
        ),
        (vec!["add", "a b", "--role", "office"], "Ungültige Kennung"),
        (vec!["disable", "niemand"], "Kein Konto"),
        (vec!["reset", "niemand"], "Kein Konto"),
    ] {
        let out = users(&data, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(users(&data, &["add", "amt", "--role", "office"])
        .status
        .success());
    let list = String::from_utf8(users(&data, &["list"]).stdout).unwrap();
    assert!(list.contains("t03") && list.contains("T03") && list.contains("amt"));
    assert!(list.contains("office") && list.contains("aktiv"));
    let reset = users(&data, &["reset", "t03"]);
    assert!(reset.status.success());
    let new = String::from_utf8(reset.stdout).unwrap();
    assert!(is_password(new.lines().last().unwrap()));
}

#[test]
fn disabling_ends_the_tokens_and_a_reset_password_replaces_the_old() {
    let server = Server::start(&[]);
    let t03 = server.provider("T03");
    let list = |token: &str| {
        http()
            .get(
                &server.url("/api/v1/submissions"),
                &[("Authorization".into(), format!("Bearer {token}"))],
            )
            .status
    };
    assert_eq!(list(&t03.token), 200);
    assert!(users(&server.data, &["disable", "t03"]).status.success());
    assert_eq!(list(&t03.token), 401);
    let token = |password: &str| {
        http()
            .post_json(
                &server.url("/api/v1/token"),
                &serde_json::json!({"login": "t03", "password": password}),
                &[],
            )
            .status
    };
    assert_eq!(token(&t03.password), 401);
    assert!(users(&server.data, &["enable", "t03"]).status.success());
    assert_eq!(token(&t03.password), 200);
    let reset = users(&server.data, &["reset", "t03"]);
    let new = String::from_utf8(reset.stdout).unwrap();
    let new = new.lines().last().unwrap();
    assert_eq!(token(&t03.password), 401);
    assert_eq!(token(new), 200);
}

#[test]
fn ten_wrong_passwords_lock_the_login_and_the_right_one_works_after_the_wait() {
    let server = Server::start(&["--lock-seconds", "2"]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let try_login = |password: &str| {
        http().post_json(
            &server.url("/api/v1/token"),
            &serde_json::json!({"login": "t03", "password": password}),
            &[],
        )
    };
    let mut statuses = vec![];
    for _ in 0..10 {
        statuses.push(try_login("falsch").status);
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert_eq!(statuses[5..], [429; 5]);
    let locked = try_login(&password);
    assert_eq!(locked.status, 429, "the right password waits too");
    assert!(!locked.header("retry-after").is_empty());
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert_eq!(try_login(&password).status, 200);
    let bad = http().post(
        &server.url("/api/v1/token"),
        "application/json",
        b"{login",
        &[],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].is_string());
}

#[test]
fn the_check_route_answers_the_check_document_of_the_cli_and_stores_nothing() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let files = [
        samples().join("fehlerhaft/T04_2026-Q3.xlsx"),
        acceptance().join("T03_2026-Q4.xls"),
        acceptance().join("T05_2026-Q4.ods"),
    ];
    for (path, lang) in files.iter().zip(["de", "en", "de"]) {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let r = http().post_multipart(
            &server.url(&format!("/api/v1/check?lang={lang}")),
            &[],
            Some((name, &bytes)),
            &[t01.bearer()],
        );
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(r.header("content-type"), "application/json");
        let api = r.json();
        let cli = cli_check(path, lang);
        assert_eq!(findings_of(&api), findings_of(&cli), "{name}");
        for key in ["sha256", "provider", "year", "quarter", "summary"] {
            assert_eq!(api["files"][0][key], cli["files"][0][key], "{name} {key}");
        }
        assert_eq!(api["files"][0]["path"], name);
    }
    let list = http().get(&server.url("/api/v1/submissions"), &[t01.bearer()]);
    assert_eq!(list.json()["submissions"], serde_json::json!([]));
    let stored: Vec<_> = walk(&server.data.join("files"))
        .into_iter()
        .filter(|p| !p.starts_with(server.data.join("files/tmp")))
        .collect();
    assert!(
        stored.is_empty(),
        "checked uploads are not stored: {stored:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The "must show": each provider of the acceptance set submitting
/// its file through the API gets a receipt when it is clean and a 422 with
/// the findings of `check --format json` when it is flawed; another
/// provider's token gets 404 for every one of those submissions and files.
#[test]
fn acceptance_files_get_a_receipt_when_clean_and_their_findings_when_flawed() {
    let server = Server::start(&[]);
    let other = server.provider("T06");
    let mut receipted = vec![];
    for entry in std::fs::read_dir(acceptance()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with('T') {
            continue;
        }
        let provider = &name[..3];
        let account = server.provider(provider);
        let cli = cli_check(&path, "de");
        let errors = cli["files"][0]["summary"]["errors"].as_u64().unwrap();
        let r = submit(
            &server,
            &account,
            &name,
            &std::fs::read(&path).unwrap(),
            &[("acknowledge_warnings", "true")],
        );
        if errors == 0 {
            assert_eq!(r.status, 201, "{name}: {}", r.text());
            let v = r.json();
            assert_eq!(v["receipt"], format!("VER-2026-Q4-{provider}-01"));
            assert_eq!(v["sha256"], cli["files"][0]["sha256"]);
            assert_eq!(v["status"], "submitted");
            assert_eq!(findings_of(&v), findings_of(&cli), "{name}");
            receipted.push(v["id"].as_str().unwrap().to_string());
        } else {
            assert_eq!(r.status, 422, "{name}: {}", r.text());
            let v = r.json();
            assert_eq!(v["reason"], "errors");
            assert_eq!(findings_of(&v), findings_of(&cli), "{name}");
            assert_eq!(v["summary"], cli["files"][0]["summary"]);
        }
    }
    assert_eq!(receipted.len(), 2, "T01 and T03 are clean");
    for id in &receipted {
        for route in ["", "/file", "/annotated"] {
            let r = http().get(
                &server.url(&format!("/api/v1/submissions/{id}{route}")),
                &[other.bearer()],
            );
            assert_eq!(r.status, 404, "{route}");
        }
        let r = http().delete(
            &server.url(&format!("/api/v1/submissions/{id}")),
            &[other.bearer()],
        );
        assert_eq!(r.status, 404);
    }
}

#[test]
fn a_submission_is_stored_replaced_and_withdrawn() {
    let server = Server::start(&[]);
    let t03 = server.provider("T03");
    let bytes = sample("T03_2026-Q3.xlsx");
    let first = submit(&server, &t03, "T03_2026-Q3.xlsx", &bytes, &[]);
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["receipt"], "VER-2026-Q3-T03-01");
    assert_eq!(first["provider"], "T03");
    assert_eq!(
        (first["year"].as_i64(), first["quarter"].as_i64()),
        (Some(2026), Some(3))
    );
    assert_eq!(first["summary"]["errors"], 0);
    let id = first["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "128 random bits");

    let file = http().get(
        &server.url(&format!("/api/v1/submissions/{id}/file")),
        &[t03.bearer()],
    );
    assert_eq!(file.status, 200);
    assert_eq!(file.body, bytes);
    assert_eq!(file.header("cache-control"), "no-store");
    assert!(file
        .header("content-disposition")
        .contains("T03_2026-Q3.xlsx"));
    let annotated = http().get(
        &server.url(&format!("/api/v1/submissions/{id}/annotated")),
        &[t03.bearer()],
    );
    assert_eq!(annotated.status, 200);
    assert!(annotated.body.starts_with(b"PK"));
    assert!(annotated.header("content-disposition").contains("_gepr"));

    let second = submit(&server, &t03, "T03_2026-Q3.xlsx", &bytes, &[]).json();
    assert_eq!(second["receipt"], "VER-2026-Q3-T03-02");
    let shown = http()
        .get(
            &server.url(&format!("/api/v1/submissions/{id}")),
            &[t03.bearer()],
        )
        .json();
    assert_eq!(shown["status"], "replaced");
    assert!(shown["findings"].is_array());
    let list = http()
        .get(&server.url("/api/v1/submissions"), &[t03.bearer()])
        .json();
    assert_eq!(list["submissions"].as_array().unwrap().len(), 2);

    let withdraw = |id: &str| {
        http().delete(
            &server.url(&format!("/api/v1/submissions/{id}")),
            &[t03.bearer()],
        )
    };
    assert_eq!(withdraw(&id).status, 409, "a replaced one is not current");
    let second_id = second["id"].as_str().unwrap();
    let done = withdraw(second_id);
    assert_eq!(done.status, 200);
    assert_eq!(done.json()["status"], "withdrawn");
    assert_eq!(withdraw(second_id).status, 409);

    let conn = rusqlite::Connection::open(server.data.join("sozialraum.db")).unwrap();
    let mut st = conn
        .prepare("SELECT account, action, object FROM audit WHERE action NOT IN ('login', 'check') ORDER BY id")
        .unwrap();
    let trail: Vec<(Option<String>, String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let actions: Vec<&str> = trail.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(
        actions,
        [
            "users add",
            "submit",
            "download",
            "download_annotated",
            "replace",
            "submit",
            "withdraw",
            "withdraw",
            "withdraw"
        ]
    );
    assert!(trail[1..].iter().all(|t| t.0.as_deref() == Some("t03")));
    assert_eq!(trail[1].2.as_deref(), Some(id.as_str()));
}

#[test]
fn refusals_name_their_reason() {
    let server = Server::start(&["--max-upload-mib", "1"]);
    let t03 = server.provider("T03");
    let t04 = server.provider("T04");
    let office = server.account("amt", "office");

    let flawed = std::fs::read(samples().join("fehlerhaft/T04_2026-Q3.xlsx")).unwrap();
    let r = submit(
        &server,
        &t04,
        "T04_2026-Q3.xlsx",
        &flawed,
        &[("acknowledge_warnings", "true")],
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reason"], "privacy");

    let errors = std::fs::read(acceptance().join("T04_2026-Q4.xlsx")).unwrap();
    let r = submit(&server, &t04, "T04_2026-Q4.xlsx", &errors, &[]);
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (422, "errors".into())
    );

    let r = submit(
        &server,
        &t03,
        "T01_2026-Q3.xlsx",
        &sample("T01_2026-Q3.xlsx"),
        &[],
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reason"], "other_provider");
    assert!(r.json()["error"].as_str().unwrap().contains("T01"));

    // A clean file whose provider name differs from the master data: a warning.
    let mut warned = common::Submission::valid("T03", 2026, 2);
    warned.set("Deckblatt", "B4", "Geestland Jugendhilfe");
    let warned = warned.to_bytes();
    let r = submit(&server, &t03, "T03_2026-Q2.xlsx", &warned, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    assert_eq!(v["reason"], "warnings_not_acknowledged");
    assert_eq!(v["summary"]["errors"], 0);
    assert!(v["summary"]["warnings"].as_u64().unwrap() > 0);
    let r = submit(
        &server,
        &t03,
        "T03_2026-Q2.xlsx",
        &warned,
        &[("acknowledge_warnings", "true")],
    );
    assert_eq!(r.status, 201, "{}", r.text());

    let r = submit(
        &server,
        &office,
        "T03_2026-Q3.xlsx",
        &sample("T03_2026-Q3.xlsx"),
        &[],
    );
    assert_eq!(r.status, 403);

    let big = vec![b'x'; (1 << 20) + 10];
    for route in ["/api/v1/check", "/api/v1/submissions"] {
        let r = http().post_multipart(
            &server.url(route),
            &[],
            Some(("gross.xlsx", &big)),
            &[t03.bearer()],
        );
        assert_eq!(r.status, 413, "{route}");
        let r = http().post_multipart(&server.url(route), &[("x", "y")], None, &[t03.bearer()]);
        assert_eq!(r.status, 400, "{route} without a file");
        let r = http().post(&server.url(route), "text/plain", b"hallo", &[t03.bearer()]);
        assert_eq!(r.status, 400, "{route} not multipart");
    }
    let r = http().get(&server.url("/api/v1/gibtsnicht"), &[t03.bearer()]);
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].is_string());
}

#[test]
fn rights_follow_the_role_and_another_provider_sees_nothing() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let t02 = server.provider("T02");
    let office = server.account("amt", "office");
    let controlling = server.account("controlling", "controlling");
    let id = submit(
        &server,
        &t01,
        "T01_2026-Q3.xlsx",
        &sample("T01_2026-Q3.xlsx"),
        &[],
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let get = |who: &Account, route: &str| {
        http()
            .get(
                &server.url(&format!("/api/v1/submissions/{id}{route}")),
                &[who.bearer()],
            )
            .status
    };
    for route in ["", "/file", "/annotated"] {
        assert_eq!(get(&t02, route), 404, "t02 {route}");
        assert_eq!(get(&office, route), 200, "office {route}");
        assert_eq!(get(&t01, route), 200, "t01 {route}");
    }
    assert_eq!(get(&controlling, ""), 200);
    assert_eq!(get(&controlling, "/file"), 403);
    assert_eq!(get(&controlling, "/annotated"), 403);
    let delete = |who: &Account| {
        http()
            .delete(
                &server.url(&format!("/api/v1/submissions/{id}")),
                &[who.bearer()],
            )
            .status
    };
    assert_eq!(delete(&t02), 404);
    assert_eq!(delete(&office), 403);
    assert_eq!(delete(&controlling), 403);
    let list = |who: &Account| {
        http()
            .get(&server.url("/api/v1/submissions"), &[who.bearer()])
            .json()["submissions"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (list(&t01), list(&t02), list(&office), list(&controlling)),
        (1, 0, 1, 1)
    );
    // A guessed id is as unknown as another's.
    let guessed = "0".repeat(32);
    let r = http().get(
        &server.url(&format!("/api/v1/submissions/{guessed}")),
        &[t01.bearer()],
    );
    assert_eq!(r.status, 404);

    // Without a token, or with a wrong one, every route is 401.
    let wrong = [("Authorization".to_string(), "Bearer 00".to_string())];
    let cookie_only = [("Cookie".to_string(), format!("sr_session={}", t01.token))];
    for headers in [&[][..], &wrong[..], &cookie_only[..]] {
        for route in [
            "",
            &format!("/{id}"),
            &format!("/{id}/file"),
            &format!("/{id}/annotated"),
        ] {
            let r = http().get(&server.url(&format!("/api/v1/submissions{route}")), headers);
            assert_eq!(r.status, 401, "GET {route}");
            assert_eq!(r.header("www-authenticate"), "Bearer");
        }
        let r = http().delete(&server.url(&format!("/api/v1/submissions/{id}")), headers);
        assert_eq!(r.status, 401);
        for route in ["/api/v1/check", "/api/v1/submissions"] {
            let r =
                http().post_multipart(&server.url(route), &[], Some(("a.xlsx", b"PK")), headers);
            assert_eq!(r.status, 401, "POST {route}");
        }
    }
}

fn page(server: &Server, s: &WebSession, path: &str) -> Reply {
    http().get(&server.url(path), &s.headers())
}

#[test]
fn the_login_form_needs_its_token_and_sets_a_strict_cookie() {
    let server = Server::start(&[]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let r = http().get(&server.url("/pruefen"), &[]);
    assert_eq!((r.status, r.header("location")), (303, "/anmelden"));
    let form = http().get(&server.url("/anmelden"), &[]);
    assert_eq!(form.status, 200);
    let token = hidden(&form.text(), "csrf").unwrap();
    // Posted from elsewhere: no pre-login cookie.
    let r = http().post_form(
        &server.url("/anmelden"),
        &[("login", "t03"), ("password", &password), ("csrf", &token)],
        &[],
    );
    assert_eq!(r.status, 403);
    assert!(r
        .header("set-cookie")
        .lines()
        .all(|c| !c.starts_with("sr_session=")));

    let mut s = WebSession {
        cookies: Default::default(),
        csrf: String::new(),
    };
    s.keep(&form);
    let wrong = http().post_form(
        &server.url("/anmelden"),
        &[("login", "t03"), ("password", "falsch"), ("csrf", &token)],
        &s.headers(),
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("Kennung oder Passwort stimmen nicht"));
    let unknown = http().post_form(
        &server.url("/anmelden"),
        &[
            ("login", "niemand"),
            ("password", "falsch"),
            ("csrf", &token),
        ],
        &s.headers(),
    );
    assert_eq!(unknown.status, 401);
    assert!(unknown
        .text()
        .contains("Kennung oder Passwort stimmen nicht"));

    let mut headers = s.headers();
    headers.push(("X-Forwarded-Proto".into(), "https".into()));
    let ok = http().post_form(
        &server.url("/anmelden"),
        &[("login", "t03"), ("password", &password), ("csrf", &token)],
        &headers,
    );
    assert_eq!((ok.status, ok.header("location")), (303, "/pruefen"));
    let session = ok
        .header("set-cookie")
        .lines()
        .find(|c| c.starts_with("sr_session="))
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(flag), "{flag} in {session}");
    }
    let plain = WebSession::login(&server, "t03", &password);
    let cookie = plain.cookies.get("sr_session").unwrap();
    assert!(!cookie.is_empty());
    // Logging out needs the token, and ends the session.
    let r = http().post_form(&server.url("/abmelden"), &[("csrf", "x")], &plain.headers());
    assert_eq!(r.status, 403);
    let r = http().post_form(
        &server.url("/abmelden"),
        &[("csrf", &plain.csrf)],
        &plain.headers(),
    );
    assert_eq!(r.status, 303);
    assert_eq!(page(&server, &plain, "/pruefen").status, 303);
}

#[test]
fn every_page_has_the_security_headers_and_no_store() {
    let server = Server::start(&[]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let s = WebSession::login(&server, "t03", &password);
    for path in [
        "/anmelden",
        "/pruefen",
        "/einreichen",
        "/meldungen",
        "/gibtsnicht",
        "/static/portal.css",
    ] {
        let r = page(&server, &s, path);
        assert!(r.status == 200 || r.status == 404, "{path}: {}", r.status);
        assert_eq!(
            r.header("content-security-policy"),
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.header("referrer-policy"), "no-referrer");
        assert_eq!(r.header("x-frame-options"), "DENY");
        if !path.starts_with("/static/") {
            assert_eq!(r.header("cache-control"), "no-store", "{path}");
            let html = r.text();
            assert_eq!(
                html.matches("<script").count(),
                html.matches("<script src=\"/static/portal.js\" defer></script>")
                    .count(),
                "{path}: no inline script, only our own file"
            );
            assert!(
                !html.contains("http://") && !html.contains("https://"),
                "{path}: no external resource"
            );
        }
    }
}

#[test]
fn pages_check_submit_and_keep_other_providers_out() {
    let server = Server::start(&[]);
    let p03 = server.add_user("t03", "provider", Some("T03"));
    let p04 = server.add_user("t04", "provider", Some("T04"));
    let s03 = WebSession::login(&server, "t03", &p03);
    let s04 = WebSession::login(&server, "t04", &p04);

    // Prüfen: a form without the token is refused.
    let flawed = std::fs::read(samples().join("fehlerhaft/T04_2026-Q3.xlsx")).unwrap();
    let r = http().post_multipart(
        &server.url("/pruefen"),
        &[],
        Some(("T04_2026-Q3.xlsx", &flawed)),
        &s03.headers(),
    );
    assert_eq!(r.status, 403);
    let r = http().post_multipart(
        &server.url("/pruefen"),
        &[("csrf", &s03.csrf)],
        Some(("T04_2026-Q3.xlsx", &flawed)),
        &s03.headers(),
    );
    assert_eq!(r.status, 200);
    let html = r.text();
    assert_eq!(
        html.matches("<tr class=\"sev-error\">").count(),
        7,
        "seven errors"
    );
    assert!(html.contains("Fallarbeit") && html.contains("B4"));
    assert!(html.contains("Das Deckblatt nennt Träger T04"));
    assert_eq!(r.header("cache-control"), "no-store");
    let held = html
        .split("/pruefen/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap();
    let copy = page(&server, &s03, &format!("/pruefen/{held}/kommentiert"));
    assert_eq!(copy.status, 200);
    assert!(copy.body.starts_with(b"PK"));
    assert_eq!(
        page(&server, &s04, &format!("/pruefen/{held}/kommentiert")).status,
        404
    );

    // Einreichen from the check result: one click.
    let clean = sample("T03_2026-Q3.xlsx");
    let r = http().post_multipart(
        &server.url("/pruefen"),
        &[("csrf", &s03.csrf)],
        Some(("T03_2026-Q3.xlsx", &clean)),
        &s03.headers(),
    );
    let token = hidden(&r.text(), "held").expect("submit button for a clean file");
    let other = http().post_multipart(
        &server.url("/einreichen"),
        &[("csrf", &s04.csrf), ("held", &token)],
        None,
        &s04.headers(),
    );
    assert_eq!(
        other.status, 404,
        "another account cannot submit a held upload"
    );
    let r = http().post_multipart(
        &server.url("/einreichen"),
        &[("csrf", &s03.csrf), ("held", &token)],
        None,
        &s03.headers(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let receipt_path = r.header("location").to_string();
    let id = receipt_path
        .trim_start_matches("/meldungen/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let receipt = page(&server, &s03, &receipt_path);
    assert_eq!(receipt.status, 200);
    let html = receipt.text();
    assert!(html.contains("VER-2026-Q3-T03-01"));
    assert!(html.contains(&common_sha(&clean)));
    assert!(page(&server, &s03, "/meldungen")
        .text()
        .contains("VER-2026-Q3-T03-01"));

    // Einreichen with a new upload: errors refuse with the findings.
    let r = http().post_multipart(
        &server.url("/einreichen"),
        &[("csrf", &s04.csrf)],
        Some(("T04_2026-Q3.xlsx", &flawed)),
        &s04.headers(),
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("personenbezogene Daten"));

    // Every route of t03's submission is a 404 for t04.
    for route in ["", "/datei", "/kommentiert", "/zurueckziehen"] {
        assert_eq!(
            page(&server, &s04, &format!("/meldungen/{id}{route}")).status,
            404,
            "{route}"
        );
        assert_eq!(
            page(&server, &s03, &format!("/meldungen/{id}{route}")).status,
            200,
            "{route}"
        );
    }
    assert!(!page(&server, &s04, "/meldungen")
        .text()
        .contains("VER-2026"));
    let withdraw = |s: &WebSession, csrf: &str| {
        http().post_form(
            &server.url(&format!("/meldungen/{id}/zurueckziehen")),
            &[("csrf", csrf)],
            &s.headers(),
        )
    };
    assert_eq!(withdraw(&s04, &s04.csrf).status, 404);
    assert_eq!(withdraw(&s03, "falsch").status, 403);
    let done = withdraw(&s03, &s03.csrf);
    assert_eq!(
        (done.status, done.header("location")),
        (303, "/meldungen?zurueckgezogen=1")
    );
    assert!(page(&server, &s03, &receipt_path)
        .text()
        .contains("zurückgezogen"));
    assert_eq!(withdraw(&s03, &s03.csrf).status, 409);
}

fn common_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn markup_in_file_names_and_cells_renders_inert() {
    let server = Server::start(&[]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let s = WebSession::login(&server, "t03", &password);
    let mut wb = common::Submission::valid("T03", 2026, 3);
    wb.set("Fallarbeit", "B3", "<script>alert('Zelle')</script>");
    wb.set("Deckblatt", "B4", "<img src=x onerror=alert(1)>");
    let bytes = wb.to_bytes();
    let r = http().post_multipart(
        &server.url("/pruefen"),
        &[("csrf", &s.csrf)],
        Some(("<script>alert('Name')</script>.xlsx", &bytes)),
        &s.headers(),
    );
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(!html.contains("<script>"), "{html}");
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only our own script file"
    );
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
}

#[test]
fn past_the_queue_checks_are_turned_away_with_retry_after() {
    let server = Server::start(&["--checks", "1", "--queue", "0"]);
    let t01 = server.provider("T01");
    let bytes = sample("T01_2026-Q3.xlsx");
    let barrier = std::sync::Barrier::new(6);
    let statuses: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let r = http().post_multipart(
                        &server.url("/api/v1/check"),
                        &[],
                        Some(("T01_2026-Q3.xlsx", &bytes)),
                        &[t01.bearer()],
                    );
                    (r.status, r.header("retry-after").to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().any(|(s, _)| *s == 200), "{statuses:?}");
    assert!(statuses.iter().any(|(s, _)| *s == 503), "{statuses:?}");
    for (status, retry) in &statuses {
        assert!(
            *status == 200 || (*status == 503 && !retry.is_empty()),
            "{statuses:?}"
        );
    }
}

#[test]
fn the_log_names_routes_and_accounts_but_no_cell_value() {
    let server = Server::start(&[]);
    let t04 = server.provider("T04");
    let flawed = std::fs::read(samples().join("fehlerhaft/T04_2026-Q3.xlsx")).unwrap();
    let r = http().post_multipart(
        &server.url("/api/v1/check"),
        &[],
        Some(("T04_2026-Q3.xlsx", &flawed)),
        &[t04.bearer()],
    );
    assert!(r.text().contains("Achm"), "the answer has the value");
    let log = server.log_text();
    assert!(log.contains("t04 POST /api/v1/check 200"), "{log}");
    assert!(!log.contains("Achm"), "{log}");
    assert!(!log.contains(&t04.password) && !log.contains(&t04.token));
}

/// Killing the server in the middle of submissions: every submission that
/// got a receipt is there after a restart with its SHA-256, and no file is
/// left without its row.
#[test]
fn a_kill_mid_submission_loses_no_receipted_submission() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let files: Vec<(String, Vec<u8>)> =
        ["T01_2026-Q1.xlsx", "T01_2026-Q2.xlsx", "T01_2026-Q3.xlsx"]
            .iter()
            .map(|n| (n.to_string(), sample(n)))
            .collect();
    let receipts = std::sync::Mutex::new(Vec::<Value>::new());
    std::thread::scope(|s| {
        for worker in 0..3 {
            let (server, t01, files, receipts) = (&server, &t01, &files, &receipts);
            s.spawn(move || {
                for round in 0.. {
                    let (name, bytes) = &files[(worker + round) % files.len()];
                    let (ct, body) = multipart(&[], Some((name, bytes)));
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let r = agent
                        .post(&server.url("/api/v1/submissions"))
                        .header("Content-Type", &ct)
                        .header("Authorization", &format!("Bearer {}", t01.token))
                        .send(&body[..]);
                    match r {
                        Ok(mut r) if r.status().as_u16() == 201 => {
                            if let Ok(v) = r.body_mut().read_json::<Value>() {
                                receipts.lock().unwrap().push(v);
                            }
                        }
                        _ => break,
                    }
                }
            });
        }
        while receipts.lock().unwrap().len() < 6 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // SAFETY: our own child.
        unsafe {
            libc::kill(server.pid() as i32, libc::SIGKILL);
        }
    });
    let receipts = receipts.into_inner().unwrap();
    let (dir, data) = server.into_dir();
    let server = Server::start_on(dir, data, &[]);
    let t01 = Account::new(&server, "t01", &t01.password);
    let list = http()
        .get(&server.url("/api/v1/submissions"), &[t01.bearer()])
        .json();
    let stored = list["submissions"].as_array().unwrap();
    for r in &receipts {
        let id = r["id"].as_str().unwrap();
        let file = http().get(
            &server.url(&format!("/api/v1/submissions/{id}/file")),
            &[t01.bearer()],
        );
        assert_eq!(file.status, 200, "{}", r["receipt"]);
        assert_eq!(common_sha(&file.body), r["sha256"].as_str().unwrap());
    }
    // Every stored row has its files; every file has its row.
    for s in stored {
        let id = s["id"].as_str().unwrap();
        let file = http().get(
            &server.url(&format!("/api/v1/submissions/{id}/file")),
            &[t01.bearer()],
        );
        assert_eq!(file.status, 200);
    }
    let conn = rusqlite::Connection::open(server.data.join("sozialraum.db")).unwrap();
    let referenced: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT sha256 FROM submissions UNION SELECT annotated_sha256 FROM submissions WHERE annotated_sha256 IS NOT NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let on_disk = walk(&server.data.join("files")).len() as i64;
    assert_eq!(on_disk, referenced);
}

/// SIGTERM while an upload is still arriving: the request is finished and
/// answered, then the server ends with exit code 0.
#[test]
fn sigterm_finishes_the_running_request_then_stops() {
    use std::io::{Read, Write};
    let mut server = Server::start(&[]);
    let t01 = server.provider("T01");
    let (ct, body) = multipart(&[], Some(("T01_2026-Q3.xlsx", &sample("T01_2026-Q3.xlsx"))));
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!(
        "POST /api/v1/check HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        t01.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let half = body.len() / 2;
    stream.write_all(&body[..half]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: our own child.
    unsafe {
        libc::kill(server.pid() as i32, libc::SIGTERM);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    stream.write_all(&body[half..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"files\""));
    let status = server.stop_with(0).unwrap();
    assert!(status.success(), "{status:?}");
    assert!(server.log_text().contains("Beende"));
}

#[test]
fn a_user_changes_the_own_password_and_the_other_sessions_end() {
    let server = Server::start(&[]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let api = Account::new(&server, "t03", &password);
    let mut s = WebSession::login(&server, "t03", &password);
    let other = WebSession::login(&server, "t03", &password);
    let change = |s: &WebSession, csrf: &str, current: &str, new: &str, repeat: &str| {
        http().post_form(
            &server.url("/passwort"),
            &[
                ("csrf", csrf),
                ("current", current),
                ("new", new),
                ("repeat", repeat),
            ],
            &s.headers(),
        )
    };
    let new = "ein-langes-neues-Passwort";
    assert_eq!(change(&s, "falsch", &password, new, new).status, 403);
    assert_eq!(change(&s, &s.csrf, &password, "kurz", "kurz").status, 422);
    assert_eq!(
        change(&s, &s.csrf, &password, new, "anders-als-das-neue").status,
        422
    );
    let wrong = change(&s, &s.csrf, "falsch", new, new);
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("Das bisherige Passwort stimmt nicht"));
    let ok = change(&s, &s.csrf, &password, new, new);
    assert_eq!(
        (ok.status, ok.header("location")),
        (303, "/passwort?geaendert=1")
    );
    s.keep(&ok);
    let page = http().get(&server.url("/passwort?geaendert=1"), &s.headers());
    assert_eq!(page.status, 200, "this session goes on");
    assert!(page.text().contains("Ihr Passwort ist geändert"));
    assert_eq!(
        http().get(&server.url("/pruefen"), &other.headers()).status,
        303,
        "the other session ended"
    );
    let list = http().get(&server.url("/api/v1/submissions"), &[api.bearer()]);
    assert_eq!(list.status, 401, "the API token ended");
    let token = |p: &str| {
        http()
            .post_json(
                &server.url("/api/v1/token"),
                &serde_json::json!({"login": "t03", "password": p}),
                &[],
            )
            .status
    };
    assert_eq!(token(&password), 401);
    assert_eq!(token(new), 200);
}

#[test]
fn the_language_switch_goes_back_only_to_our_own_paths() {
    let server = Server::start(&[]);
    for (back, expected) in [
        ("/meldungen", "/meldungen"),
        ("//boese.example/x", "/"),
        ("https://boese.example/", "/"),
        ("/%0D%0ASet-Cookie:x=1", "/"),
        ("/%E2%80%AE", "/"),
    ] {
        let r = http().get(
            &server.url(&format!("/sprache?lang=en&zurueck={back}")),
            &[],
        );
        assert_eq!(r.status, 303, "{back}");
        assert_eq!(r.header("location"), expected, "{back}");
        assert!(r.header("set-cookie").starts_with("sr_lang=en;"));
    }
    let r = http().get(
        &server.url("/anmelden"),
        &[("Cookie".into(), "sr_lang=en".into())],
    );
    assert!(r.text().contains("<html lang=\"en\">") && r.text().contains("Log in"));
}

#[test]
fn forms_and_json_are_small_only_uploads_may_be_large() {
    let server = Server::start(&[]);
    let big = "x".repeat(100 << 10);
    let r = http().post_form(&server.url("/anmelden"), &[("login", &big)], &[]);
    assert_eq!(r.status, 413);
    let r = http().post_json(
        &server.url("/api/v1/token"),
        &serde_json::json!({"login": big, "password": "x"}),
        &[],
    );
    assert_eq!(r.status, 413);
}

#[test]
fn behind_the_proxy_the_throttle_counts_the_forwarded_address() {
    let server = Server::start(&["--behind-proxy"]);
    let password = server.add_user("t03", "provider", Some("T03"));
    let from = |addr: &str, login: &str, password: &str| {
        http()
            .post_json(
                &server.url("/api/v1/token"),
                &serde_json::json!({"login": login, "password": password}),
                &[("X-Forwarded-For".into(), format!("203.0.113.9, {addr}"))],
            )
            .status
    };
    // 30 failures from one address, spread over logins so that none is locked itself.
    for i in 0..30 {
        assert_eq!(
            from("10.0.0.1", &format!("niemand{}", i % 10), "falsch"),
            401
        );
    }
    assert_eq!(
        from("10.0.0.1", "t03", &password),
        429,
        "that address waits"
    );
    assert_eq!(
        from("10.0.0.2", "t03", &password),
        200,
        "another one does not"
    );
}

/// Hostile uploads (a billion-laughs workbook, a looping OLE container, an
/// ods that asks for 17 billion cells) get their `file` finding, and a
/// clean upload checked at the same time gets its right answer.
#[test]
fn hostile_uploads_get_their_finding_and_others_go_on() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/broken");
    let hostile = [
        "poi__poc-xmlbomb.xlsx",
        "phpspreadsheet__oleloop.xls",
        "calamine__issue_594_dos.ods",
    ];
    let clean = samples().join("T01_2026-Q3.xlsx");
    let expected = cli_check(&clean, "de");
    let answers: Vec<(String, Reply)> = std::thread::scope(|s| {
        let handles: Vec<_> = hostile
            .iter()
            .map(|n| broken.join(n))
            .chain([clean.clone()])
            .map(|path| {
                let t01 = &t01;
                let server = &server;
                s.spawn(move || {
                    let name = path.file_name().unwrap().to_string_lossy().to_string();
                    let bytes = std::fs::read(&path).unwrap();
                    let r = http().post_multipart(
                        &server.url("/api/v1/check"),
                        &[],
                        Some((&name, &bytes)),
                        &[t01.bearer()],
                    );
                    (name, r)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, r) in answers {
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        let v = r.json();
        if name == "T01_2026-Q3.xlsx" {
            assert_eq!(findings_of(&v), findings_of(&expected));
            assert_eq!(v["files"][0]["summary"], expected["files"][0]["summary"]);
        } else {
            let findings = findings_of(&v);
            let file_errors = findings
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"] == "file" && f["severity"] == "error")
                .count();
            assert!(file_errors >= 1, "{name}: {findings}");
        }
    }
}

#[test]
fn serve_on_a_taken_address_ends_with_exit_2_and_says_why() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["serve", "--bind", &addr, "--data"])
        .arg(dir.path().join("daten"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Kann nicht lauschen auf") && err.contains("--bind"),
        "{err}"
    );
}

/// Every file under `dir` but the database's own (its journal comes and goes).
fn files_beside_the_database(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("sozialraum.db"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_check_with_its_annotated_copy_writes_nothing_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let data = dir.path().join("daten");
    let server = Server::start_with(dir, data, &[], &[("TMPDIR", tmp.as_path())]);
    let password = server.add_user("t04", "provider", Some("T04"));
    let s04 = WebSession::login(&server, "t04", &password);
    let data_before = files_beside_the_database(&server.data);
    // The overlay on an xlsx package and a rebuilt copy of an xls.
    let files = [
        (samples().join("fehlerhaft/T04_2026-Q3.xlsx"), true),
        (acceptance().join("T03_2026-Q4.xls"), false),
    ];
    for (path, flawed) in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let r = http().post_multipart(
            &server.url("/pruefen"),
            &[("csrf", &s04.csrf)],
            Some((name, &bytes)),
            &s04.headers(),
        );
        assert_eq!(r.status, 200, "{name}");
        let html = r.text();
        assert_eq!(
            html.contains("sev-error"),
            *flawed,
            "{name}: findings shown"
        );
        let held = html
            .split("/pruefen/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .expect("a link to the annotated copy");
        let copy = page(&server, &s04, &format!("/pruefen/{held}/kommentiert"));
        assert_eq!(copy.status, 200, "{name}");
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(copy.body))
            .unwrap_or_else(|e| panic!("{name}: the copy opens: {e}"));
        use calamine::Reader;
        assert_eq!(book.sheet_names()[0], "Prüfbericht", "{name}");
        let report = book.worksheet_range("Prüfbericht").unwrap();
        assert!(report.height() > 1, "{name}: the report lists the findings");
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
        assert!(
            left.is_empty(),
            "{name}: the temp folder stays empty: {left:?}"
        );
        assert_eq!(
            files_beside_the_database(&server.data),
            data_before,
            "{name}: nothing written to the data folder"
        );
    }
}

#[test]
fn a_login_lock_outlives_a_restart_and_ends_after_its_time() {
    let clock_dir = tempfile::tempdir().unwrap();
    let clock = clock_dir.path().join("now");
    std::fs::write(&clock, "2026-12-01T10:00:00Z").unwrap();
    let clock_arg = clock.to_str().unwrap();
    let extra = ["--lock-seconds", "600", "--clock-file", clock_arg];
    let server = Server::start(&extra);
    let password = server.add_user("t03", "provider", Some("T03"));
    let try_login = |server: &Server, password: &str| {
        http().post_json(
            &server.url("/api/v1/token"),
            &serde_json::json!({"login": "t03", "password": password}),
            &[],
        )
    };
    for _ in 0..5 {
        assert_eq!(try_login(&server, "falsch").status, 401);
    }
    assert_eq!(try_login(&server, &password).status, 429);

    let (dir, data) = server.into_dir();
    let server = Server::start_on(dir, data, &extra);
    let locked = try_login(&server, &password);
    assert_eq!(locked.status, 429, "the lock holds after the restart");
    let wait: u64 = locked.header("retry-after").parse().unwrap();
    assert!((1..=600).contains(&wait), "retry after {wait} s");

    std::fs::write(&clock, "2026-12-01T10:09:59Z").unwrap();
    assert_eq!(try_login(&server, &password).status, 429, "not yet");
    std::fs::write(&clock, "2026-12-01T10:10:01Z").unwrap();
    assert_eq!(
        try_login(&server, &password).status,
        200,
        "after the lock time"
    );
}

#[test]
fn api_errors_have_a_stable_code_and_speak_german_or_english() {
    let server = Server::start(&[]);
    let t03 = server.provider("T03");
    let office = server.account("amt", "office");
    let de: (String, String) = ("Accept-Language".into(), "de-DE,de;q=0.9,en;q=0.5".into());
    let en: (String, String) = ("Accept-Language".into(), "en-GB,en;q=0.9,de;q=0.3".into());
    // Each refusal: its status, its code, and a text in both languages.
    let answers = |ask: &dyn Fn(&(String, String)) -> Reply, status: u16, code: &str| {
        let mut texts = vec![];
        for lang in [&de, &en] {
            let r = ask(lang);
            assert_eq!(r.status, status, "{code}: {}", r.text());
            assert_eq!(r.header("content-type"), "application/json", "{code}");
            let v = r.json();
            assert_eq!(v["code"], code);
            texts.push(v["error"].as_str().unwrap_or("").to_string());
        }
        assert!(
            !texts[0].is_empty() && texts[0] != texts[1],
            "{code}: {texts:?}"
        );
        texts
    };

    let t = answers(
        &|l| {
            http().get(
                &server.url("/api/v1/submissions/gibtsnicht"),
                &[t03.bearer(), l.clone()],
            )
        },
        404,
        "not_found",
    );
    assert_eq!(
        t,
        [
            "nicht gefunden (oder nicht für diese Kennung)",
            "not found (or not for this account)"
        ]
    );
    let default = http().get(
        &server.url("/api/v1/submissions/gibtsnicht"),
        &[t03.bearer()],
    );
    assert_eq!(
        default.json()["error"],
        t[0].as_str(),
        "German without Accept-Language"
    );
    let asked = http().get(
        &server.url("/api/v1/submissions/gibtsnicht?lang=en"),
        &[t03.bearer(), de.clone()],
    );
    assert_eq!(asked.json()["error"], t[1].as_str(), "?lang=en wins");

    let t = answers(
        &|l| {
            http().post_json(
                &server.url("/api/v1/token"),
                &serde_json::json!({"login": "t03", "password": "falsch"}),
                std::slice::from_ref(l),
            )
        },
        401,
        "wrong_credentials",
    );
    assert_eq!(
        t,
        ["Kennung oder Passwort falsch", "wrong login or password"]
    );
    let bad = |l: &(String, String)| {
        http().post(
            &server.url("/api/v1/token"),
            "application/json",
            b"{login",
            std::slice::from_ref(l),
        )
    };
    answers(&bad, 400, "bad_json");
    let big = "x".repeat(100 << 10);
    let too_big = |l: &(String, String)| {
        http().post_json(
            &server.url("/api/v1/token"),
            &serde_json::json!({"login": big, "password": "x"}),
            std::slice::from_ref(l),
        )
    };
    answers(&too_big, 413, "too_large");
    let no_token = |l: &(String, String)| {
        http().get(&server.url("/api/v1/submissions"), std::slice::from_ref(l))
    };
    answers(&no_token, 401, "unauthorized");
    assert_eq!(no_token(&en).header("www-authenticate"), "Bearer");
    let not_multipart = |l: &(String, String)| {
        http().post(
            &server.url("/api/v1/check"),
            "text/plain",
            b"hallo",
            &[t03.bearer(), l.clone()],
        )
    };
    answers(&not_multipart, 400, "bad_form");
    let no_file = |l: &(String, String)| {
        http().post_multipart(
            &server.url("/api/v1/check"),
            &[("x", "y")],
            None,
            &[t03.bearer(), l.clone()],
        )
    };
    answers(&no_file, 400, "no_file");
    let office_submits = |l: &(String, String)| {
        http().post_multipart(
            &server.url("/api/v1/submissions"),
            &[],
            Some(("T03_2026-Q3.xlsx", &sample("T03_2026-Q3.xlsx"))),
            &[office.bearer(), l.clone()],
        )
    };
    answers(&office_submits, 403, "not_provider");
    let wrong_method = |l: &(String, String)| {
        http().post(
            &server.url("/api/v1/submissions/x/file"),
            "text/plain",
            b"",
            &[t03.bearer(), l.clone()],
        )
    };
    answers(&wrong_method, 405, "method_not_allowed");
    let flawed = sample("T01_2026-Q3.xlsx");
    let other = |l: &(String, String)| {
        http().post_multipart(
            &server.url("/api/v1/submissions"),
            &[],
            Some(("T01_2026-Q3.xlsx", &flawed)),
            &[t03.bearer(), l.clone()],
        )
    };
    answers(&other, 422, "refused");
    assert_eq!(other(&en).json()["reason"], "other_provider");
}
