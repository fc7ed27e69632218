//! The office and the controlling in a real browser (issue 14): three
//! providers submit through the pages, the office's board shows those three
//! as `eingereicht` and the others as `fehlt`, the district workbook comes
//! from the board's link and agrees with the JSON, the controlling adopts the
//! budget plan and sees the plan/actual table and the charts, and when the
//! deadline has passed (the server's clock moved with `--clock-file`) `fehlt`
//! turns into `überfällig`. Every page is photographed to
//! `target/tmp/portal-screenshots/`.

mod portal_support;

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader};
use portal_support::webdriver::{wait_title, Browser};
use portal_support::*;

fn log_in(b: &Browser, server: &Server, login: &str, password: &str, lands_on: &str) {
    b.goto(&server.url("/anmelden"));
    wait_title(b, "Anmelden");
    b.find("#login").type_text(login);
    b.find("#password").type_text(password);
    b.find("form.card button[type=submit]").click();
    wait_title(b, lands_on);
}

fn log_out(b: &Browser) {
    b.find("header form[action='/abmelden'] button").click();
    wait_title(b, "Anmelden");
}

fn set_clock(file: &Path, at: &str) {
    std::fs::write(file, at).expect("clock file");
}

/// The board's cells by provider: (class, text) per quarter.
fn board(b: &Browser) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for row in b.all("table.board tbody tr") {
        let id = row.find("th .pid").text();
        let cells = row
            .find_all("td.quarter")
            .iter()
            .map(|c| (c.attr("class"), c.text()))
            .collect();
        out.insert(id, cells);
    }
    out
}

fn state_of(cells: &BTreeMap<String, Vec<(String, String)>>, provider: &str, q: usize) -> String {
    let (class, _) = &cells[provider][q - 1];
    class
        .split_whitespace()
        .find_map(|c| c.strip_prefix("cell-"))
        .unwrap_or_else(|| panic!("no state class in {class:?}"))
        .to_string()
}

