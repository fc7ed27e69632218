//! The controlling pages' fixed texts, German with its English twin on the
//! same line (kept beside the pages rather than in `text.rs`, which the
//! provider pages own).

use crate::i18n::Lang;

macro_rules! words {
    ($($name:ident: $de:expr, $en:expr;)*) => {
        /// The controlling pages' texts in one language.
        pub struct Words { $(pub $name: &'static str,)* }
        static DE: Words = Words { $($name: $de,)* };
        static EN: Words = Words { $($name: $en,)* };
    };
}

words! {
    title: "Controlling", "Controlling";
    plans_title: "Budgetplan", "Budget plan";
    plans_intro: "Der Budgetplan eines Jahres wird einmal hochgeladen und sofort geprüft: jedes Problem steht an seiner Zelle. Ein Plan mit Fehlern wird nicht übernommen; ein neuer Plan für dasselbe Jahr ersetzt den bisherigen, der im Verlauf bleibt.", "The budget plan of a year is uploaded once and checked at once: every problem at its cell. A plan with errors is refused; a new plan for the same year replaces the earlier one, which stays in the history.";
    plans_read_only: "Budgetpläne lädt das Controlling hoch; Sie sehen hier, welcher Plan gilt.", "Budget plans are uploaded by the controlling team; here you see which plan applies.";
    plan_label: "Budgetplan (Blatt „Budgetplan“ mit Jahr, Sozialraum, Kategorie, Budget)", "Budget plan (sheet \"Budgetplan\" with Jahr, Sozialraum, Kategorie, Budget)";
    plan_year_label: "Jahr (nur nötig, wenn der Plan mehrere Jahre enthält)", "Year (only needed when the plan holds several years)";
    upload_button: "Budgetplan prüfen und übernehmen", "Check and adopt the budget plan";
    history_title: "Verlauf", "History";
    no_plans: "Noch kein Budgetplan hochgeladen.", "No budget plan uploaded yet.";
    col_year: "Jahr", "Year";
    col_uploaded: "Hochgeladen", "Uploaded";
    col_by: "Von", "By";
    col_file: "Datei", "File";
    col_sum: "Summe", "Total";
    col_status: "Status", "Status";
    plan_current: "gilt", "current";
    plan_replaced: "ersetzt", "replaced";
    adopted: "Der Budgetplan ist übernommen und gilt ab sofort für das Controlling.", "The budget plan has been adopted and applies to the controlling from now on.";
    refused_title: "Budgetplan nicht übernommen", "Budget plan not adopted";
    refused_errors: "Der Budgetplan enthält Fehler und wurde nicht übernommen. Bitte die Zellen unten korrigieren und erneut hochladen.", "The budget plan contains errors and was not adopted. Please correct the cells below and upload it again.";
    findings_of_plan: "Befunde des Budgetplans", "Findings of the budget plan";
    no_file: "Bitte eine Datei auswählen.", "Please choose a file.";
    forbidden_upload: "Budgetpläne lädt nur das Controlling hoch.", "Only the controlling team uploads budget plans.";
    choose_period: "Zeitraum", "Period";
    year_field: "Jahr", "Year";
    until_field: "Quartale", "Quarters";
    until_all: "alle gemeldeten", "all reported";
    show_button: "Anzeigen", "Show";
    download_workbook: "Controlling-Arbeitsmappe herunterladen (Excel)", "Download the controlling workbook (Excel)";
    plan_used: "Budgetplan", "Budget plan";
    inputs_label: "Meldungen", "Submissions";
    table_title: "Plan und Ist je Sozialraum und Kategorie", "Plan and actual per Sozialraum and category";
    col_area: "Sozialraum", "Sozialraum";
    col_budget: "Budget (Jahr)", "Budget (year)";
    col_pro_rata: "Budget anteilig", "Budget pro rata";
    col_actual: "Ist", "Actual";
    col_deviation: "Abweichung", "Deviation";
    col_deviation_pct: "Abweichung %", "Deviation %";
    col_projection: "Hochrechnung (Jahr)", "Projection (year)";
    col_remark: "Bemerkung", "Remark";
    county_total: "Landkreis gesamt", "County total";
    pair_title: "Fallarbeit und Milieuarbeit zusammen", "Fallarbeit and Milieuarbeit together";
    pair_short: "Fall+Milieu", "Fall+Milieu";
    covered_by: "gedeckt durch", "covered by";
    no_budget: "kein Budget im Plan", "no budget in the plan";
    charts_title: "Diagramme", "Charts";
    chart_budget_title: "Budget anteilig und Ist je Sozialraum", "Budget pro rata and actual per Sozialraum";
    chart_quarters_title: "Ausgaben je Quartal und Kategorie, Landkreis gesamt", "Spending per quarter and category, county total";
    axis_euro: "Euro", "Euro";
    axis_area: "Sozialraum", "Sozialraum";
    axis_quarter: "Quartal", "Quarter";
    series_pro_rata: "Budget anteilig", "budget pro rata";
    series_actual: "Ist", "actual";
    audit_findings: "Befunde der Auswertung", "Findings of the evaluation";
    no_plan_title: "Kein Budgetplan", "No budget plan";
    no_data_title: "Keine Meldungen", "No submissions";
    upload_link: "Budgetplan hochladen", "Upload the budget plan";
    plans_link: "Budgetplan und Verlauf", "Budget plan and history";
    ask_controlling: "Das Controlling lädt den Budgetplan hoch.", "The controlling team uploads the budget plan.";
    bad_period: "Dieser Zeitraum ist ungültig: Jahr 2005–2100, Quartale 1–4.", "This period is invalid: year 2005–2100, quarters 1–4.";
    unknown_chart: "Dieses Diagramm gibt es nicht.", "There is no such chart.";
}

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    }
}

