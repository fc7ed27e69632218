//! The rights of `../shared/domain/portal.md` over every route of the
//! office and the controlling, in one table: a provider gets `403` on each
//! (by session and by token), the controlling gets `403` on every stored
//! file, the office `403` on the budget plan upload; and the roles that may,
//! do (no `403`). A route added later without its check fails here once it
//! is in the table.

mod portal_support;

use portal_support::*;

/// The office's and the controlling's page routes (session).
const PAGES: &[&str] = &[
    "/uebersicht?jahr=2026",
    "/uebersicht/ausstehend?jahr=2026&quartal=3",
    "/uebersicht/ausstehend.csv?jahr=2026&quartal=3",
    "/kreismappe?jahr=2026&quartal=3",
    "/kreismappe?jahr=2026&quartale=1-3",
    "/controlling?jahr=2026",
    "/controlling/budgetplan",
    "/controlling/diagramm/budget.svg?jahr=2026",
    "/controlling/diagramm/quartale.svg?jahr=2026",
    "/controlling/auswertung.xlsx?jahr=2026",
];

/// Their API routes (bearer token).
const API: &[&str] = &[
    "/api/v1/status?year=2026&quarter=3",
    "/api/v1/district.xlsx?year=2026&quarter=3",
    "/api/v1/district.json?year=2026&quarters=1-3",
    "/api/v1/budget",
    "/api/v1/audit.xlsx?year=2026",
];

fn plan() -> Vec<u8> {
    std::fs::read(samples().join("Budgetplan_2026.xlsx")).unwrap()
}

#[test]
fn every_office_and_controlling_route_checks_the_role() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let sample = std::fs::read(samples().join("T01_2026-Q3.xlsx")).unwrap();
    let r = http().post_multipart(
        &server.url("/api/v1/submissions"),
        &[("acknowledge_warnings", "true")],
        Some(("T01_2026-Q3.xlsx", &sample)),
        &[t01.bearer()],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let office = server.account("amt", "office");
    let controlling = server.account("ctrl", "controlling");
    let r = http().post_multipart(
        &server.url("/api/v1/budget"),
        &[],
        Some(("Budgetplan_2026.xlsx", &plan())),
        &[controlling.bearer()],
    );
    assert_eq!(r.status, 201, "the plan: {}", r.text());

    let sessions = [
        ("provider", WebSession::login(&server, "t01", &t01.password)),
        (
            "office",
            WebSession::login(&server, "amt", &office.password),
        ),
        (
            "controlling",
            WebSession::login(&server, "ctrl", &controlling.password),
        ),
    ];
    let tokens = [
        ("provider", &t01),
        ("office", &office),
        ("controlling", &controlling),
    ];

    for route in PAGES {
        for (role, s) in &sessions {
            let r = http().get(&server.url(route), &s.headers());
            if *role == "provider" {
                assert_eq!(r.status, 403, "provider session on {route}");
                assert!(
                    !r.text().contains("T01_2026-Q3"),
                    "nothing leaks on {route}"
                );
            } else {
                assert_eq!(r.status, 200, "{role} session on {route}: {}", r.text());
            }
            assert_eq!(r.header("cache-control"), "no-store", "{route}");
        }
    }
    for route in API {
        for (role, a) in &tokens {
            let r = http().get(&server.url(route), &[a.bearer()]);
            if *role == "provider" {
                assert_eq!(r.status, 403, "provider token on {route}");
                assert!(r.json()["error"].is_string(), "a JSON refusal on {route}");
            } else {
                assert_eq!(r.status, 200, "{role} token on {route}: {}", r.text());
            }
        }
        let r = http().get(&server.url(route), &[]);
        assert_eq!(r.status, 401, "no token on {route}");
    }

    // Uploading the budget plan: the controlling only.
    for (role, a) in &tokens {
        let r = http().post_multipart(
            &server.url("/api/v1/budget"),
            &[],
            Some(("Budgetplan_2026.xlsx", &plan())),
            &[a.bearer()],
        );
        let expected = if *role == "controlling" { 201 } else { 403 };
        assert_eq!(r.status, expected, "{role} uploads a plan: {}", r.text());
    }
    for (role, s) in &sessions {
        let r = http().post_multipart(
            &server.url("/controlling/budgetplan"),
            &[("csrf", s.csrf.as_str())],
            Some(("Budgetplan_2026.xlsx", &plan())),
            &s.headers(),
        );
        if *role == "controlling" {
            assert_ne!(r.status, 403, "the controlling uploads by page");
        } else {
            assert_eq!(r.status, 403, "{role} uploads a plan by page");
        }
    }

    // Stored files: the provider its own, the office all, the controlling none.
    let files = [
        format!("/meldungen/{id}/datei"),
        format!("/meldungen/{id}/kommentiert"),
    ];
    let api_files = [
        format!("/api/v1/submissions/{id}/file"),
        format!("/api/v1/submissions/{id}/annotated"),
    ];
    for route in &files {
        for (role, s) in &sessions {
            let r = http().get(&server.url(route), &s.headers());
            let expected = if *role == "controlling" { 403 } else { 200 };
            assert_eq!(r.status, expected, "{role} session on {route}");
        }
    }
    for route in &api_files {
        for (role, a) in &tokens {
            let r = http().get(&server.url(route), &[a.bearer()]);
            let expected = if *role == "controlling" { 403 } else { 200 };
            assert_eq!(r.status, expected, "{role} token on {route}");
        }
    }
}
