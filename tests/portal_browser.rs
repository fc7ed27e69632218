//! The portal in a real browser: headless Chromium driven through
//! chromedriver against the real binary on 127.0.0.1. A provider logs in
//! with the keyboard, checks a flawed workbook, sees the error rows,
//! downloads the annotated copy, checks a clean one, submits it, gets the
//! receipt, finds it under *Meine Meldungen*, replaces and withdraws it.
//! Every page is photographed to `target/tmp/portal-screenshots/`.

mod portal_support;

use std::time::{Duration, Instant};

use portal_support::webdriver::Browser;
use portal_support::*;

/// Waits until the page's title starts with `prefix`.
fn wait_title(b: &Browser, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let title = b.title();
        if title.starts_with(prefix) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "title {title:?} at {}, expected {prefix:?}",
            b.current_url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn upload(b: &Browser, path: &std::path::Path) {
    b.find("#file").type_text(&path.to_string_lossy());
    b.find("form.upload button[type=submit]").click();
}

#[test]
fn a_provider_checks_submits_and_replaces_in_a_browser() {
    let server = Server::start(&[]);
    let password = server.add_user("t01", "provider", Some("T01"));
    let b = Browser::start();

    b.goto(&server.url("/"));
    wait_title(&b, "Anmelden");
    assert!(b.current_url().ends_with("/anmelden"));
    b.screenshot("01-anmelden");

    // With the keyboard only: type, Tab to the password, Enter.
    b.find("#login").click();
    b.active().type_text("t01");
    b.keys("\u{E004}");
    assert_eq!(b.active().attr("id"), "password");
    b.active().type_text(&password);
    b.keys("\u{E007}");
    wait_title(&b, "Prüfen");
    assert_eq!(
        b.find("nav.main a[aria-current=page]").text(),
        "Prüfen",
        "the navigation marks the page"
    );
    assert_eq!(b.find("label[for=file]").text(), "Arbeitsmappe");
    // The drag-and-drop enhancement runs under the CSP (our own script file).
    assert!(b.find("form.upload").attr("class").contains("droppable"));
    assert!(b.find("#file-help").text().contains("ziehen"));
    b.screenshot("02-pruefen");

    // A flawed workbook: the error rows, at their cells.
    upload(&b, &samples().join("fehlerhaft/T04_2026-Q3.xlsx"));
    wait_title(&b, "Prüfergebnis");
    let errors = b.all("tr.sev-error");
    assert_eq!(errors.len(), 7, "seven errors");
    let cells: Vec<String> = b
        .all("tr.sev-error td.cell")
        .iter()
        .map(|c| c.text())
        .collect();
    assert!(cells.contains(&"B4".to_string()), "{cells:?}");
    assert!(b.find(".verdict").text().contains("Nicht annehmbar"));
    assert!(
        b.all("form[action='/einreichen']").is_empty(),
        "no submit button with errors"
    );
    b.screenshot("03-befunde");

    // The annotated copy.
    b.find("a[download]").click();
    let copy = b.downloaded(".xlsx");
    let bytes = std::fs::read(&copy).unwrap();
    assert!(bytes.starts_with(b"PK"), "{}", copy.display());
    assert!(copy.to_string_lossy().contains("T04_2026-Q3"));

    // A clean one, submitted with one click from the result.
    b.find("nav.main a[href='/pruefen']").click();
    wait_title(&b, "Prüfen");
    upload(&b, &samples().join("T01_2026-Q3.xlsx"));
    wait_title(&b, "Prüfergebnis");
    assert!(b.find(".verdict").text().contains("Annehmbar"));
    b.screenshot("04-sauber");
    b.find("form[action='/einreichen'] button").click();
    wait_title(&b, "Eingangsbestätigung");
    assert_eq!(b.find(".receipt-no").text(), "VER-2026-Q3-T01-01");
    assert!(b.find("dl.receipt").text().contains("eingereicht"));
    b.screenshot("05-quittung");

    // Meine Meldungen.
    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    let rows = b.all("table.list tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().contains("eingereicht"));
    b.screenshot("06-meldungen");

    // Submitting again for the same period replaces it.
    b.find("nav.main a[href='/einreichen']").click();
    wait_title(&b, "Einreichen");
    b.screenshot("07-einreichen");
    upload(&b, &samples().join("T01_2026-Q3.xlsx"));
    wait_title(&b, "Eingangsbestätigung");
    assert_eq!(b.find(".receipt-no").text(), "VER-2026-Q3-T01-02");
    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    assert_eq!(b.all("table.list tbody tr").len(), 2);
    assert_eq!(b.all("tr.row-replaced").len(), 1);
    assert_eq!(b.all("tr.row-submitted").len(), 1);
    b.screenshot("08-ersetzt");

    // A flawed file at Einreichen is refused with its findings.
    b.find("nav.main a[href='/einreichen']").click();
    wait_title(&b, "Einreichen");
    upload(&b, &samples().join("fehlerhaft/T04_2026-Q3.xlsx"));
    wait_title(&b, "Nicht eingereicht");
    assert!(b.find("p.alert.error").text().contains("nicht eingereicht"));
    b.screenshot("09-abgelehnt");

    // English, then withdraw the current one from its receipt.
    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    b.find("a.lang").click();
    wait_title(&b, "My submissions");
    b.screenshot("10-english");
    b.find("a.lang").click();
    wait_title(&b, "Meine Meldungen");
    b.find("tr.row-submitted a").click();
    wait_title(&b, "Eingangsbestätigung");
    b.find("a.button.danger").click();
    wait_title(&b, "Eingangsbestätigung");
    assert!(b
        .find(".alert.confirm")
        .text()
        .contains("wirklich zurückziehen"));
    b.screenshot("11a-zurueckziehen-frage");
    b.find(".alert.confirm button.danger").click();
    wait_title(&b, "Meine Meldungen");
    assert!(b.find("p.alert.ok").text().contains("zurückgezogen"));
    assert_eq!(b.all("tr.row-withdrawn").len(), 1);
    b.screenshot("11-zurueckgezogen");

    // The one account page: the own password.
    b.find("header a[href='/passwort']").click();
    wait_title(&b, "Passwort ändern");
    b.find("#current").type_text(&password);
    b.find("#new").type_text("ein-neues-langes-Passwort");
    b.find("#repeat").type_text("ein-neues-langes-Passwort");
    b.find("form.card button[type=submit]").click();
    wait_title(&b, "Passwort ändern");
    assert!(b.find("p.alert.ok").text().contains("geändert"));
    b.screenshot("13-passwort");
}

/// The README's `serve --demo`: the printed address shows the login, and a
/// printed account sees its submitted samples.
#[test]
fn the_demo_shows_the_login_and_a_filled_portal() {
    let server = Server::start(&["--demo"]);
    let t03 = server
        .banner
        .iter()
        .find(|l| l.trim_start().starts_with("t03 "))
        .unwrap_or_else(|| panic!("no t03 account in {:?}", server.banner));
    let password = t03.split_whitespace().last().unwrap();
    let b = Browser::start();
    b.goto(&server.base);
    wait_title(&b, "Anmelden");
    b.find("#login").type_text("t03");
    b.find("#password").type_text(password);
    b.find("form.card button[type=submit]").click();
    wait_title(&b, "Prüfen");
    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    assert_eq!(b.all("table.list tbody tr").len(), 3, "Q1 to Q3 of T03");
    b.screenshot("12-demo-meldungen");
}