fn money(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

#[test]
fn the_office_sees_who_is_missing_and_the_controlling_its_figures_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("uhr");
    // Five days before the end of Q3's deadline (15 October, German time).
    set_clock(&clock, "2026-10-10T08:00:00Z");
    let server = Server::start(&["--clock-file", clock.to_str().unwrap()]);
    let providers = ["T01", "T02", "T03"];
    let passwords: Vec<String> = providers
        .iter()
        .map(|p| server.add_user(&p.to_lowercase(), "provider", Some(p)))
        .collect();
    let office_pw = server.add_user("buero", "office", None);
    let controlling_pw = server.add_user("controlling", "controlling", None);
    let b = Browser::start();

    // Three providers submit their Q3 through the pages.
    for (p, pw) in providers.iter().zip(&passwords) {
        log_in(&b, &server, &p.to_lowercase(), pw, "Prüfen");
        b.find("nav.main a[href='/einreichen']").click();
        wait_title(&b, "Einreichen");
        b.find("#file").type_text(
            &samples()
                .join(format!("{p}_2026-Q3.xlsx"))
                .to_string_lossy(),
        );
        b.find("form.upload button[type=submit]").click();
        wait_title(&b, "Eingangsbestätigung");
        assert_eq!(b.find(".receipt-no").text(), format!("VER-2026-Q3-{p}-01"));
        log_out(&b);
    }

    // The office lands on the board: three submitted, three missing, none overdue yet.
    log_in(&b, &server, "buero", &office_pw, "Übersicht der Meldungen");
    let cells = board(&b);
    for p in providers {
        assert_eq!(state_of(&cells, p, 3), "submitted", "{p}: {:?}", cells[p]);
        assert!(cells[p][2].1.contains("eingereicht"), "{:?}", cells[p]);
    }
    for p in ["T04", "T05", "T06"] {
        assert_eq!(state_of(&cells, p, 3), "missing", "{p}: {:?}", cells[p]);
        assert!(cells[p][2].1.contains("fehlt"), "{:?}", cells[p]);
    }
    b.screenshot("20-buero-uebersicht");

    // Who is missing, with a prepared reminder.
    b.find("a[href='/uebersicht/ausstehend?jahr=2026&quartal=3']")
        .click();
    wait_title(&b, "Noch ausstehend");
    let missing = b.find("main").text();
    for p in ["T04", "T05", "T06"] {
        assert!(missing.contains(p), "{p} in {missing}");
    }
    b.screenshot("21-buero-ausstehend");

    // The district workbook of Q3 from the board's link, against the JSON.
    b.goto(&server.url("/uebersicht?jahr=2026"));
    wait_title(&b, "Übersicht der Meldungen");
    b.find("tfoot a[href='/kreismappe?jahr=2026&quartal=3']")
        .click();
    let xlsx = b.downloaded("Kreis_2026-Q3.xlsx");
    let office = Account::new(&server, "buero", &office_pw);
    let doc = http()
        .get(
            &server.url("/api/v1/district.json?year=2026&quarter=3"),
            &[office.bearer()],
        )
        .json();
    let grand_total = money(doc["grand_total"].as_str().unwrap());
    let mut wb = calamine::open_workbook_auto(&xlsx).expect("the district workbook opens");
    let sources = wb.worksheet_range("Quellen").expect("Quellen");
    let text: Vec<String> = sources
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    for p in providers {
        let receipt = format!("VER-2026-Q3-{p}-01");
        assert!(text.contains(&receipt), "{receipt} in Quellen: {text:?}");
    }
    // The detail sheets' amounts add up to the JSON's grand total.
    let totals: rust_decimal::Decimal = doc["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| money(t["amount"].as_str().unwrap()))
        .sum();
    assert_eq!(totals, grand_total);
    let overview = wb.worksheet_range("Übersicht").expect("Übersicht");
    let numbers: Vec<f64> = overview
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            _ => None,
        })
        .collect();
    let expected: f64 = grand_total.to_string().parse().unwrap();
    assert!(
        numbers.iter().any(|n| (n - expected).abs() < 0.005),
        "the overview shows the grand total {expected}: {numbers:?}"
    );
    log_out(&b);

    // The controlling adopts the budget plan, then sees table and charts.
    log_in(
        &b,
        &server,
        "controlling",
        &controlling_pw,
        "Übersicht der Meldungen",
    );
    b.goto(&server.url("/controlling/budgetplan"));
    wait_title(&b, "Budgetplan");
    b.find("#file")
        .type_text(&samples().join("Budgetplan_2026.xlsx").to_string_lossy());
    b.find("form.upload button[type=submit]").click();
    wait_title(&b, "Budgetplan");
    assert!(b.find("p.alert.ok").text().contains("übernommen"));
    b.find("nav.main a[href='/controlling']").click();
    wait_title(&b, "Controlling");
    let rows = b.all("table.plan-actual tbody tr");
    assert!(rows.len() >= 6, "a row per Sozialraum and category");
    let table = b.find("table.plan-actual").text();
    for s in ["Achim", "Verden", "Oyten/Ottersberg", "Langwedel"] {
        assert!(table.contains(s), "{s} in {table}");
    }
    let images: Vec<String> = b
        .all("figure.chart img")
        .iter()
        .map(|i| i.attr("src"))
        .collect();
    assert_eq!(images.len(), 2, "two charts");
    for img in b.all("figure.chart img") {
        assert!(!img.attr("alt").is_empty(), "a text alternative");
    }
    b.screenshot("22-controlling");
    for src in &images {
        b.goto(&server.url(src));
        let svg = b.source();
        assert!(svg.contains("<svg"), "{src}: {svg}");
        assert!(svg.contains("<title"), "{src}: a title");
        assert!(svg.contains("€"), "{src}: an axis in euros");
        assert!(svg.contains(r#"class="legend""#), "{src}: a legend");
    }
    // No stored files for the controlling.
    let any = http()
        .get(
            &server.url("/api/v1/submissions"),
            &[Account::new(&server, "controlling", &controlling_pw).bearer()],
        )
        .json();
    let id = any["submissions"][0]["id"].as_str().unwrap().to_string();
    b.goto(&server.url(&format!("/meldungen/{id}/datei")));
    wait_title(&b, "Nicht erlaubt");
    b.goto(&server.url("/controlling"));
    wait_title(&b, "Controlling");
    log_out(&b);

    // The deadline has passed: missing turns overdue (the session of
    // 10 October has expired too; log in again).
    set_clock(&clock, "2026-10-16T08:00:00Z");
    log_in(&b, &server, "buero", &office_pw, "Übersicht der Meldungen");
    let cells = board(&b);
    for p in ["T04", "T05", "T06"] {
        assert_eq!(state_of(&cells, p, 3), "overdue", "{p}: {:?}", cells[p]);
        assert!(cells[p][2].1.contains("überfällig"), "{:?}", cells[p]);
    }
    for p in providers {
        assert_eq!(state_of(&cells, p, 3), "submitted", "{p}");
    }
    b.screenshot("23-buero-ueberfaellig");
}
