//! The portal in a real browser: headless Chromium driven through
//! chromedriver against the real binary on 127.0.0.1. A provider logs in
//! with the keyboard, checks a flawed workbook, sees the error rows,
//! downloads the annotated copy, checks a clean one, submits it, gets the
//! receipt, finds it under *Meine Meldungen*, replaces and withdraws it.
//! Every page is photographed to `target/tmp/portal-screenshots/`.
//! axe-core audits the provider's pages for accessibility, and a workbook
//! dropped on the upload form (a synthesized drag) gets checked.

mod portal_support;

use std::time::Duration;

use portal_support::webdriver::{wait_title, Browser};
use portal_support::*;

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

/// The axe-core engine (tests/fixtures/axe-core, MPL-2.0), injected into a
/// page through WebDriver.
const AXE: &str = include_str!("fixtures/axe-core/axe.min.js");

/// Runs axe-core on the open page; the violations of impact serious or
/// critical, each with its rule, help and the elements it found.
fn accessibility_violations(b: &Browser) -> Vec<String> {
    let loaded = b.execute(
        &format!("{AXE}\n;return typeof axe;"),
        serde_json::json!([]),
    );
    assert_eq!(loaded, "object", "axe-core did not load");
    let found = b.execute_async(
        r#"
        var done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
          done(r.violations
            .filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
            .map(function (v) {
              return v.impact + " " + v.id + ": " + v.help + "\n    " +
                v.nodes.map(function (n) { return n.target.join(" ") + " — " + n.failureSummary; })
                  .join("\n    ");
            }));
        }, function (e) { done(["axe failed: " + e]); });
        "#,
        serde_json::json!([]),
        Duration::from_secs(60),
    );
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_else(|| vec![format!("unexpected answer from axe: {found}")])
}

/// Fails with every serious or critical violation of every page audited.
fn audit(b: &Browser, page: &str, failures: &mut Vec<String>) {
    for v in accessibility_violations(b) {
        failures.push(format!("{page} ({}): {v}", b.current_url()));
    }
}

#[test]
fn the_provider_pages_pass_an_automated_accessibility_audit() {
    let server = Server::start(&[]);
    let password = server.add_user("t01", "provider", Some("T01"));
    let b = Browser::start();
    let mut failures = vec![];

    b.goto(&server.url("/anmelden"));
    wait_title(&b, "Anmelden");
    audit(&b, "Anmelden", &mut failures);
    b.find("#login").type_text("t01");
    b.find("#password").type_text(&password);
    b.find("form button[type=submit]").click();
    wait_title(&b, "Prüfen");
    audit(&b, "Prüfen", &mut failures);

    upload(&b, &samples().join("fehlerhaft/T04_2026-Q3.xlsx"));
    wait_title(&b, "Prüfergebnis");
    assert_eq!(b.all("tr.sev-error").len(), 7);
    audit(&b, "Prüfergebnis mit Befunden", &mut failures);

    b.find("nav.main a[href='/pruefen']").click();
    wait_title(&b, "Prüfen");
    upload(&b, &samples().join("T01_2026-Q3.xlsx"));
    wait_title(&b, "Prüfergebnis");
    b.find("form[action='/einreichen'] button").click();
    wait_title(&b, "Eingangsbestätigung");
    audit(&b, "Eingangsbestätigung", &mut failures);

    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    audit(&b, "Meine Meldungen", &mut failures);
    b.find("nav.main a[href='/einreichen']").click();
    wait_title(&b, "Einreichen");
    audit(&b, "Einreichen", &mut failures);
    upload(&b, &samples().join("fehlerhaft/T04_2026-Q3.xlsx"));
    wait_title(&b, "Nicht eingereicht");
    audit(&b, "Nicht eingereicht", &mut failures);

    b.find("nav.main a[href='/meldungen']").click();
    wait_title(&b, "Meine Meldungen");
    b.find("a.lang").click();
    wait_title(&b, "My submissions");
    audit(&b, "My submissions", &mut failures);

    assert!(
        failures.is_empty(),
        "accessibility violations (serious, critical):\n{}",
        failures.join("\n")
    );
}

/// Drag and drop: WebDriver cannot drag a file from the desktop, so the
/// page gets a `File` built from the workbook's bytes in a `DataTransfer`,
/// and dragenter, dragover and drop on the drop zone: the page's own
/// handler puts it into the form, which then checks it.
#[test]
fn a_workbook_dropped_on_the_upload_form_is_checked() {
    let server = Server::start(&[]);
    let password = server.add_user("t01", "provider", Some("T01"));
    let b = Browser::start();
    b.goto(&server.url("/anmelden"));
    wait_title(&b, "Anmelden");
    b.find("#login").type_text("t01");
    b.find("#password").type_text(&password);
    b.find("form button[type=submit]").click();
    wait_title(&b, "Prüfen");
    assert!(b.find("form.upload").attr("class").contains("droppable"));

    let bytes = std::fs::read(samples().join("fehlerhaft/T04_2026-Q3.xlsx")).unwrap();
    let state = b.execute(
        r#"
        var file = new File([new Uint8Array(arguments[0])], arguments[1],
          { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
        var data = new DataTransfer();
        data.items.add(file);
        var zone = document.querySelector("form.upload");
        // Onto the label inside the zone: the events bubble up to it as a real drag does.
        var target = zone.querySelector("label") || zone;
        var seen = {};
        ["dragenter", "dragover", "drop"].forEach(function (type) {
          var e = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data });
          target.dispatchEvent(e);
          seen[type] = { dragging: zone.classList.contains("dragging"), prevented: e.defaultPrevented };
        });
        var input = zone.querySelector("input[type=file]");
        return { seen: seen, files: input.files.length,
                 name: input.files.length ? input.files[0].name : "",
                 size: input.files.length ? input.files[0].size : 0,
                 focused: document.activeElement === input };
        "#,
        serde_json::json!([bytes, "T04_2026-Q3.xlsx"]),
    );
    assert_eq!(state["seen"]["dragenter"]["dragging"], true, "{state}");
    assert_eq!(
        state["seen"]["dragover"]["prevented"], true,
        "the zone accepts the drop: {state}"
    );
    assert_eq!(state["seen"]["drop"]["dragging"], false, "{state}");
    assert_eq!(
        state["seen"]["drop"]["prevented"], true,
        "the browser does not open the file: {state}"
    );
    assert_eq!(state["files"], 1, "{state}");
    assert_eq!(state["name"], "T04_2026-Q3.xlsx");
    assert_eq!(state["size"], bytes.len());
    assert_eq!(
        state["focused"], true,
        "the field with the file has the focus"
    );

    b.find("form.upload button[type=submit]").click();
    wait_title(&b, "Prüfergebnis");
    assert_eq!(
        b.all("tr.sev-error").len(),
        7,
        "the dropped file's findings"
    );
    assert!(b.find(".verdict").text().contains("Nicht annehmbar"));
    b.screenshot("14-abgelegt");
}
