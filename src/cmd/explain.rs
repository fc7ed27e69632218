//! `sozialraum explain [CODE]` – what a finding code means, in German and English.

use crate::cli::ExplainArgs;
use crate::finding::catalog::{markdown_table, Code};
use crate::i18n::Lang;

pub fn run(args: &ExplainArgs, lang: Lang) -> miette::Result<i32> {
    if args.markdown {
        print!("{}", markdown_table());
        return Ok(0);
    }
    let codes: Vec<Code> = match &args.code {
        None => Code::ALL.to_vec(),
        Some(c) => match Code::parse(c) {
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

pub fn explain(c: Code, lang: Lang) -> String {
    let sev = crate::finding::severity_word(lang, c.severity());
    let (msg_de, hint_de) = c.message_template(Lang::De);
    let (msg_en, hint_en) = c.message_template(Lang::En);
    let mut s = format!("{}  (rule: {}, {})\n", c.as_str(), c.rule().as_str(), sev);
    s.push_str(&format!("  Deutsch: {}\n", c.doc_in(Lang::De)));
    s.push_str(&format!("    Meldung: {msg_de}\n"));
    if !hint_de.is_empty() {
        s.push_str(&format!("    Hilfe:   {hint_de}\n"));
    }
    s.push_str(&format!("  English: {}\n", c.doc_in(Lang::En)));
    s.push_str(&format!("    Message: {msg_en}\n"));
    if !hint_en.is_empty() {
        s.push_str(&format!("    Help:    {hint_en}\n"));
    }
    s.push('\n');
    s
}
