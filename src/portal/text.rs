//! Every word the portal shows, German with its English twin on the same
//! line (finding texts come from the registry, as everywhere).

use crate::i18n::Lang;

macro_rules! words {
    ($($name:ident: $de:expr, $en:expr;)*) => {
        /// The portal's fixed texts in one language.
        pub struct Words { $(pub $name: &'static str,)* }
        static DE: Words = Words { $($name: $de,)* };
        static EN: Words = Words { $($name: $en,)* };
    };
}

words! {
    portal_name: "Meldeportal Sozialraumbudget", "Sozialraumbudget reporting portal";
    skip_to_content: "Zum Inhalt springen", "Skip to content";
    other_language: "English", "Deutsch";
    provider_label: "Träger", "Provider";
    logout: "Abmelden", "Log out";
    password_link: "Passwort ändern", "Change password";
    password_title: "Passwort ändern", "Change password";
    current_password: "Bisheriges Passwort", "Current password";
    new_password: "Neues Passwort (mindestens 12 Zeichen)", "New password (at least 12 characters)";
    repeat_password: "Neues Passwort wiederholen", "Repeat the new password";
    password_button: "Passwort ändern", "Change password";
    password_changed: "Ihr Passwort ist geändert; Ihre anderen Sitzungen und API-Tokens sind beendet.", "Your password has been changed; your other sessions and API tokens have ended.";
    password_wrong: "Das bisherige Passwort stimmt nicht.", "The current password is wrong.";
    password_short: "Das neue Passwort ist zu kurz: mindestens 12 Zeichen.", "The new password is too short: at least 12 characters.";
    password_mismatch: "Die beiden neuen Passwörter stimmen nicht überein.", "The two new passwords differ.";
    nav_label: "Hauptnavigation", "Main navigation";
    nav_check: "Prüfen", "Check";
    nav_submit: "Einreichen", "Submit";
    nav_mine: "Meine Meldungen", "My submissions";
    nav_all: "Meldungen", "Submissions";
    // The office's and the controlling's pages (office.rs).
    nav_board: "Übersicht", "Overview";
    board_title: "Übersicht der Meldungen", "Submission overview";
    board_caption: "Meldestand je Träger und Quartal", "Submission status per provider and quarter";
    board_years: "Jahr wählen", "Choose a year";
    board_previous_year: "Vorjahr", "Previous year";
    board_next_year: "Folgejahr", "Next year";
    board_current: "laufendes Quartal", "current quarter";
    board_deadline: "Frist", "Deadline";
    board_lists: "Listen und Kreismappe", "Lists and district workbook";
    board_open: "Meldungen ansehen", "See the submissions";
    state_missing: "fehlt", "missing";
    state_overdue: "überfällig", "overdue";
    state_submitted: "eingereicht", "submitted";
    late: "verspätet", "late";
    legend_title: "Legende", "Legend";
    legend_missing: "noch keine Meldung; die Frist läuft noch.", "no submission yet; the deadline has not passed.";
    legend_overdue: "keine Meldung, und die Frist ist abgelaufen.", "no submission, and the deadline has passed.";
    legend_submitted: "die aktuelle Meldung liegt vor, mit ihren Fehlern und Warnungen und ihrem Eingang.", "the current submission is in, with its errors and warnings and when it arrived.";
    legend_late: "die aktuelle Meldung ging nach der Frist ein.", "the current submission arrived after the deadline.";
    legend_replaced: "so oft wurde eine Meldung des Quartals durch eine neuere ersetzt.", "how often a submission of the quarter was replaced by a newer one.";
    legend_current: "das laufende Quartal ist hervorgehoben.", "the current quarter is highlighted.";
    outstanding_title: "Noch ausstehend", "Still missing";
    outstanding_none: "Alle Träger haben für diesen Zeitraum eine aktuelle Meldung.", "Every provider has a current submission for this period.";
    outstanding_intro: "Ein Klick auf eine E-Mail-Adresse öffnet eine vorbereitete Erinnerung in Ihrem E-Mail-Programm.", "A click on an e-mail address opens a prepared reminder (in German) in your e-mail program.";
    outstanding_csv: "Liste als CSV-Datei (für Excel)", "List as a CSV file (for Excel)";
    outstanding_quarters: "Quartal wählen", "Choose a quarter";
    outstanding_no_address: "Ohne E-Mail-Adresse: Der Träger hat noch keine Meldung mit Ansprechperson und E-Mail eingereicht, und die Stammdaten der Konfiguration nennen keine (contact und email bei [[provider]]).", "Without an e-mail address: the provider has not yet submitted a workbook naming a contact and e-mail, and the configuration's master data names none (contact and email under [[provider]]).";
    reminder_title: "Erinnerung schreiben an", "Write a reminder to";
    col_provider_id: "Träger-Nr.", "Provider no.";
    col_provider_name: "Träger", "Provider";
    col_contact: "Ansprechperson", "Contact";
    col_email: "E-Mail", "E-mail";
    back_to_board: "Zur Übersicht", "Back to the overview";
    deadline_passed: "abgelaufen", "passed";
    deadline_open: "läuft noch", "not yet passed";
    list_show_all: "alle Meldungen zeigen", "show all submissions";
    bad_period: "Ungültige Angabe: das Jahr als Zahl von 2005 bis 2100, das Quartal als Zahl von 1 bis 4.", "Invalid request: the year as a number from 2005 to 2100, the quarter as a number from 1 to 4.";
    footer: "Prüfungen laufen isoliert; nur eingereichte Meldungen werden gespeichert.", "Checks run isolated; only submitted workbooks are stored.";
    login_title: "Anmelden", "Log in";
    login_intro: "Melden Sie sich mit der Kennung an, die Sie vom Landkreis erhalten haben.", "Log in with the account the district gave you.";
    login_name: "Kennung", "Login";
    password: "Passwort", "Password";
    login_button: "Anmelden", "Log in";
    login_failed: "Die Anmeldung ist fehlgeschlagen: Kennung oder Passwort stimmen nicht.", "Login failed: wrong login or password.";
    login_expired: "Das Anmeldeformular war abgelaufen. Bitte noch einmal anmelden.", "The login form had expired. Please log in again.";
    check_title: "Prüfen", "Check";
    check_intro: "Laden Sie Ihre Quartalsmeldung hoch: Sie sehen jedes Problem an seiner Zelle und erhalten eine kommentierte Kopie. Beim Prüfen wird nichts gespeichert.", "Upload your quarterly workbook: you see every problem at its cell and get an annotated copy. Checking stores nothing.";
    check_button: "Prüfen", "Check";
    upload_label: "Arbeitsmappe", "Workbook";
    drop_hint: "– oder die Datei auf dieses Feld ziehen", "– or drag the file onto this box";
    acknowledge_in_advance: "Warnungen, falls vorhanden, habe ich zur Kenntnis genommen.", "I acknowledge any warnings.";
    no_findings: "Keine Befunde.", "No findings.";
    col_severity: "Art", "Severity";
    col_cell: "Zelle", "Cell";
    col_column: "Spalte", "Column";
    col_message: "Befund", "Finding";
    col_hint: "Hinweis zur Korrektur", "How to fix";
    sha256: "SHA-256", "SHA-256";
    download_annotated: "Kommentierte Kopie herunterladen", "Download the annotated copy";
    findings_title: "Befunde", "Findings";
    check_another: "Eine weitere Datei prüfen", "Check another file";
    submit_another: "Eine andere Datei einreichen", "Submit another file";
    check_result_title: "Prüfergebnis", "Check result";
    file_level: "Datei", "File";
    submit_title: "Einreichen", "Submit";
    submit_intro: "Reichen Sie Ihre Quartalsmeldung beim Landkreis ein. Sie wird zuerst geprüft; den Zeitraum entnehmen wir dem Deckblatt.", "Submit your quarterly workbook to the district. It is checked first; the period is taken from the cover sheet.";
    submit_rule_errors: "Eine Meldung mit Fehlern oder mit personenbezogenen Daten wird nicht angenommen.", "A workbook with errors or with personal data is refused.";
    submit_rule_warnings: "Warnungen müssen Sie einmal bestätigen.", "Warnings must be acknowledged once.";
    submit_rule_replace: "Reichen Sie für denselben Zeitraum erneut ein, ersetzt die neue Meldung die bisherige.", "Submitting again for the same period replaces the earlier submission.";
    submit_button: "Prüfen und einreichen", "Check and submit";
    refused_title: "Nicht eingereicht", "Not submitted";
    receipt_title: "Eingangsbestätigung", "Receipt";
    receipt_label: "Quittung", "Receipt";
    submitted_ok: "Ihre Meldung ist eingegangen. Diese Bestätigung können Sie ausdrucken; sie bleibt unter „Meine Meldungen“ abrufbar.", "Your submission has been received. You can print this receipt; it stays available under “My submissions”.";
    period_label: "Zeitraum", "Period";
    received_label: "Eingegangen", "Received";
    file_label: "Datei", "File";
    submitted_by: "Eingereicht von", "Submitted by";
    counts_label: "Befunde", "Findings";
    status_label: "Status", "Status";
    print_hint: "Zum Ausdrucken: Strg+P (Mac: ⌘+P).", "To print: Ctrl+P (Mac: ⌘+P).";
    download_file: "Eingereichte Datei", "Submitted file";
    withdraw_button: "Meldung zurückziehen", "Withdraw this submission";
    withdraw_question: "Diese Meldung wirklich zurückziehen? Für den Zeitraum liegt dann keine Meldung mehr vor.", "Really withdraw this submission? The period will then have none.";
    withdraw_confirm: "Ja, zurückziehen", "Yes, withdraw";
    withdraw_cancel: "Abbrechen", "Cancel";
    withdrawn_ok: "Die Meldung wurde zurückgezogen.", "The submission has been withdrawn.";
    not_current: "Nur die aktuelle Meldung eines Zeitraums kann zurückgezogen werden.", "Only the current submission of a period can be withdrawn.";
    back_to_list: "Zur Übersicht", "Back to the list";
    list_title_mine: "Meine Meldungen", "My submissions";
    list_title_all: "Meldungen aller Träger", "Submissions of all providers";
    list_empty: "Noch keine Meldungen.", "No submissions yet.";
    downloads_label: "Dateien", "Files";
    file_short: "Datei", "File";
    annotated_short: "kommentiert", "annotated";
    status_submitted: "eingereicht", "submitted";
    status_replaced: "ersetzt", "replaced";
    status_withdrawn: "zurückgezogen", "withdrawn";
    verdict_ok: "Annehmbar: keine Fehler, keine Warnungen.", "Acceptable: no errors, no warnings.";
    verdict_warn: "Annehmbar nach Bestätigung der Warnungen.", "Acceptable once the warnings are acknowledged.";
    verdict_error: "Nicht annehmbar: Die Datei hat Fehler.", "Not acceptable: the file has errors.";
    verdict_privacy: "Nicht annehmbar: Die Datei enthält personenbezogene Daten.", "Not acceptable: the file contains personal data.";
    refuse_errors: "Die Meldung wurde nicht eingereicht: Sie hat Fehler. Korrigieren Sie die markierten Zellen (die kommentierte Kopie zeigt sie) und reichen Sie erneut ein.", "Not submitted: the workbook has errors. Correct the marked cells (the annotated copy shows them) and submit again.";
    refuse_privacy: "Die Meldung wurde nicht eingereicht: Sie enthält personenbezogene Daten. Entfernen Sie diese und reichen Sie erneut ein.", "Not submitted: the workbook contains personal data. Remove it and submit again.";
    refuse_period: "Die Meldung wurde nicht eingereicht: Das Deckblatt nennt keinen vollständigen Zeitraum (Jahr und Quartal).", "Not submitted: the cover sheet does not name a complete period (year and quarter).";
    refuse_warnings: "Die Datei hat Warnungen. Lesen Sie sie und bestätigen Sie dann mit einem Klick.", "The workbook has warnings. Read them, then acknowledge them with one click.";
    refuse_not_provider: "Nur Träger-Kennungen können Meldungen einreichen.", "Only provider accounts can submit.";
    held_expired: "Die geprüfte Datei liegt nicht mehr vor (nach 15 Minuten verworfen). Bitte laden Sie sie erneut hoch.", "The checked file is no longer held (discarded after 15 minutes). Please upload it again.";
    no_file: "Bitte wählen Sie eine Datei aus.", "Please choose a file.";
    bad_form: "Das Formular war unvollständig oder abgelaufen. Bitte laden Sie die Seite neu.", "The form was incomplete or had expired. Please reload the page.";
    not_found_title: "Nicht gefunden", "Not found";
    not_found: "Diese Seite oder Meldung gibt es nicht (oder nicht für Ihre Kennung).", "This page or submission does not exist (or not for your account).";
    forbidden_title: "Nicht erlaubt", "Not allowed";
    forbidden: "Ihre Kennung hat dafür keine Berechtigung.", "Your account is not allowed to do this.";
    busy_title: "Gerade ausgelastet", "Busy right now";
    busy: "Gerade werden sehr viele Dateien geprüft. Bitte versuchen Sie es in einer Minute noch einmal.", "Very many files are being checked right now. Please try again in a minute.";
    error_title: "Fehler", "Error";
    internal: "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später noch einmal.", "An internal error occurred. Please try again later.";
    back_home: "Zur Startseite", "To the start page";
    api_unauthorized: "Anmeldung erforderlich: Authorization: Bearer TOKEN (von POST /api/v1/token)", "authentication required: Authorization: Bearer TOKEN (from POST /api/v1/token)";
    api_bad_credentials: "Kennung oder Passwort falsch", "wrong login or password";
    api_no_file: "es fehlt das Multipart-Feld „file“", "the multipart field 'file' is missing";
    api_bad_json: "erwartet wird JSON {\"login\": \"…\", \"password\": \"…\"}", "expected JSON {\"login\": \"…\", \"password\": \"…\"}";
    api_bad_form: "erwartet wird ein Multipart-Formular (multipart/form-data) mit der Datei im Feld „file“ und Textfeldern bis 4 KiB", "expected a multipart form (multipart/form-data) with the file in the field 'file' and text fields of at most 4 KiB";
    api_busy: "gerade laufen zu viele Prüfungen; bitte später erneut versuchen (Retry-After)", "too many checks running; retry later (Retry-After)";
    api_not_found: "nicht gefunden (oder nicht für diese Kennung)", "not found (or not for this account)";
    api_no_annotated: "zu dieser Meldung gibt es keine kommentierte Kopie", "this submission has no annotated copy";
    api_internal: "interner Fehler; bitte später erneut versuchen", "internal error; please try again later";
    api_method: "diese Methode ist für diese Adresse nicht erlaubt", "this method is not allowed for this address";
    api_too_large_body: "die Anfrage ist zu groß", "the request is too large";
    api_refused: "die Anfrage wurde abgelehnt", "the request was refused";
}

/// The fixed texts in `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    }
}

/// Help under the upload field: formats and the size limit.
pub fn upload_help(lang: Lang, max_mib: u64) -> String {
    match lang {
        Lang::De => format!(".xlsx, .xlsm, .xlsb, .xls oder .ods, höchstens {max_mib} MiB"),
        Lang::En => format!(".xlsx, .xlsm, .xlsb, .xls or .ods, at most {max_mib} MiB"),
    }
}

/// The upload was larger than allowed.
pub fn too_large(lang: Lang, max_mib: u64) -> String {
    match lang {
        Lang::De => format!("Die Datei ist größer als {max_mib} MiB und wurde nicht angenommen."),
        Lang::En => format!("The file is larger than {max_mib} MiB and was not accepted."),
    }
}

pub fn too_large_title(lang: Lang) -> &'static str {
    crate::i18n::t(lang, "Datei zu groß", "File too large")
}

