//! The codes of a file and its sheets as a whole: unreadable, encrypted, over
//! a limit, damaged, of another kind than a submission; sheets missing,
//! unknown or empty. The pipeline (`pipeline.rs`) and the worker raise them.

use crate::finding::arg::Both;

crate::violation! {
/// Die Datei ist keine lesbare Tabellendatei (kein Excel/ODS-Format, beschädigt oder abgeschnitten).
/// English: the file is not a readable spreadsheet (unknown format, corrupt or truncated).
FileUnreadable = "FILE-UNREADABLE", File, Error { detail: Both }
    de: "Die Datei kann nicht gelesen werden: {detail}",
    en: "The file cannot be read: {detail}",
    hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen und als .xlsx neu speichern.",
    hint_en: "Open the file in Excel or LibreOffice and save it again as .xlsx.";

/// Die Datei ist mit einem Kennwort geschützt; ihr Inhalt ist nicht lesbar.
/// English: the file is password-protected (encrypted); its content cannot be read.
FileEncrypted = "FILE-ENCRYPTED", File, Error {  }
    de: "Die Datei ist kennwortgeschützt und kann nicht geprüft werden.",
    en: "The file is password-protected and cannot be checked.",
    hint_de: "Bitte den Kennwortschutz entfernen (Datei → Informationen → Arbeitsmappe schützen) und erneut senden.",
    hint_en: "Remove the password protection and send the file again.";

/// Die Datei ist leer (0 Byte) oder ein Verzeichnis.
/// English: the file is empty (0 bytes) or a directory.
FileEmpty = "FILE-EMPTY", File, Error { detail: Both }
    de: "Die Datei ist leer oder keine Datei: {detail}",
    en: "The file is empty or not a file: {detail}",
    hint_de: "Bitte die vollständige Arbeitsmappe erneut speichern und senden.",
    hint_en: "Save and send the complete workbook again.";

/// Die Datei überschreitet eine Grenze (Dateigröße, entpackte Größe, Zellen pro Blatt, Zeit oder Speicher).
/// Die Grenzen stehen im Abschnitt `[limits]` der Konfiguration.
/// English: the file exceeds a resource limit (size, unpacked size, cells per sheet, time or memory);
/// the limits are set in the `[limits]` section of the configuration.
FileLimit = "FILE-LIMIT", File, Error { detail: Both, limit: String }
    de: "Die Datei überschreitet eine Grenze: {detail}",
    en: "The file exceeds a limit: {detail}",
    hint_de: "Ist die Datei echt, kann die Grenze in der Konfiguration ([limits] {limit}) erhöht werden.",
    hint_en: "If the file is genuine, raise the limit in the configuration ([limits] {limit}).";

/// Die Datei ist beschädigt (Prüfsumme, Größe, fehlerhaftes XML oder ein unlesbares Blatt), ließ sich aber lesen;
/// ausgewertet wurde, was lesbar war.
/// English: the file is damaged (checksum, size, malformed XML or an unreadable sheet) but could be read;
/// what was readable was checked.
FileDamaged = "FILE-DAMAGED", File, Warning { detail: Both }
    de: "Die Datei ist beschädigt: {detail}",
    en: "The file is damaged: {detail}",
    hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen, prüfen und neu speichern.",
    hint_en: "Open the file in Excel or LibreOffice, check it and save it again.";

/// Die Dateiendung passt nicht zum Inhalt (z. B. eine .xls-Arbeitsmappe namens .xlsx oder .doc); gelesen wird nach dem Inhalt.
/// English: the file extension does not match the content (e.g. an .xls workbook named .xlsx or .doc); the content decides.
FileExtension = "FILE-EXTENSION", File, Info { reading: String }
    de: "Die Datei endet auf „.{value}“, ist aber eine {reading}-Arbeitsmappe; sie wurde als {reading} gelesen.",
    en: "The file ends in \".{value}\" but is an {reading} workbook; it was read as {reading}.",
    hint_de: "Bitte mit der passenden Endung speichern, damit Excel sie ohne Rückfrage öffnet.",
    hint_en: "Save it with the matching extension so that Excel opens it without asking.";

/// Die Datei ist ein Budgetplan des Controllings, keine Quartalsmeldung; sie wird mit `sozialraum audit --budget` geprüft.
/// English: the file is the controlling's budget plan, not a submission; `sozialraum audit --budget` checks it.
FileBudgetPlan = "FILE-BUDGET-PLAN", File, Info { sheet: String }
    de: "Die Datei ist ein Budgetplan (Blatt „{sheet}“), keine Quartalsmeldung.",
    en: "The file is a budget plan (sheet \"{sheet}\"), not a quarterly submission.",
    hint_de: "Budgetpläne prüft `sozialraum audit --budget DATEI`.",
    hint_en: "Budget plans are checked by `sozialraum audit --budget FILE`.";

/// Die Datei wurde von `sozialraum` selbst geschrieben (Kreis- oder Controlling-Arbeitsmappe, erkannt an
/// der Dokumenteigenschaft `sozialraum-Art`); sie ist keine Meldung und wird nicht als solche gelesen.
/// In einem durchsuchten Ordner wird sie übersprungen und genannt.
/// English: the file was written by `sozialraum` itself (district or controlling workbook, recognised by
/// the document property `sozialraum-Art`); it is not a submission and is not read as one.
FileOwnOutput = "FILE-OWN-OUTPUT", File, Info { reading: Both }
    de: "Die Datei ist eine von sozialraum geschriebene {reading}, keine Meldung; sie wird nicht ausgewertet.",
    en: "The file is a {reading} written by sozialraum, not a submission; it is not evaluated.",
    hint_de: "Kreis-Arbeitsmappen wertet `sozialraum audit` aus.",
    hint_en: "District workbooks are read by `sozialraum audit`.";

/// Die Datei ist eine kommentierte Kopie (`check --annotate`); ihr Blatt mit dem Prüfbericht wird nicht
/// geprüft, die übrigen Blätter wie eine Meldung. In einem durchsuchten Ordner wird sie übersprungen,
/// damit keine Meldung doppelt zählt.
/// English: the file is an annotated copy (`check --annotate`); its check-report sheet is not checked, the
/// other sheets are checked as a submission. In a scanned folder it is skipped so that nothing counts twice.
FileAnnotatedCopy = "FILE-ANNOTATED-COPY", File, Info {  }
    de: "Die Datei ist eine kommentierte Kopie; das Blatt „{sheet}“ (Prüfbericht) wird nicht geprüft.",
    en: "The file is an annotated copy; the sheet \"{sheet}\" (check report) is not checked.",
    hint_de: "",
    hint_en: "";

/// Ein Pflichtblatt (`Deckblatt`, `Fallarbeit`, `Milieuarbeit`, `Strukturarbeit`) fehlt.
/// English: a required sheet is missing.
SheetMissing = "SHEET-MISSING", Sheet, Error { present: Vec<String> }
    de: "Das Pflichtblatt „{sheet}“ fehlt.",
    en: "The required sheet \"{sheet}\" is missing.",
    hint_de: "Vorhandene Blätter: {present}. Bitte das Blatt ergänzen (auch wenn es leer bleibt) oder umbenennen.",
    hint_en: "Sheets present: {present}. Add the sheet (even if it stays empty) or rename it.";

/// Ein Blatt, das die Konfiguration nicht kennt, wird nicht gelesen.
/// English: a sheet unknown to the configuration is ignored.
SheetExtra = "SHEET-EXTRA", Sheet, Info {  }
    de: "Das Blatt „{sheet}“ wird nicht ausgewertet.",
    en: "The sheet \"{sheet}\" is ignored.",
    hint_de: "",
    hint_en: "";

/// Ein Tabellenblatt hat keine Kopfzeile: es wird als leer behandelt.
/// English: a table sheet has no header row and no data; it is treated as empty.
SheetEmpty = "SHEET-EMPTY", Sheet, Info {  }
    de: "Das Blatt „{sheet}“ ist leer.",
    en: "The sheet \"{sheet}\" is empty.",
    hint_de: "",
    hint_en: "";
}
