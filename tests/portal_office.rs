//! The office's and the controlling's status board over plain HTTP: who has
//! submitted, who is missing and who is overdue once the deadline's day has
//! ended (the server's clock moved with `--clock-file`), late submissions,
//! replacements, the list of who is still missing with its reminders and
//! CSV, `GET /api/v1/status`, and the rights around them.

mod common;
mod portal_support;

use std::path::{Path, PathBuf};

use portal_support::*;
use serde_json::Value;

/// The server's clock: a file holding an RFC 3339 time, read on every call.
struct Clock(PathBuf);

impl Clock {
    fn new(dir: &Path, at: &str) -> Clock {
        let c = Clock(dir.join("uhr.txt"));
        c.set(at);
        c
    }

    fn set(&self, at: &str) {
        std::fs::write(&self.0, at).expect("clock file");
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

fn workbook(provider: &str, year: i32, quarter: u8) -> Vec<u8> {
    common::Submission::valid(provider, year, quarter).to_bytes()
}

fn submit(server: &Server, who: &Account, bytes: &[u8], name: &str) -> Value {
    let r = http().post_multipart(
        &server.url("/api/v1/submissions"),
        &[("acknowledge_warnings", "true")],
        Some((name, bytes)),
        &[who.bearer()],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn status(server: &Server, who: &Account, query: &str) -> Reply {
    http().get(
        &server.url(&format!("/api/v1/status?{query}")),
        &[who.bearer()],
    )
}

/// The provider entry `id` of a status document.
fn entry<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["provider"] == id))
        .unwrap_or_else(|| panic!("{id} not in {v}"))
}

fn states(v: &Value) -> Vec<(String, String)> {
    v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["provider"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A new token for `a` (after the clock moved past the old one's end).
fn again(server: &Server, a: &Account) -> Account {
    Account::new(server, &a.login, &a.password)
}

fn page(server: &Server, s: &WebSession, path: &str) -> Reply {
    http().get(&server.url(path), &s.headers())
}

/// A page's HTML with `&` in attributes written one way (askama writes `&#38;`).
fn html_of(r: &Reply) -> String {
    r.text().replace("&#38;", "&amp;")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn audit_actions(server: &Server) -> Vec<(String, Option<String>)> {
    let conn = rusqlite::Connection::open(server.data.join("sozialraum.db")).unwrap();
    let mut st = conn
        .prepare("SELECT action, object FROM audit ORDER BY id")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

#[test]
fn status_shows_who_submitted_and_turns_missing_into_overdue_when_the_deadline_day_ends() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new(dir.path(), "2026-10-10T08:00:00Z");
    let server = Server::start(&["--clock-file", clock.arg()]);
    let office = server.account("amt", "office");
    let (t01, t02, t03, t05) = (
        server.provider("T01"),
        server.provider("T02"),
        server.provider("T03"),
        server.provider("T05"),
    );
    let first = submit(&server, &t01, &workbook("T01", 2026, 3), "T01_2026-Q3.xlsx");
    submit(&server, &t02, &workbook("T02", 2026, 3), "T02_2026-Q3.xlsx");
    // T05 reported the quarter before: its cover names whom to remind.
    submit(&server, &t05, &workbook("T05", 2026, 2), "T05_2026-Q2.xlsx");

    let r = status(&server, &office, "year=2026&quarter=3");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), "no-store");
    let v = r.json();
    assert_eq!(
        (v["year"].clone(), v["quarter"].clone()),
        (2026.into(), 3.into())
    );
    assert_eq!(v["deadline"], "2026-10-15");
    assert_eq!(v["deadline_ends"], "2026-10-15T22:00:00Z", "midnight CEST");
    assert_eq!(
        states(&v),
        pairs(&[
            ("T01", "submitted"),
            ("T02", "submitted"),
            ("T03", "missing"),
            ("T04", "missing"),
            ("T05", "missing"),
            ("T06", "missing"),
        ]),
        "every provider of the master data, in its order"
    );
    let e = entry(&v, "T01");
    assert_eq!(e["name"], "Jugendhilfe Aller-Weser e.V.");
    assert_eq!(e["submission_id"], first["id"]);
    assert_eq!(e["submitted_at"], "2026-10-10T08:00:00.000Z");
    assert_eq!(
        (e["errors"].clone(), e["warnings"].clone()),
        (0.into(), 0.into())
    );
    assert_eq!(e["late"], false);
    assert_eq!(e["contact"], "Fachbereichsleitung ambulante Hilfen");
    assert_eq!(e["email"], "meldung@traeger-beispiel.de");
    let t05_entry = entry(&v, "T05");
    assert_eq!(t05_entry["submission_id"], Value::Null);
    assert_eq!(t05_entry["errors"], Value::Null);
    assert_eq!(
        t05_entry["email"], "meldung@traeger-beispiel.de",
        "the contact of the latest cover, from another quarter"
    );
    assert_eq!(
        entry(&v, "T04")["email"],
        Value::Null,
        "no cover, no master data"
    );

    // The last second of the deadline day (23:59:59 German summer time) …
    // (Days later, tokens have expired: new ones.)
    clock.set("2026-10-15T21:59:59Z");
    let office = again(&server, &office);
    let v = status(&server, &office, "year=2026&quarter=3").json();
    assert_eq!(entry(&v, "T03")["status"], "missing");
    // … and the next: overdue.
    clock.set("2026-10-15T22:00:00Z");
    let v = status(&server, &office, "year=2026&quarter=3").json();
    assert_eq!(entry(&v, "T03")["status"], "overdue");
    assert_eq!(entry(&v, "T01")["status"], "submitted");

    // A late submission is submitted, with its time; a second one replaces the first.
    clock.set("2026-10-16T07:30:00Z");
    let (office, t01, t03) = (
        again(&server, &office),
        again(&server, &t01),
        again(&server, &t03),
    );
    submit(&server, &t03, &workbook("T03", 2026, 3), "T03_2026-Q3.xlsx");
    let again = submit(&server, &t01, &workbook("T01", 2026, 3), "T01_2026-Q3.xlsx");
    let v = status(&server, &office, "year=2026&quarter=3").json();
    let e = entry(&v, "T03");
    assert_eq!(e["status"], "submitted");
    assert_eq!(e["submitted_at"], "2026-10-16T07:30:00.000Z");
    assert_eq!(e["late"], true);
    let e = entry(&v, "T01");
    assert_eq!(e["submission_id"], again["id"]);
    assert_eq!(e["replaced"], 1);
    assert_eq!(e["late"], true);
    assert_eq!(
        states(&v),
        pairs(&[
            ("T01", "submitted"),
            ("T02", "submitted"),
            ("T03", "submitted"),
            ("T04", "overdue"),
            ("T05", "overdue"),
            ("T06", "overdue"),
        ])
    );

    // The board shows the same in words, with the current quarter (Q4) marked.
    let s = WebSession::login(&server, &office.login, &office.password);
    let home = page(&server, &s, "/");
    assert_eq!((home.status, home.header("location")), (303, "/uebersicht"));
    let board = page(&server, &s, "/uebersicht?jahr=2026");
    assert_eq!(board.status, 200, "{}", board.text());
    assert_eq!(board.header("cache-control"), "no-store");
    let html = html_of(&board);
    for word in [
        "eingereicht",
        "überfällig",
        "fehlt",
        "verspätet",
        "ersetzt 1×",
        "16.10.2026, 09:30 Uhr",
        "Frist 15.10.2026",
        "Frist 15.01.2027",
        "<th scope=\"row\"><span class=\"pid\">T04</span>",
        "href=\"/meldungen?traeger=T03&amp;jahr=2026&amp;quartal=3\"",
        "href=\"/kreismappe?jahr=2026&amp;quartal=3\"",
        // The year so far: the ended quarters (on 16 October: Q1–Q3).
        "href=\"/kreismappe?jahr=2026&amp;quartale=1-3\"",
        "href=\"/uebersicht/ausstehend?jahr=2026&amp;quartal=3\">Noch ausstehend (3)",
        "href=\"/uebersicht?jahr=2025\"",
        "href=\"/uebersicht?jahr=2027\"",
        "<th scope=\"col\" class=\"current\">4. Quartal <span class=\"tag\">laufendes Quartal</span>",
        "aria-current=\"page\">Übersicht</a>",
    ] {
        assert!(html.contains(word), "{word:?} not on the board:\n{html}");
    }
    // Q1: all six; Q2: all but T05; Q3: T04–T06; Q4 is still open.
    assert_eq!(html.matches("quarter cell-overdue").count(), 6 + 5 + 3);
    assert_eq!(html.matches("quarter cell-missing current").count(), 6);
    // The cell's link opens that provider's submissions of the quarter.
    let list = page(&server, &s, "/meldungen?traeger=T01&jahr=2026&quartal=3");
    assert_eq!(list.status, 200);
    let list = list.text();
    assert!(list.contains(">VER-2026-Q3-T01-01<") && list.contains(">VER-2026-Q3-T01-02<"));
    assert!(
        list.contains("16.10.2026, 09:30:00 Uhr"),
        "German time as on the board"
    );
    assert!(!list.contains("T02"), "only T01's");

    // In English, too.
    let en = http().get(
        &server.url("/uebersicht?jahr=2026"),
        &[(
            "Cookie".to_string(),
            format!("{}; sr_lang=en", s.headers()[0].1),
        )],
    );
    let en = en.text();
    assert!(en.contains("overdue") && en.contains("late") && en.contains("replaced 1×"));
    assert!(en.contains("District workbook Q3"), "{en}");

    // Who is still missing for Q3, with a reminder where an address is known.
    let missing = page(&server, &s, "/uebersicht/ausstehend?jahr=2026&quartal=3");
    assert_eq!(missing.status, 200);
    let html = html_of(&missing);
    for id in ["T04", "T05", "T06"] {
        assert!(
            html.contains(&format!("<th scope=\"row\">{id}</th>")),
            "{id}"
        );
    }
    for id in ["T01", "T02", "T03"] {
        assert!(
            !html.contains(&format!("<th scope=\"row\">{id}</th>")),
            "{id}"
        );
    }
    let port = server.base.rsplit(':').next().unwrap();
    let href = html
        .split("href=\"mailto:")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .expect("a mailto link");
    assert!(
        href.starts_with("meldung@traeger-beispiel.de?subject=Erinnerung"),
        "{href}"
    );
    for part in [
        "Quartalsmeldung%203.%20Quartal%202026",
        "15.10.2026",
        "Lebensraum%20Thedinghausen%20e.V.",
        "T05",
        &format!("http%3A%2F%2F127.0.0.1%3A{port}%2F"),
        "Landkreis%20Verden",
        "%0D%0A",
    ] {
        assert!(href.contains(part), "{part} not in {href}");
    }
    assert_eq!(
        html.matches("href=\"mailto:").count(),
        1,
        "only T05 has an address"
    );

    let csv = page(
        &server,
        &s,
        "/uebersicht/ausstehend.csv?jahr=2026&quartal=3",
    );
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(csv.header("cache-control"), "no-store");
    assert!(csv
        .header("content-disposition")
        .contains("ausstehend_2026-Q3.csv"));
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let text = text
        .strip_prefix('\u{FEFF}')
        .expect("a byte order mark for Excel");
    let lines: Vec<Vec<&str>> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "Träger-Nr.",
            "Träger",
            "Ansprechperson",
            "E-Mail",
            "Status",
            "Frist"
        ]
    );
    let ids: Vec<&str> = lines[1..].iter().map(|l| l[0]).collect();
    assert_eq!(ids, ["T04", "T05", "T06"]);
    assert_eq!(
        lines[2],
        [
            "T05",
            "Lebensraum Thedinghausen e.V.",
            "Fachbereichsleitung ambulante Hilfen",
            "meldung@traeger-beispiel.de",
            "überfällig",
            "15.10.2026"
        ]
    );
    assert!(audit_actions(&server).contains(&(
        "download_outstanding".to_string(),
        Some("2026-Q3".to_string())
    )));
    assert!(
        !server.log_text().contains("Fachbereichsleitung"),
        "no contact in the log"
    );
}

#[test]
fn providers_get_403_and_controlling_sees_the_board_but_no_files() {
    let server = Server::start(&[]);
    let t03 = server.provider("T03");
    let ctl = server.account("controlling", "controlling");
    let office = server.account("amt", "office");
    let sub = submit(&server, &t03, &workbook("T03", 2026, 3), "T03_2026-Q3.xlsx");
    let id = sub["id"].as_str().unwrap();

    // A provider: 403 on every office route, JSON from the API.
    let r = status(&server, &t03, "year=2026&quarter=3");
    assert_eq!(r.status, 403);
    assert!(r.json()["error"].is_string());
    let s = WebSession::login(&server, &t03.login, &t03.password);
    assert_eq!(page(&server, &s, "/").header("location"), "/pruefen");
    for path in [
        "/uebersicht",
        "/uebersicht?jahr=2026",
        "/uebersicht/ausstehend?jahr=2026&quartal=3",
        "/uebersicht/ausstehend.csv?jahr=2026&quartal=3",
    ] {
        let r = page(&server, &s, path);
        assert_eq!(r.status, 403, "{path}");
        assert!(r.text().contains("Nicht erlaubt"), "{path}");
    }
    let nav = page(&server, &s, "/pruefen").text();
    assert!(
        !nav.contains("href=\"/uebersicht\""),
        "no board in a provider's navigation"
    );
    // … and its own list stays its own whatever the link says.
    let own = page(&server, &s, "/meldungen?traeger=T01").text();
    assert!(own.contains("VER-2026-Q3-T03-01"));

    // Controlling: board, list, receipt with findings, status; no files.
    let c = WebSession::login(&server, &ctl.login, &ctl.password);
    assert_eq!(page(&server, &c, "/").header("location"), "/uebersicht");
    assert_eq!(page(&server, &c, "/uebersicht").status, 200);
    assert_eq!(
        page(&server, &c, "/uebersicht/ausstehend?jahr=2026&quartal=3").status,
        200
    );
    assert_eq!(status(&server, &ctl, "year=2026&quarter=3").status, 200);
    let receipt = page(&server, &c, &format!("/meldungen/{id}"));
    assert_eq!(receipt.status, 200);
    assert!(receipt.text().contains("VER-2026-Q3-T03-01"));
    assert!(!receipt.text().contains("/datei"), "no download link");
    for path in ["datei", "kommentiert"] {
        let r = page(&server, &c, &format!("/meldungen/{id}/{path}"));
        assert_eq!(r.status, 403, "{path}");
    }
    for path in ["file", "annotated"] {
        let r = http().get(
            &server.url(&format!("/api/v1/submissions/{id}/{path}")),
            &[ctl.bearer()],
        );
        assert_eq!(r.status, 403, "{path}");
        let r = http().get(
            &server.url(&format!("/api/v1/submissions/{id}/{path}")),
            &[office.bearer()],
        );
        assert_eq!(r.status, 200, "office {path}");
    }
    let o = WebSession::login(&server, &office.login, &office.password);
    assert_eq!(
        page(&server, &o, &format!("/meldungen/{id}/datei")).status,
        200
    );

    // Bad parameters: 400, as JSON from the API and as a page.
    for q in [
        "year=2026",
        "quarter=3",
        "year=zwanzig&quarter=3",
        "year=2026&quarter=5",
        "year=1999&quarter=1",
        "year=2026&quarter=%FF",
    ] {
        let r = status(&server, &office, q);
        assert_eq!(r.status, 400, "{q}");
        assert!(r.json()["error"].as_str().unwrap().contains("year"), "{q}");
    }
    for path in [
        "/uebersicht?jahr=abc",
        "/uebersicht?jahr=99999",
        "/uebersicht/ausstehend?jahr=2026&quartal=0",
        "/uebersicht/ausstehend.csv?jahr=2026&quartal=x",
    ] {
        let r = page(&server, &o, path);
        assert_eq!(r.status, 400, "{path}");
        assert!(r.text().contains("Ungültige Angabe"), "{path}");
    }
}

#[test]
fn names_and_contacts_with_markup_render_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let toml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/verden.toml"),
    )
    .unwrap()
    .replace(
        "name = \"Brückenschlag Jugendhilfe e.V.\"",
        "name = \"<script>alert('Träger')</script>\"\ncontact = \"<b>Frau Kontakt</b>\"\nemail = \"t06@example.org\"",
    );
    let config = dir.path().join("verden.toml");
    std::fs::write(&config, toml).unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()]);
    let t03 = server.provider("T03");
    let mut wb = common::Submission::valid("T03", 2026, 3);
    wb.set("Deckblatt", "B7", "<script>alert('Kontakt')</script>");
    submit(&server, &t03, &wb.to_bytes(), "T03_2026-Q3.xlsx");
    let office = server.account("amt", "office");

    let v = status(&server, &office, "year=2026&quarter=3").json();
    assert_eq!(
        entry(&v, "T03")["contact"],
        "<script>alert('Kontakt')</script>"
    );
    assert_eq!(
        entry(&v, "T06")["contact"],
        "<b>Frau Kontakt</b>",
        "from the master data"
    );
    assert_eq!(entry(&v, "T06")["email"], "t06@example.org");

    let s = WebSession::login(&server, &office.login, &office.password);
    for path in [
        "/uebersicht?jahr=2026",
        "/uebersicht/ausstehend?jahr=2026&quartal=3",
        "/uebersicht/ausstehend?jahr=2026&quartal=4",
    ] {
        let html = page(&server, &s, path).text();
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only our script file: {path}"
        );
        assert!(!html.contains("<b>"), "{path}");
    }
    let q3 = page(&server, &s, "/uebersicht/ausstehend?jahr=2026&quartal=3").text();
    assert!(
        q3.contains("&lt;b&gt;Frau Kontakt&lt;/b&gt;") || q3.contains("&#60;b&#62;"),
        "{q3}"
    );
    assert!(q3.contains("href=\"mailto:t06@example.org?subject="));
    let q4 = page(&server, &s, "/uebersicht/ausstehend?jahr=2026&quartal=4").text();
    assert!(
        q4.contains("alert(&#39;Kontakt&#39;)") || q4.contains("&lt;script&gt;alert"),
        "{q4}"
    );
}
