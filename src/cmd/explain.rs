//! `sozialraum explain [CODE]` – what a finding code means, in German and English.

use crate::cli::ExplainArgs;
use crate::finding::violation::Violation;
use crate::i18n::Lang;
use crate::registry::{doc_in, lookup, markdown_table, CODES};

pub fn run(args: &ExplainArgs, lang: Lang) -> miette::Result<i32> {
    if args.markdown {
        print!("{}", markdown_table());
        return Ok(0);
    }
    let codes: Vec<&Violation> = match &args.code {
        None => CODES.to_vec(),
        Some(c) => match lookup(c) {
            Some(code) => vec![code],
            None => {
                return Err(miette::miette!(
                    help = "`sozialraum explain` ohne Code listet alle Codes.",
                    "Unbekannter Code „{c}“"
                ))
            }
        },
    };
    for c in codes {
        print!("{}", explain(c, lang));
    }
    Ok(0)
}

pub fn explain(c: &Violation, lang: Lang) -> String {
    let sev = crate::finding::severity_word(lang, c.severity);
    let (msg_de, hint_de) = (c.de, c.hint_de);
    let (msg_en, hint_en) = (c.en, c.hint_en);
    let mut s = format!("{}  (rule: {}, {})\n", c.code, c.rule.as_str(), sev);
    s.push_str(&format!("  Deutsch: {}\n", doc_in(c, Lang::De)));
    s.push_str(&format!("    Meldung: {msg_de}\n"));
    if !hint_de.is_empty() {
        s.push_str(&format!("    Hilfe:   {hint_de}\n"));
    }
    s.push_str(&format!("  English: {}\n", doc_in(c, Lang::En)));
    s.push_str(&format!("    Message: {msg_en}\n"));
    if !hint_en.is_empty() {
        s.push_str(&format!("    Help:    {hint_en}\n"));
    }
    s.push('\n');
    s
}