/// Too many failed logins.
pub fn locked(lang: Lang, seconds: u64) -> String {
    let minutes = seconds.div_ceil(60).max(1);
    match lang {
        Lang::De => format!(
            "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie {} und versuchen Sie es dann erneut.",
            if minutes == 1 {
                "eine Minute".to_string()
            } else {
                format!("{minutes} Minuten")
            }
        ),
        Lang::En => format!(
            "Too many failed logins. Please wait {} and try again.",
            if minutes == 1 {
                "a minute".to_string()
            } else {
                format!("{minutes} minutes")
            }
        ),
    }
}

/// The period as a reader says it: `2026, 3. Quartal` / `2026, 3rd quarter`.
pub fn period(lang: Lang, year: i32, quarter: u8) -> String {
    match lang {
        Lang::De => format!("{year}, {quarter}. Quartal"),
        Lang::En => {
            let nth = match quarter {
                1 => "1st",
                2 => "2nd",
                3 => "3rd",
                _ => "4th",
            };
            format!("{year}, {nth} quarter")
        }
    }
}

/// A quarter on its own: `3. Quartal` / `3rd quarter`.
pub fn quarter(lang: Lang, quarter: u8) -> String {
    match lang {
        Lang::De => format!("{quarter}. Quartal"),
        Lang::En => match quarter {
            1 => "1st quarter".to_string(),
            2 => "2nd quarter".to_string(),
            3 => "3rd quarter".to_string(),
            _ => "4th quarter".to_string(),
        },
    }
}

