//! The controlling in the portal: budget plans (checked as `audit --budget`
//! checks them, refused with their findings, kept with their history), the
//! plan/actual page with the figures of `sozialraum audit`, the SVG charts,
//! the controlling workbook, and who may see what.

mod portal_support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use calamine::Reader;
use portal_support::*;
use serde_json::Value;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(samples().join(name)).expect("sample")
}

const PLAN: &str = "Budgetplan_2026.xlsx";
const PROVIDERS: [&str; 3] = ["T01", "T02", "T03"];

fn submissions() -> Vec<String> {
    PROVIDERS
        .iter()
        .flat_map(|p| (1..=3).map(move |q| format!("{p}_2026-Q{q}.xlsx")))
        .collect()
}

fn upload_plan(server: &Server, who: &Account, name: &str, bytes: &[u8]) -> Reply {
    http().post_multipart(
        &server.url("/api/v1/budget"),
        &[],
        Some((name, bytes)),
        &[who.bearer()],
    )
}

/// The sample plan rewritten with one `Budget` cell made text: its row
/// (1-based, as Excel counts) and the bytes.
fn flawed_plan() -> (u32, Vec<u8>) {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(samples().join(PLAN)).expect("sample plan");
    let range = wb.worksheet_range("Budgetplan").expect("sheet Budgetplan");
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("Budgetplan").unwrap();
    let (r0, c0) = range.start().unwrap();
    let mut bad_row = None;
    for (r, row) in range.rows().enumerate() {
        let excel_row = r0 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = (c0 + c as u32) as u16;
            match cell {
                calamine::Data::Float(f) if bad_row.is_none() && col == 3 => {
                    let _ = f;
                    ws.write_string(excel_row, col, "viel Geld").unwrap();
                    bad_row = Some(excel_row + 1);
                }
                calamine::Data::Float(f) => {
                    ws.write_number(excel_row, col, *f).unwrap();
                }
                calamine::Data::Int(i) => {
                    ws.write_number(excel_row, col, *i as f64).unwrap();
                }
                calamine::Data::String(s) => {
                    ws.write_string(excel_row, col, s).unwrap();
                }
                _ => {}
            }
        }
    }
    (
        bad_row.expect("a Budget cell in column D"),
        out.save_to_buffer().unwrap(),
    )
}