/// `Für 2026 gibt es keinen Budgetplan.`
pub fn no_plan(lang: Lang, year: i32) -> String {
    match lang {
        Lang::De => format!("Für {year} gibt es noch keinen Budgetplan: ohne ihn ist kein Plan/Ist-Vergleich möglich."),
        Lang::En => format!("There is no budget plan for {year} yet: without it there is no plan/actual comparison."),
    }
}

/// `Für 2026 liegt noch keine aktuelle Meldung vor.`
pub fn no_data(lang: Lang, year: i32) -> String {
    match lang {
        Lang::De => {
            format!("Für {year} (im gewählten Zeitraum) liegt noch keine aktuelle Meldung vor.")
        }
        Lang::En => {
            format!("There is no current submission for {year} (in the chosen period) yet.")
        }
    }
}

/// The plan holds several years and none was chosen.
pub fn choose_year(lang: Lang, years: &str) -> String {
    match lang {
        Lang::De => format!("Der Plan enthält mehrere Jahre ({years}): bitte das Jahr angeben, für das er gelten soll."),
        Lang::En => format!("The plan holds several years ({years}): please give the year it is to apply to."),
    }
}

/// The plan holds no line at all.
pub fn no_lines(lang: Lang) -> String {
    match lang {
        Lang::De => {
            "Der Plan enthält keine Zeile mit Jahr, Sozialraum, Kategorie und Budget.".into()
        }
        Lang::En => "The plan holds no line with Jahr, Sozialraum, Kategorie and Budget.".into(),
    }
}

/// What the status colours mean, from the thresholds of `[audit]`.
pub fn thresholds(lang: Lang, ok: &str, warning: &str) -> String {
    match lang {
        Lang::De => format!("Status: ok bis ±{ok} % Abweichung vom anteiligen Budget, Warnung bis ±{warning} %, darüber Alarm; Überschreitung (mehr ausgegeben) rot/orange, Unterschreitung blau. Hochrechnung: Ist auf vier Quartale hochgerechnet."),
        Lang::En => format!("Status: ok up to ±{ok} % deviation from the pro-rata budget, warning up to ±{warning} %, beyond that alert; overspend (more spent) red/orange, underspend blue. Projection: actual extrapolated to four quarters."),
    }
}

/// `12 Meldungen, davon 1 mit Fehlern, 3 mit Warnungen`.
pub fn inputs(lang: Lang, s: &crate::audit::InputSummary) -> String {
    match lang {
        Lang::De => format!(
            "{} Meldungen, davon {} mit Fehlern, {} mit Warnungen",
            s.files, s.with_errors, s.with_warnings
        ),
        Lang::En => format!(
            "{} submissions, {} with errors, {} with warnings",
            s.files, s.with_errors, s.with_warnings
        ),
    }
}

/// `Controlling 2026, Q1–Q3`.
pub fn heading(lang: Lang, label: &str) -> String {
    format!("{} {label}", words(lang).title)
}

/// `bis Q3` in the quarter choice.
pub fn until(lang: Lang, q: u8) -> String {
    match lang {
        Lang::De => format!("Q1 bis Q{q}"),
        Lang::En => format!("Q1 to Q{q}"),
    }
}

/// `2 Befunde` (the audit's, folded).
pub fn findings_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::De => format!("{n} Befunde der Auswertung anzeigen"),
        Lang::En => format!("Show {n} findings of the evaluation"),
    }
}