/// How often the submissions of a quarter were replaced: `ersetzt 2×`.
pub fn replaced_times(lang: Lang, n: usize) -> String {
    match lang {
        Lang::De => format!("ersetzt {n}×"),
        Lang::En => format!("replaced {n}×"),
    }
}

/// The link to the district workbook of one quarter: `Kreismappe Q3`.
pub fn district_quarter(lang: Lang, quarter: u8) -> String {
    match lang {
        Lang::De => format!("Kreismappe Q{quarter}"),
        Lang::En => format!("District workbook Q{quarter}"),
    }
}

/// The link to the district workbook of the year so far: `Kreismappe 2026, Q1–Q3`.
pub fn district_year(lang: Lang, year: i32, last: u8) -> String {
    let span = if last == 1 {
        "Q1".to_string()
    } else {
        format!("Q1–Q{last}")
    };
    match lang {
        Lang::De => format!("Kreismappe {year}, {span}"),
        Lang::En => format!("District workbook {year}, {span}"),
    }
}

/// The link to the list of who is still missing: `Noch ausstehend (3)`.
pub fn outstanding_link(lang: Lang, n: usize) -> String {
    format!("{} ({n})", words(lang).outstanding_title)
}

/// Under the board's title: when it was made and what the deadline is.
pub fn board_as_of(lang: Lang, time: &str, days: u32) -> String {
    match lang {
        Lang::De => format!(
            "Stand: {time}. Frist: {days} Tage nach Quartalsende, bis 24 Uhr deutscher Zeit."
        ),
        Lang::En => format!(
            "As of {time}. Deadline: {days} days after the quarter's end, until midnight German time."
        ),
    }
}