/// `sozialraum audit --format json` on the sample submissions and plan.
fn cli_audit() -> Value {
    let mut cmd = Command::new(bin());
    cmd.args(["audit", "--format", "json", "--budget"])
        .arg(samples().join(PLAN));
    for f in submissions() {
        cmd.arg(samples().join(f));
    }
    let out = cmd.output().expect("audit");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("audit JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

/// `-1627150.36` → `−1.627.150,36 €` (with `+` for a positive deviation).
fn german_money(s: &str, signed: bool) -> String {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let body = format!("{grouped},{frac:0<2} €");
    let zero = digits.chars().all(|c| c == '0' || c == '.');
    match (neg, signed && !zero) {
        (true, _) => format!("−{body}"),
        (false, true) => format!("+{body}"),
        (false, false) => body,
    }
}

fn german_pct(v: &Value) -> String {
    match v.as_str() {
        None => "–".into(),
        Some(p) => {
            let shown = p.replace('.', ",");
            match shown.strip_prefix('-') {
                Some(rest) => format!("−{rest} %"),
                None if shown.trim_start_matches(['0', ',']).is_empty() => format!("{shown} %"),
                None => format!("+{shown} %"),
            }
        }
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The plan/actual table of the page: (block title, Sozialraum) → cells.
fn table_of(html: &str) -> HashMap<(String, String), Vec<String>> {
    let start = html
        .find("<table class=\"plan-actual\">")
        .expect("the table");
    let end = start + html[start..].find("</table>").expect("its end");
    let mut block = String::new();
    let mut out = HashMap::new();
    for tr in html[start..end].split("<tr").skip(2) {
        let cells: Vec<String> = tr
            .split("<t")
            .skip(1)
            .filter(|c| c.starts_with('h') || c.starts_with('d'))
            .map(|c| strip_tags(&format!("<t{c}")))
            .collect();
        if tr.starts_with(" class=\"block\"") {
            block = cells.first().cloned().unwrap_or_default();
        } else if let Some((area, rest)) = cells.split_first() {
            out.insert((block.clone(), area.clone()), rest.to_vec());
        }
    }
    out
}

fn well_formed(svg: &str) {
    let mut r = quick_xml::Reader::from_str(svg);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("SVG is not XML: {e}\n{svg}"),
        }
    }
}

fn audit_actions(server: &Server) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(server.data.join("sozialraum.db")).unwrap();
    let mut st = conn
        .prepare("SELECT action, COALESCE(object, '') FROM audit ORDER BY id")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<(String, String)>, _>>()
        .unwrap();
    rows
}

#[test]
fn the_controlling_page_shows_the_figures_of_sozialraum_audit_with_charts_and_workbook() {
    let server = Server::start(&[]);
    let ctrl = server.account("controlling", "controlling");
    let office = server.account("buero", "office");
    for p in PROVIDERS {
        let who = server.provider(p);
        for q in 1..=3 {
            let name = format!("{p}_2026-Q{q}.xlsx");
            let r = http().post_multipart(
                &server.url("/api/v1/submissions"),
                &[("acknowledge_warnings", "true")],
                Some((&name, &sample(&name))),
                &[who.bearer()],
            );
            assert_eq!(r.status, 201, "{name}: {}", r.text());
        }
    }
    // Without a plan: a clear message and the way to the upload.
    let web = WebSession::login(&server, &ctrl.login, &ctrl.password);
    let page = http().get(&server.url("/controlling?jahr=2026"), &web.headers());
    assert_eq!(page.status, 200);
    assert!(page
        .text()
        .contains("Für 2026 gibt es noch keinen Budgetplan"));
    assert!(page.text().contains("href=\"/controlling/budgetplan\""));

    let r = upload_plan(&server, &ctrl, PLAN, &sample(PLAN));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["year"], 2026);
    assert_eq!(r.json()["status"], "current");

    let page = http().get(&server.url("/controlling?jahr=2026"), &web.headers());
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.header("cache-control"), "no-store");
    let html = page.text();
    assert!(html.contains("<h1>Controlling 2026, Q1–Q3</h1>"), "{html}");
    assert!(html.contains("href=\"/controlling\" aria-current=\"page\">Controlling</a>"));
    assert!(!html.contains("style="), "no inline style under the CSP");

    // The same figures as the command line on the same files and plan.
    let table = table_of(&html);
    let cli = cli_audit();
    assert_eq!(cli["quarters"], serde_json::json!([1, 2, 3]));
    let rows = cli["rows"].as_array().unwrap();
    assert!(rows.len() >= 12, "{cli}");
    for row in rows {
        let category = row["category"].as_str().unwrap();
        let block = if category == "Fallarbeit+Milieuarbeit" {
            "Fallarbeit und Milieuarbeit zusammen"
        } else {
            category
        };
        let area = row["sozialraum"].as_str().unwrap_or("Landkreis gesamt");
        let cells = table
            .get(&(block.to_string(), area.to_string()))
            .unwrap_or_else(|| panic!("no row {block} / {area} in {table:?}"));
        let money = |k: &str, signed| german_money(row[k].as_str().unwrap(), signed);
        assert_eq!(cells[0], money("budget", false), "{block}/{area} budget");
        assert_eq!(cells[1], money("budget_pro_rata", false), "{block}/{area}");
        assert_eq!(cells[2], money("actual", false), "{block}/{area} actual");
        assert_eq!(cells[3], money("deviation", true), "{block}/{area} dev");
        assert_eq!(
            cells[4],
            german_pct(&row["deviation_pct"]),
            "{block}/{area}"
        );
        assert_eq!(cells[5], money("projection", false), "{block}/{area}");
        let status = match (row["status"].as_str(), row["direction"].as_str()) {
            (Some("ok"), _) => "ok".to_string(),
            (Some("warning"), Some("over")) => "Warnung: Überschreitung".into(),
            (Some("warning"), Some("under")) => "Warnung: Unterschreitung".into(),
            (Some("alert"), Some("over")) => "Alarm: Überschreitung".into(),
            (Some("alert"), _) => "Alarm: Unterschreitung".into(),
            other => panic!("status {other:?}"),
        };
        assert_eq!(cells[6], status, "{block}/{area} status");
    }
    assert!(html.contains("class=\"budget-status st-"));

    // The charts: XML with a title, axis labels, a legend; the same bytes twice.
    for name in ["budget", "quartale"] {
        let url = server.url(&format!("/controlling/diagramm/{name}.svg?jahr=2026"));
        assert!(html.contains(&format!(
            "src=\"/controlling/diagramm/{name}.svg?jahr=2026\""
        )));
        let a = http().get(&url, &web.headers());
        let b = http().get(&url, &web.headers());
        assert_eq!(a.status, 200, "{}", a.text());
        assert!(a.header("content-type").starts_with("image/svg+xml"));
        assert_eq!(a.header("cache-control"), "no-store");
        assert_eq!(a.body, b.body, "{name}.svg differs between two requests");
        let svg = a.text();
        well_formed(&svg);
        assert!(svg.contains("<title id=\"chart-title\">"), "{svg}");
        assert!(svg.contains("<desc id=\"chart-desc\">"));
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\""));
        assert!(svg.contains(">Euro</text>"), "value axis title");
        assert!(svg.contains(" €</text>"), "axis labels in euros: {svg}");
        assert!(!svg.contains("style="));
    }
    let budget = http()
        .get(
            &server.url("/controlling/diagramm/budget.svg?jahr=2026"),
            &web.headers(),
        )
        .text();
    assert!(budget.contains(">Fall+Milieu: Ist</text>"), "legend entry");
    assert!(budget.contains(">Achim</text>"), "a Sozialraum on its axis");
    let quarters = http()
        .get(
            &server.url("/controlling/diagramm/quartale.svg?jahr=2026"),
            &web.headers(),
        )
        .text();
    assert!(quarters.contains(">Strukturarbeit</text>"), "legend entry");
    assert!(quarters.contains(">Q3 2026</text>"));

    // Q1–Q2 only.
    let two = http().get(&server.url("/controlling?jahr=2026&bis=2"), &web.headers());
    assert!(two.text().contains("<h1>Controlling 2026, Q1–Q2</h1>"));

    // The workbook, from the page and the API (office too), in the audit trail.
    let wb = http().get(
        &server.url("/controlling/auswertung.xlsx?jahr=2026"),
        &web.headers(),
    );
    assert_eq!(wb.status, 200);
    assert!(wb
        .header("content-disposition")
        .contains("Controlling_2026-Q3.xlsx"));
    assert_eq!(wb.header("cache-control"), "no-store");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(wb.body.clone())).expect("xlsx");
    assert!(book.sheet_names().contains(&"Abweichungen".to_string()));
    assert!(book.worksheet_range("Abweichungen").is_ok());
    for (who, q, name) in [
        (&ctrl, "", "Controlling_2026-Q3.xlsx"),
        (&office, "&quarters=1-2", "Controlling_2026-Q2.xlsx"),
    ] {
        let r = http().get(
            &server.url(&format!("/api/v1/audit.xlsx?year=2026{q}")),
            &[who.bearer()],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.header("content-disposition").contains(name));
        calamine::Xlsx::new(std::io::Cursor::new(r.body)).expect("xlsx from the API");
    }
    let downloads: Vec<String> = audit_actions(&server)
        .into_iter()
        .filter(|(a, _)| a == "download_controlling")
        .map(|(_, o)| o)
        .collect();
    assert_eq!(
        downloads,
        [
            "Controlling_2026-Q3.xlsx",
            "Controlling_2026-Q3.xlsx",
            "Controlling_2026-Q2.xlsx"
        ]
    );
    let bad = http().get(
        &server.url("/api/v1/audit.xlsx?year=20x6"),
        &[ctrl.bearer()],
    );
    assert_eq!(bad.status, 400);
    let none = http().get(
        &server.url("/api/v1/audit.xlsx?year=2025"),
        &[ctrl.bearer()],
    );
    assert_eq!(none.status, 404);

    // English.
    let en = http().get(
        &server.url("/controlling?jahr=2026"),
        &[(
            "Cookie".into(),
            format!("{}; sr_lang=en", web.headers()[0].1),
        )],
    );
    assert!(en
        .text()
        .contains("Plan and actual per Sozialraum and category"));
    assert!(en.text().contains("Fallarbeit and Milieuarbeit together"));

    // Office reads, but does not upload.
    let office_web = WebSession::login(&server, &office.login, &office.password);
    let page = http().get(&server.url("/controlling?jahr=2026"), &office_web.headers());
    assert_eq!(page.status, 200);
    let plans = http().get(
        &server.url("/controlling/budgetplan"),
        &office_web.headers(),
    );
    assert_eq!(plans.status, 200);
    assert!(!plans.text().contains("type=\"file\""));
    let r = http().post_multipart(
        &server.url("/controlling/budgetplan"),
        &[("csrf", &office_web.csrf)],
        Some((PLAN, &sample(PLAN))),
        &office_web.headers(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        upload_plan(&server, &office, PLAN, &sample(PLAN)).status,
        403
    );
}