/// The deadline of the period shown on the list of who is missing.
pub fn deadline_line(lang: Lang, day: &str, passed: bool) -> String {
    let w = words(lang);
    let state = if passed {
        w.deadline_passed
    } else {
        w.deadline_open
    };
    format!("{}: {day} ({state})", w.board_deadline)
}

/// What a reminder to a provider without a current submission says.
pub struct Reminder<'a> {
    pub provider: &'a str,
    pub name: Option<&'a str>,
    pub year: i32,
    pub quarter: u8,
    /// The deadline day as Germans write it.
    pub deadline: &'a str,
    pub passed: bool,
    /// The portal's address, when known.
    pub portal: Option<&'a str>,
    pub district: &'a str,
}

/// The reminder in German (the providers' language, whatever the clerk
/// reads): subject and body.
pub fn reminder(r: &Reminder) -> (String, String) {
    let Reminder {
        provider,
        name,
        year,
        quarter,
        deadline,
        passed,
        portal,
        district,
    } = *r;
    let subject =
        format!("Erinnerung: Quartalsmeldung {quarter}. Quartal {year} (Frist {deadline})");
    let who = match name {
        Some(n) => format!("{n} (Träger-Nr. {provider})"),
        None => format!("Träger-Nr. {provider}"),
    };
    let when = if passed {
        format!("Die Frist ist am {deadline} abgelaufen.")
    } else {
        format!("Die Frist endet am {deadline}.")
    };
    let whereto = match portal {
        Some(url) => format!("Bitte reichen Sie die Meldung im Meldeportal ein:\n{url}"),
        None => "Bitte reichen Sie die Meldung im Meldeportal ein.".to_string(),
    };
    let body = format!(
        "Sehr geehrte Damen und Herren,\n\n\
         für das {quarter}. Quartal {year} liegt uns von {who} noch keine Quartalsmeldung \
         zum Sozialraumbudget vor. {when}\n\n\
         {whereto}\n\n\
         Sollten Sie die Meldung inzwischen eingereicht haben, betrachten Sie diese Nachricht \
         bitte als gegenstandslos.\n\n\
         Mit freundlichen Grüßen\n\
         {district}"
    );
    (subject, body)
}