#[test]
fn providers_get_403_on_every_controlling_route() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let web = WebSession::login(&server, &t01.login, &t01.password);
    for route in [
        "/controlling?jahr=2026",
        "/controlling/budgetplan",
        "/controlling/diagramm/budget.svg?jahr=2026",
        "/controlling/diagramm/quartale.svg?jahr=2026",
        "/controlling/auswertung.xlsx?jahr=2026",
    ] {
        let r = http().get(&server.url(route), &web.headers());
        assert_eq!(r.status, 403, "{route}");
    }
    let page = http().get(&server.url("/pruefen"), &web.headers());
    assert!(
        !page.text().contains("href=\"/controlling\""),
        "no nav entry"
    );
    let r = http().post_multipart(
        &server.url("/controlling/budgetplan"),
        &[("csrf", &web.csrf)],
        Some((PLAN, &sample(PLAN))),
        &web.headers(),
    );
    assert_eq!(r.status, 403);
    for route in ["/api/v1/budget", "/api/v1/audit.xlsx?year=2026"] {
        let r = http().get(&server.url(route), &[t01.bearer()]);
        assert_eq!(r.status, 403, "{route}");
    }
    assert_eq!(upload_plan(&server, &t01, PLAN, &sample(PLAN)).status, 403);
    // Without a session: the login, never the data.
    let r = http().get(&server.url("/controlling/diagramm/budget.svg"), &[]);
    assert_eq!(r.status, 303);
    let r = http().get(&server.url("/api/v1/budget"), &[]);
    assert_eq!(r.status, 401);
}