/// The button that submits a checked file.
pub fn submit_for(lang: Lang, period: &str, warnings: usize) -> String {
    match (lang, warnings) {
        (Lang::De, 0) => format!("Für {period} einreichen"),
        (Lang::En, 0) => format!("Submit for {period}"),
        (Lang::De, 1) => format!("Warnung gelesen – für {period} einreichen"),
        (Lang::De, _) => format!("{warnings} Warnungen gelesen – für {period} einreichen"),
        (Lang::En, 1) => format!("Warning read – submit for {period}"),
        (Lang::En, _) => format!("{warnings} warnings read – submit for {period}"),
    }
}

/// A provider account checking another provider's workbook.
pub fn other_provider(lang: Lang, named: Option<&str>, own: &str) -> String {
    match (lang, named) {
        (Lang::De, Some(n)) => format!(
            "Das Deckblatt nennt Träger {n}; Ihre Kennung kann nur für Träger {own} einreichen."
        ),
        (Lang::De, None) => format!(
            "Das Deckblatt nennt keine Träger-Nr.; Ihre Kennung kann nur für Träger {own} einreichen."
        ),
        (Lang::En, Some(n)) => format!(
            "The cover names provider {n}; your account can only submit for provider {own}."
        ),
        (Lang::En, None) => format!(
            "The cover names no provider number; your account can only submit for provider {own}."
        ),
    }
}

/// Counts in words: `2 Fehler, 1 Warnung, 3 Hinweise`.
pub fn counts(lang: Lang, s: &crate::finding::Summary) -> String {
    use crate::finding::{count, Severity};
    format!(
        "{}, {}, {}",
        count(lang, s.errors, Severity::Error),
        count(lang, s.warnings, Severity::Warning),
        count(lang, s.infos, Severity::Info)
    )
}

/// A size in bytes as people read it.
pub fn size(lang: Lang, bytes: i64) -> String {
    let kib = bytes as f64 / 1024.0;
    let s = if kib < 1024.0 {
        format!("{kib:.1} KiB")
    } else {
        format!("{:.1} MiB", kib / 1024.0)
    };
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// The page title when a check of `name` was asked for.
pub fn infos_label(lang: Lang, n: usize) -> String {
    crate::finding::count(lang, n, crate::finding::Severity::Info)
}