#[test]
fn a_budget_plan_is_refused_with_its_findings_and_kept_with_its_history() {
    let server = Server::start(&[]);
    let ctrl = server.account("controlling", "controlling");
    let web = WebSession::login(&server, &ctrl.login, &ctrl.password);
    let (row, flawed) = flawed_plan();

    // API: 422 with the finding at its cell.
    let r = upload_plan(&server, &ctrl, "Budgetplan_kaputt.xlsx", &flawed);
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    assert_eq!(v["reason"], "errors");
    let cells: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["cell"].as_str())
        .collect();
    assert!(cells.contains(&format!("D{row}").as_str()), "{v}");

    // The page: refused, the finding at its cell; without the token: 403.
    let r = http().post_multipart(
        &server.url("/controlling/budgetplan"),
        &[("csrf", &web.csrf)],
        Some(("Budgetplan_kaputt.xlsx", &flawed)),
        &web.headers(),
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("Budgetplan nicht übernommen"));
    assert!(r
        .text()
        .contains(&format!("<td class=\"cell\">D{row}</td>")));
    let r = http().post_multipart(
        &server.url("/controlling/budgetplan"),
        &[],
        Some((PLAN, &sample(PLAN))),
        &web.headers(),
    );
    assert_eq!(r.status, 403, "no CSRF token");
    // Not a workbook at all.
    let r = upload_plan(&server, &ctrl, "plan.xlsx", b"kein Excel");
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reason"], "unreadable");
    assert!(r.json()["error"].as_str().unwrap().contains("plan.xlsx"));

    // Adopted through the page, then replaced through the API.
    let r = http().post_multipart(
        &server.url("/controlling/budgetplan"),
        &[("csrf", &web.csrf)],
        Some((PLAN, &sample(PLAN))),
        &web.headers(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let back = http().get(&server.url(r.header("location")), &web.headers());
    assert!(back.text().contains("Der Budgetplan ist übernommen"));
    let second = upload_plan(&server, &ctrl, "Budgetplan_2026_neu.xlsx", &sample(PLAN));
    assert_eq!(second.status, 201);
    let list = http()
        .get(&server.url("/api/v1/budget"), &[ctrl.bearer()])
        .json();
    let plans = list["plans"].as_array().unwrap();
    let shown: Vec<(&str, &str)> = plans
        .iter()
        .map(|p| {
            (
                p["file_name"].as_str().unwrap(),
                p["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [("Budgetplan_2026_neu.xlsx", "current"), (PLAN, "replaced")]
    );
    assert_eq!(plans[0]["account"], "controlling");
    assert_eq!(plans[0]["total"], plans[1]["total"]);
    let page = http()
        .get(&server.url("/controlling/budgetplan"), &web.headers())
        .text();
    assert!(page.contains(">gilt</span>") && page.contains(">ersetzt</span>"));
    let uploads = audit_actions(&server)
        .into_iter()
        .filter(|(a, _)| a == "budget_upload")
        .count();
    assert_eq!(uploads, 5, "three refusals and two uploads");

    // The plan's file survives a restart (the start sweeps unnamed files).
    let sha = plans[0]["sha256"].as_str().unwrap().to_string();
    let stored: PathBuf = server.data.join("files").join(&sha[..2]).join(&sha);
    assert!(stored.exists());
    let (dir, data) = server.into_dir();
    let again = Server::start_on(dir, data, &[]);
    assert!(stored.exists(), "the plan's file was swept");
    let list = http()
        .get(&again.url("/api/v1/budget"), &[ctrl.bearer()])
        .json();
    assert_eq!(list["plans"].as_array().unwrap().len(), 2);
}
