//! Every check's stable code, its rule category, severity, documentation and
//! message texts (German and English) in one place. `sozialraum explain CODE`
//! and the README's code table are generated from here.

use crate::finding::{Finding, Rule, Severity};
use crate::i18n::Lang;

macro_rules! codes {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $code:literal, $rule:ident, $sev:ident,
            de: $de:literal, en: $en:literal,
            hint_de: $hde:literal, hint_en: $hen:literal;
    )*) => {
        /// A concrete check. The string form (`as_str`) is stable and documented.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $(#[doc = $doc])* $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }
            pub fn rule(self) -> Rule {
                match self { $(Code::$variant => Rule::$rule,)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }
            /// The documentation: German paragraph(s), then `English:` and the English text.
            pub fn doc(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc, "\n"),*),)* }
            }
            fn templates(self) -> [&'static str; 4] {
                match self { $(Code::$variant => [$de, $en, $hde, $hen],)* }
            }
        }
    };
}

codes! {
    /// Die Datei ist keine lesbare Tabellendatei (kein Excel/ODS-Format, beschädigt oder abgeschnitten).
    /// English: the file is not a readable spreadsheet (unknown format, corrupt or truncated).
    FileUnreadable = "FILE-UNREADABLE", File, Error,
        de: "Die Datei kann nicht gelesen werden: {detail}",
        en: "The file cannot be read: {detail}",
        hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen und als .xlsx neu speichern.",
        hint_en: "Open the file in Excel or LibreOffice and save it again as .xlsx.";
    /// Die Datei ist mit einem Kennwort geschützt; ihr Inhalt ist nicht lesbar.
    /// English: the file is password-protected (encrypted); its content cannot be read.
    FileEncrypted = "FILE-ENCRYPTED", File, Error,
        de: "Die Datei ist kennwortgeschützt und kann nicht geprüft werden.",
        en: "The file is password-protected and cannot be checked.",
        hint_de: "Bitte den Kennwortschutz entfernen (Datei → Informationen → Arbeitsmappe schützen) und erneut senden.",
        hint_en: "Remove the password protection and send the file again.";
    /// Die Datei ist leer (0 Byte) oder ein Verzeichnis.
    /// English: the file is empty (0 bytes) or a directory.
    FileEmpty = "FILE-EMPTY", File, Error,
        de: "Die Datei ist leer oder keine Datei: {detail}",
        en: "The file is empty or not a file: {detail}",
        hint_de: "Bitte die vollständige Arbeitsmappe erneut speichern und senden.",
        hint_en: "Save and send the complete workbook again.";
    /// Die Datei überschreitet eine Grenze (Dateigröße, entpackte Größe, Zellen pro Blatt, Zeit oder Speicher).
    /// Die Grenzen stehen im Abschnitt `[limits]` der Konfiguration.
    /// English: the file exceeds a resource limit (size, unpacked size, cells per sheet, time or memory);
    /// the limits are set in the `[limits]` section of the configuration.
    FileLimit = "FILE-LIMIT", File, Error,
        de: "Die Datei überschreitet eine Grenze: {detail}",
        en: "The file exceeds a limit: {detail}",
        hint_de: "Ist die Datei echt, kann die Grenze in der Konfiguration ([limits] {limit}) erhöht werden.",
        hint_en: "If the file is genuine, raise the limit in the configuration ([limits] {limit}).";
    /// Die Datei ist beschädigt (Prüfsumme, Größe, fehlerhaftes XML oder ein unlesbares Blatt), ließ sich aber lesen;
    /// ausgewertet wurde, was lesbar war.
    /// English: the file is damaged (checksum, size, malformed XML or an unreadable sheet) but could be read;
    /// what was readable was checked.
    FileDamaged = "FILE-DAMAGED", File, Warning,
        de: "Die Datei ist beschädigt: {detail}",
        en: "The file is damaged: {detail}",
        hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen, prüfen und neu speichern.",
        hint_en: "Open the file in Excel or LibreOffice, check it and save it again.";
    /// Die Dateiendung passt nicht zum Inhalt (z. B. eine .xls-Arbeitsmappe namens .xlsx oder .doc); gelesen wird nach dem Inhalt.
    /// English: the file extension does not match the content (e.g. an .xls workbook named .xlsx or .doc); the content decides.
    FileExtension = "FILE-EXTENSION", File, Info,
        de: "Die Datei endet auf „.{value}“, ist aber eine {reading}-Arbeitsmappe; sie wurde als {reading} gelesen.",
        en: "The file ends in \".{value}\" but is an {reading} workbook; it was read as {reading}.",
        hint_de: "Bitte mit der passenden Endung speichern, damit Excel sie ohne Rückfrage öffnet.",
        hint_en: "Save it with the matching extension so that Excel opens it without asking.";
    /// Die Datei ist ein Budgetplan des Controllings, keine Quartalsmeldung; sie wird mit `sozialraum audit --budget` geprüft.
    /// English: the file is the controlling's budget plan, not a submission; `sozialraum audit --budget` checks it.
    FileBudgetPlan = "FILE-BUDGET-PLAN", File, Info,
        de: "Die Datei ist ein Budgetplan (Blatt „{sheet}“), keine Quartalsmeldung.",
        en: "The file is a budget plan (sheet \"{sheet}\"), not a quarterly submission.",
        hint_de: "Budgetpläne prüft `sozialraum audit --budget DATEI`.",
        hint_en: "Budget plans are checked by `sozialraum audit --budget FILE`.";
    /// Die Datei wurde von `sozialraum` selbst geschrieben (Kreis- oder Controlling-Arbeitsmappe, erkannt an
    /// der Dokumenteigenschaft `sozialraum-Art`); sie ist keine Meldung und wird nicht als solche gelesen.
    /// In einem durchsuchten Ordner wird sie übersprungen und genannt.
    /// English: the file was written by `sozialraum` itself (district or controlling workbook, recognised by
    /// the document property `sozialraum-Art`); it is not a submission and is not read as one.
    FileOwnOutput = "FILE-OWN-OUTPUT", File, Info,
        de: "Die Datei ist eine von sozialraum geschriebene {reading}, keine Meldung; sie wird nicht ausgewertet.",
        en: "The file is a {reading} written by sozialraum, not a submission; it is not evaluated.",
        hint_de: "Kreis-Arbeitsmappen wertet `sozialraum audit` aus.",
        hint_en: "District workbooks are read by `sozialraum audit`.";
    /// Die Datei ist eine kommentierte Kopie (`check --annotate`); ihr Blatt mit dem Prüfbericht wird nicht
    /// geprüft, die übrigen Blätter wie eine Meldung. In einem durchsuchten Ordner wird sie übersprungen,
    /// damit keine Meldung doppelt zählt.
    /// English: the file is an annotated copy (`check --annotate`); its check-report sheet is not checked, the
    /// other sheets are checked as a submission. In a scanned folder it is skipped so that nothing counts twice.
    FileAnnotatedCopy = "FILE-ANNOTATED-COPY", File, Info,
        de: "Die Datei ist eine kommentierte Kopie; das Blatt „{sheet}“ (Prüfbericht) wird nicht geprüft.",
        en: "The file is an annotated copy; the sheet \"{sheet}\" (check report) is not checked.",
        hint_de: "",
        hint_en: "";
    /// Ein Pflichtblatt (`Deckblatt`, `Fallarbeit`, `Milieuarbeit`, `Strukturarbeit`) fehlt.
    /// English: a required sheet is missing.
    SheetMissing = "SHEET-MISSING", Sheet, Error,
        de: "Das Pflichtblatt „{sheet}“ fehlt.",
        en: "The required sheet \"{sheet}\" is missing.",
        hint_de: "Vorhandene Blätter: {present}. Bitte das Blatt ergänzen (auch wenn es leer bleibt) oder umbenennen.",
        hint_en: "Sheets present: {present}. Add the sheet (even if it stays empty) or rename it.";
    /// Ein Blatt, das die Konfiguration nicht kennt, wird nicht gelesen.
    /// English: a sheet unknown to the configuration is ignored.
    SheetExtra = "SHEET-EXTRA", Sheet, Info,
        de: "Das Blatt „{sheet}“ wird nicht ausgewertet.",
        en: "The sheet \"{sheet}\" is ignored.",
        hint_de: "",
        hint_en: "";
    /// Ein Tabellenblatt hat keine Kopfzeile: es wird als leer behandelt.
    /// English: a table sheet has no header row and no data; it is treated as empty.
    SheetEmpty = "SHEET-EMPTY", Sheet, Info,
        de: "Das Blatt „{sheet}“ ist leer.",
        en: "The sheet \"{sheet}\" is empty.",
        hint_de: "",
        hint_en: "";
    /// In den ersten Zeilen des Blatts wurde keine Kopfzeile mit den Pflichtspalten gefunden.
    /// English: no header row with the required columns was found in the first rows of the sheet.
    HeaderNotFound = "HEADER-NOT-FOUND", Column, Error,
        de: "Keine Kopfzeile gefunden: In den ersten {rows} Zeilen steht keine Zeile mit den Spalten {expected}.",
        en: "No header row found: none of the first {rows} rows carries the columns {expected}.",
        hint_de: "Die Kopfzeile muss die Spaltenüberschriften der Vorlage enthalten.",
        hint_en: "The header row must carry the column headers of the template.";
    /// Eine Pflichtspalte fehlt in der Kopfzeile. Die Zellen dieser Spalte werden nicht einzeln gemeldet.
    /// English: a required column is missing from the header row (its cells are not reported one by one).
    ColumnMissing = "COLUMN-MISSING", Column, Error,
        de: "Die Pflichtspalte „{column}“ fehlt in der Kopfzeile (Zeile {row}).",
        en: "The required column \"{column}\" is missing from the header row (row {row}).",
        hint_de: "Erlaubte Überschriften: {aliases}.",
        hint_en: "Accepted headers: {aliases}.";
    /// Dieselbe Spalte steht zweimal in der Kopfzeile; die zweite wird nicht gelesen.
    /// English: the same column appears twice in the header row; the second is not read.
    ColumnDuplicate = "COLUMN-DUPLICATE", Column, Error,
        de: "Die Spalte „{column}“ steht doppelt in der Kopfzeile (auch in {first}).",
        en: "The column \"{column}\" appears twice in the header row (also in {first}).",
        hint_de: "Bitte eine der beiden Spalten entfernen oder umbenennen.",
        hint_en: "Remove or rename one of the two columns.";
    /// Eine Spalte, die die Konfiguration nicht kennt, wird nicht ausgewertet.
    /// English: a column unknown to the configuration is ignored.
    ColumnExtra = "COLUMN-EXTRA", Column, Info,
        de: "Die Spalte „{value}“ wird nicht ausgewertet.",
        en: "The column \"{value}\" is ignored.",
        hint_de: "",
        hint_en: "";
    /// Zellen außerhalb der Spalten der Tabelle (ohne Überschrift) werden nicht ausgewertet; genannt werden ihre Anzahl und die erste.
    /// English: cells outside the table's columns (without a header) are not read; their number and the first are named.
    CellsIgnored = "CELLS-IGNORED", Column, Info,
        de: "{count} Zelle(n) ohne Spaltenüberschrift wurden nicht ausgewertet (die erste hier).",
        en: "{count} cell(s) without a column header were not read (the first here).",
        hint_de: "Gehören sie zur Meldung, bitte eine Spalte der Vorlage verwenden.",
        hint_en: "If they belong to the report, use a column of the template.";
    /// Zeilen, die nichts enthalten, was ein Träger eintragen muss – nur Nullen, Formeln ohne Ergebnis und was eine
    /// Vorlage vorbelegt (Regel `prefilled`: etwa der vereinbarte Stundensatz; eine laufende Nummer in einer Extraspalte) –,
    /// sind vorbereitete Zeilen einer Vorlage, keine Datenzeilen; genannt werden ihre Anzahl und die erste.
    /// English: rows holding nothing a provider must enter – only zeros, formulas without a result and what a template
    /// pre-fills (rule `prefilled`: e.g. the contracted rate; a running number in an extra column) – are a template's
    /// prepared rows, not data rows; their number and the first are named.
    RowsPrepared = "ROWS-PREPARED", Sheet, Info,
        de: "{count} Zeile(n) enthalten nur Vorbelegungen der Vorlage, Nullen oder Formeln ohne Ergebnis und wurden als leer gelesen (die erste hier).",
        en: "{count} row(s) hold only a template's pre-filled values, zeros or formulas without a result and were read as empty (the first here).",
        hint_de: "Vorbereitete Zeilen einer Vorlage; gehört eine davon zur Meldung, fehlen ihr alle Angaben.",
        hint_en: "Prepared rows of a template; if one of them belongs to the report, all its details are missing.";
    /// Eine Pflichtzelle ist leer.
    /// English: a required cell is empty.
    RequiredEmpty = "REQUIRED-EMPTY", Required, Error,
        de: "„{column}“ ist leer; ein Wert ist Pflicht.",
        en: "\"{column}\" is empty; a value is required.",
        hint_de: "",
        hint_en: "";
    /// Ein Pflichtfeld eines Formulars (z. B. im Deckblatt) fehlt: weder die Beschriftung noch ein Wert wurde gefunden.
    /// English: a required form field (e.g. on the cover sheet) is missing: neither its label nor a value was found.
    FieldMissing = "FIELD-MISSING", Required, Error,
        de: "Das Feld „{column}“ fehlt im Blatt „{sheet}“.",
        en: "The field \"{column}\" is missing from the sheet \"{sheet}\".",
        hint_de: "Beschriftung in Spalte A, Wert in Spalte B; erlaubte Beschriftungen: {aliases}.",
        hint_en: "Label in column A, value in column B; accepted labels: {aliases}.";
    /// Der Wert hat nicht den Typ der Spalte (z. B. Text in einer Zahlenspalte, kein gültiges Datum).
    /// English: the value is not of the column's type (text in a number column, no valid date).
    TypeInvalid = "TYPE-INVALID", Type, Error,
        de: "„{value}“ ist kein gültiger Wert für „{column}“: erwartet {expected}.",
        en: "\"{value}\" is not a valid value for \"{column}\": expected {expected}.",
        hint_de: "",
        hint_en: "";
    /// Der Wert ist mehrdeutig und wurde mit einer Annahme gelesen (z. B. `1.234`: Tausenderpunkt oder Dezimalpunkt?;
    /// ein Datum ohne Jahr wie `1.4.` im Berichtsjahr des Deckblatts).
    /// English: the value is ambiguous and was read under an assumption (e.g. `1.234`: thousands or decimal separator?;
    /// a date without a year such as `1.4.` in the cover's reporting year).
    TypeAmbiguous = "TYPE-AMBIGUOUS", Type, Warning,
        de: "„{value}“ ist mehrdeutig und wurde als {reading} gelesen.",
        en: "\"{value}\" is ambiguous and was read as {reading}.",
        hint_de: "Bitte eindeutig schreiben, z. B. als Zahl statt als Text oder mit Komma als Dezimalzeichen.",
        hint_en: "Write it unambiguously, e.g. as a number instead of text or with a decimal comma.";
    /// Ein Wert wurde aus einer anderen Darstellung gelesen (Zahl als Text wie `1.450,-` oder `€ 608,00`, Stunden mit Einheit
    /// wie `10 Std.`, Datum als Text oder Seriennummer, Hilfeart mit Gesetzesname wie `§ 31 SGB VIII`).
    /// English: a value was read from another representation (number as text such as `1.450,-` or `€ 608,00`, hours with a
    /// unit such as `10 Std.`, date as text or serial number, help type with the law's name such as `§ 31 SGB VIII`).
    TypeConverted = "TYPE-CONVERTED", Type, Info,
        de: "„{value}“ wurde als {reading} gelesen.",
        en: "\"{value}\" was read as {reading}.",
        hint_de: "",
        hint_en: "";
    /// Eine Zahl hat mehr Nachkommastellen als erlaubt.
    /// English: a number has more decimal places than allowed.
    TypePrecision = "TYPE-PRECISION", Type, Warning,
        de: "„{value}“ hat mehr als {places} Nachkommastellen.",
        en: "\"{value}\" has more than {places} decimal places.",
        hint_de: "Bitte auf {places} Nachkommastellen runden.",
        hint_en: "Round to {places} decimal places.";
    /// Der Wert gehört nicht zu den zulässigen Werten (Sozialraum, Hilfeart, ja/nein).
    /// English: the value is not among the allowed values (Sozialraum, help type, yes/no).
    EnumUnknown = "ENUM-UNKNOWN", Enum, Error,
        de: "„{value}“ ist kein zulässiger Wert für „{column}“.",
        en: "\"{value}\" is not an allowed value for \"{column}\".",
        hint_de: "Zulässig: {allowed}.",
        hint_en: "Allowed: {allowed}.";
    /// Stationäre Hilfen und Vollzeitpflege (§ 33, § 34 SGB VIII) werden einzelfallbezogen finanziert, nicht aus dem Sozialraumbudget.
    /// English: foster care and residential care (§ 33, § 34 SGB VIII) are financed case by case, not from the Sozialraumbudget.
    EnumExcluded = "ENUM-EXCLUDED", Enum, Error,
        de: "„{value}“ ({meaning}) gehört nicht in die Fallarbeit des Sozialraumbudgets.",
        en: "\"{value}\" ({meaning}) does not belong in the Sozialraumbudget's case work.",
        hint_de: "{reason}",
        hint_en: "{reason}";
    /// `kreisweit` ist nur in der Strukturarbeit zulässig.
    /// English: `kreisweit` (county-wide) is only allowed in Strukturarbeit.
    EnumCountyWide = "ENUM-COUNTY-WIDE", Enum, Error,
        de: "„{value}“ ist in „{sheet}“ nicht zulässig; kreisweite Arbeit gibt es nur in der Strukturarbeit.",
        en: "\"{value}\" is not allowed in \"{sheet}\"; county-wide work exists only in Strukturarbeit.",
        hint_de: "Bitte den Sozialraum angeben, in dem die Leistung erbracht wurde.",
        hint_en: "Give the Sozialraum in which the work was done.";
    /// Statt des Sozialraums steht eine Gemeinde in der Zelle; sie wird als ihr Sozialraum gelesen.
    /// English: a municipality was written instead of the Sozialraum; it is read as its Sozialraum.
    EnumMunicipality = "ENUM-MUNICIPALITY", Enum, Info,
        de: "„{value}“ wurde als Sozialraum „{reading}“ gelesen.",
        en: "\"{value}\" was read as Sozialraum \"{reading}\".",
        hint_de: "",
        hint_en: "";
    /// Eine Zahl oder ein Datum liegt außerhalb der erlaubten Grenzen.
    /// English: a number or date lies outside its bounds.
    RangeNumber = "RANGE-NUMBER", Range, Error,
        de: "„{column}“ = {value} liegt außerhalb des erlaubten Bereichs: erwartet {expected}.",
        en: "\"{column}\" = {value} is out of range: expected {expected}.",
        hint_de: "",
        hint_en: "";
    /// Ein Datum liegt außerhalb des Berichtsquartals (Beginn nach dem Quartalsende, Ende vor dem Quartalsbeginn).
    /// English: a date lies outside the reporting quarter (begin after its end, end before its start).
    RangeQuarter = "RANGE-QUARTER", Range, Error,
        de: "„{column}“ = {value} liegt außerhalb des Berichtsquartals {quarter}: erwartet {expected}.",
        en: "\"{column}\" = {value} lies outside the reporting quarter {quarter}: expected {expected}.",
        hint_de: "Ein Fall gehört nur in die Meldung der Quartale, in denen er lief.",
        hint_en: "A case belongs only in the reports of the quarters in which it ran.";
    /// Ein Fall dauert länger als die konfigurierte Höchstdauer (Regel `max_duration`, Standard 5 Jahre):
    /// `Ende` liegt mehr als so viele Jahre nach `Beginn`. Für ambulante Hilfen ungewöhnlich, oft ein Tippfehler im Jahr.
    /// English: a case lasts longer than the configured maximum (rule `max_duration`, default 5 years):
    /// `Ende` lies more than that many years after `Beginn`; unusual for ambulatory help, often a typo in the year.
    RangeDuration = "RANGE-DURATION", Range, Warning,
        de: "„{column}“ = {value} liegt mehr als {years} Jahre nach „{other}“ ({expected}).",
        en: "\"{column}\" = {value} lies more than {years} years after \"{other}\" ({expected}).",
        hint_de: "Bitte das Jahr prüfen; eine so lange Hilfe bitte in der Bemerkung begründen.",
        hint_en: "Please check the year; explain such a long help in the remark.";
    /// `Erstellt am` liegt vor dem letzten Tag des Quartals: die Meldung wurde vor Quartalsende erstellt.
    /// English: `Erstellt am` lies before the quarter's last day: the report was made before the quarter ended.
    RangeCreatedEarly = "RANGE-CREATED-EARLY", Range, Warning,
        de: "„{column}“ = {value} liegt vor dem Quartalsende ({expected}).",
        en: "\"{column}\" = {value} lies before the end of the quarter ({expected}).",
        hint_de: "Eine Meldung vor Quartalsende ist vermutlich unvollständig.",
        hint_en: "A report made before the quarter ends is probably incomplete.";
    /// Ein Text hat nicht die geforderte Form (Fall-ID `JA-2026-00417`, Träger-Nr. `T03`, E-Mail-Adresse).
    /// English: a text does not have the required form (case key, provider number, e-mail address).
    PatternMismatch = "PATTERN-MISMATCH", Pattern, Error,
        de: "„{value}“ hat nicht die Form von „{column}“: erwartet {expected}.",
        en: "\"{value}\" does not have the form of \"{column}\": expected {expected}.",
        hint_de: "",
        hint_en: "";
    /// Ein Schlüssel (z. B. die Fall-ID) kommt im Blatt mehrfach vor.
    /// English: a key (e.g. the case key) occurs more than once in the sheet.
    UniqueDuplicate = "UNIQUE-DUPLICATE", Unique, Error,
        de: "„{value}“ kommt in „{column}“ mehrfach vor (zuerst in {first}).",
        en: "\"{value}\" occurs more than once in \"{column}\" (first in {first}).",
        hint_de: "Jeder Fall steht einmal je Quartal in der Meldung; Stunden eines Falls bitte zusammenfassen.",
        hint_en: "Each case appears once per quarter; add up the hours of one case.";
    /// Die Träger-Nr. steht nicht in den Stammdaten.
    /// English: the provider number is not in the master data.
    ReferenceProvider = "REFERENCE-PROVIDER", Reference, Error,
        de: "Die Träger-Nr. „{value}“ ist in den Stammdaten nicht bekannt.",
        en: "The provider number \"{value}\" is not in the master data.",
        hint_de: "Bekannte Träger: {allowed}.",
        hint_en: "Known providers: {allowed}.";
    /// Die Träger-Nr. im Deckblatt steht nicht in den Stammdaten, der Dateiname nennt aber einen bekannten Träger
    /// (`T05_2026-Q3.xlsx`): die Meldung wird unter diesem Träger geprüft und gezählt (neben `REFERENCE-PROVIDER`).
    /// English: the provider number on the cover is not in the master data, but the file name names a known provider
    /// (`T05_2026-Q3.xlsx`): the submission is checked and counted under that provider (besides `REFERENCE-PROVIDER`).
    ReferenceProviderFileName = "REFERENCE-PROVIDER-FILENAME", Reference, Warning,
        de: "Träger-Nr. „{value}“ im Deckblatt unbekannt; gezählt unter {expected} aus dem Dateinamen.",
        en: "Provider number \"{value}\" on the cover unknown; counted under {expected} from the file name.",
        hint_de: "Bitte die Träger-Nr. im Deckblatt berichtigen, wenn {expected} nicht der meldende Träger ist.",
        hint_en: "Correct the provider number on the cover if {expected} is not the reporting provider.";
    /// Der Trägername weicht vom Namen in den Stammdaten ab.
    /// English: the provider name differs from the master data.
    ReferenceProviderName = "REFERENCE-PROVIDER-NAME", Reference, Warning,
        de: "Der Trägername „{value}“ weicht von den Stammdaten ab: erwartet „{expected}“.",
        en: "The provider name \"{value}\" differs from the master data: expected \"{expected}\".",
        hint_de: "",
        hint_en: "";
    /// Der Stundensatz weicht vom vereinbarten Satz des Trägers ab.
    /// English: the hourly rate differs from the provider's contracted rate.
    ReferenceRate = "REFERENCE-RATE", Reference, Error,
        de: "Der Stundensatz {value} € weicht vom vereinbarten Satz {expected} € ab.",
        en: "The hourly rate {value} € differs from the contracted rate {expected} €.",
        hint_de: "Abgerechnet wird der mit dem Landkreis vereinbarte Satz.",
        hint_en: "Bill the rate contracted with the district.";
    /// `Ende` liegt vor `Beginn`.
    /// English: `Ende` (end) lies before `Beginn` (begin).
    CrossDateOrder = "CROSS-DATE-ORDER", CrossField, Error,
        de: "„{column}“ ({value}) liegt vor „{other}“ ({expected}).",
        en: "\"{column}\" ({value}) lies before \"{other}\" ({expected}).",
        hint_de: "",
        hint_en: "";
    /// `Kosten` ist nicht `Fachleistungsstunden × Stundensatz` (auf den Cent gerundet, Toleranz 0,01 €).
    /// English: `Kosten` is not hours × rate (rounded to the cent, tolerance 0.01 €).
    CrossCost = "CROSS-COST", CrossField, Error,
        de: "Kosten {value} € ≠ {factors} = {expected} € (Differenz {difference} €).",
        en: "Cost {value} € ≠ {factors} = {expected} € (difference {difference} €).",
        hint_de: "Kosten = Fachleistungsstunden × Stundensatz, auf den Cent gerundet.",
        hint_en: "Cost = hours × rate, rounded to the cent.";
    /// Ein Feld ist Pflicht, weil ein anderes Feld der Zeile gesetzt ist (Begründung bei abweichender Zuständigkeit).
    /// English: a field is required because another field of the row is set (reason for a deviating responsibility).
    CrossRequired = "CROSS-REQUIRED", CrossField, Error,
        de: "„{column}“ ist leer, obwohl „{other}“ = {reading}.",
        en: "\"{column}\" is empty although \"{other}\" = {reading}.",
        hint_de: "Bitte kurz begründen (z. B. Umzug der Familie, bestehende Hilfebeziehung).",
        hint_en: "Give a short reason (e.g. the family moved, an existing relationship).";
    /// Eine Summenzeile stimmt nicht mit der Summe der Datenzeilen darüber überein.
    /// English: a totals row does not equal the sum of the data rows above it.
    TotalRow = "TOTAL-ROW", Total, Error,
        de: "Die Summenzeile nennt {value}, die Datenzeilen ergeben {expected} (Differenz {difference}){note}.",
        en: "The totals row says {value}, the data rows add up to {expected} (difference {difference}){note}.",
        hint_de: "Summe über alle Datenzeilen oberhalb der Summenzeile.",
        hint_en: "The sum over all data rows above the totals row.";
    /// Ein Betrag im Blatt `Summen` stimmt nicht mit den Daten überein (Abweichung über 0,005 €).
    /// English: an amount in the `Summen` sheet does not match the data (difference above 0.005 €).
    TotalSheet = "TOTAL-SHEET", Total, Error,
        de: "„{column}“ im Blatt Summen nennt {value} €, die Daten ergeben {expected} € (Differenz {difference} €){note}.",
        en: "\"{column}\" in the Summen sheet says {value} €, the data add up to {expected} € (difference {difference} €){note}.",
        hint_de: "Die Summen werden aus den Datenzeilen der Blätter gebildet (ohne Summenzeilen).",
        hint_en: "Totals are formed from the sheets' data rows (without totals rows).";
    /// Ein Fall liegt außerhalb der Sozialräume des Trägers, ohne dass `Abweichende Zuständigkeit` = ja gesetzt ist.
    /// English: a case lies outside the provider's Sozialräume without `Abweichende Zuständigkeit` = ja.
    AssignmentOutside = "ASSIGNMENT-OUTSIDE", Assignment, Warning,
        de: "Der Sozialraum „{value}“ ist dem Träger {provider} nicht zugeordnet ({expected}), und „Abweichende Zuständigkeit“ ist nicht „ja“.",
        en: "The Sozialraum \"{value}\" is not assigned to provider {provider} ({expected}), and \"Abweichende Zuständigkeit\" is not \"ja\".",
        hint_de: "Bei Umzug der Familie: „Abweichende Zuständigkeit“ = ja und eine Begründung eintragen.",
        hint_en: "If the family moved: set \"Abweichende Zuständigkeit\" = ja and give a reason.";
    /// Eine Spaltenüberschrift fragt nach personenbezogenen Daten (Name, Geburtsdatum, Anschrift …). Sozialdaten dürfen den Träger nicht verlassen (§ 35 SGB I, § 67 SGB X, §§ 61–65 SGB VIII).
    /// English: a column header asks for personal data (name, birth date, address …), which must not leave the provider.
    PrivacyColumn = "PRIVACY-COLUMN", Privacy, Error,
        de: "Die Spalte „{column}“ enthält personenbezogene Daten; sie gehört nicht in die Meldung.",
        en: "The column \"{column}\" holds personal data; it does not belong in the report.",
        hint_de: "Bitte die Spalte löschen. Die Meldung kommt mit der pseudonymen Fall-ID aus.",
        hint_en: "Delete the column. The report needs only the pseudonymous case key.";
    /// Ein Wert sieht nach personenbezogenen Daten aus (ein Name, ein Geburtsdatum). Der Wert wird in Berichten nicht wiederholt.
    /// English: a value looks like personal data (a name, a birth date); it is never repeated in reports.
    PrivacyValue = "PRIVACY-VALUE", Privacy, Warning,
        de: "„{column}“ enthält vermutlich personenbezogene Daten ({reading}).",
        en: "\"{column}\" probably holds personal data ({reading}).",
        hint_de: "Keine Namen oder Geburtsdaten eintragen; die Fall-ID genügt.",
        hint_en: "Do not enter names or birth dates; the case key is enough.";
    /// Eine Zelle enthält einen Excel-Fehlerwert (`#DIV/0!`, `#WERT!`, `#BEZUG!` …).
    /// English: a cell holds an Excel error value (`#DIV/0!`, `#VALUE!`, `#REF!` …).
    FormulaError = "FORMULA-ERROR", Formula, Error,
        de: "„{column}“ enthält den Fehlerwert {value}.",
        en: "\"{column}\" holds the error value {value}.",
        hint_de: "Bitte die Formel in dieser Zelle korrigieren.",
        hint_en: "Correct the formula in this cell.";
    /// Eine Formel ohne gespeichertes Ergebnis (die Datei wurde von einem Programm geschrieben und nie in Excel berechnet).
    /// English: a formula without a cached result (written by a program, never calculated in Excel).
    FormulaNoValue = "FORMULA-NO-VALUE", Formula, Error,
        de: "„{column}“ enthält eine Formel ohne gespeichertes Ergebnis ({value}).",
        en: "\"{column}\" holds a formula without a stored result ({value}).",
        hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen, neu berechnen und speichern.",
        hint_en: "Open the file in Excel or LibreOffice, recalculate and save it.";
    /// Der Dateiname (`T03_2026-Q3.xlsx`) passt nicht zum Deckblatt; maßgeblich ist das Deckblatt.
    /// English: the file name does not match the cover sheet; the cover sheet is authoritative.
    ConsistencyFileName = "CONSISTENCY-FILENAME", Consistency, Warning,
        de: "Der Dateiname nennt {value}, das Deckblatt {expected}; maßgeblich ist das Deckblatt.",
        en: "The file name says {value}, the cover sheet {expected}; the cover sheet is authoritative.",
        hint_de: "Bitte Dateiname und Deckblatt angleichen.",
        hint_en: "Make the file name and the cover sheet agree.";
    /// Träger-Nr., Berichtsjahr oder Quartal fehlt im Deckblatt (oder ist ungültig) und wurde aus dem Dateinamen
    /// (`T03_2026-Q3.xlsx`) übernommen, damit keine lesbare Meldung verloren geht.
    /// English: the provider number, year or quarter is missing from the cover (or invalid) and was taken from the
    /// file name (`T03_2026-Q3.xlsx`), so that no readable submission is lost.
    ConsistencyFileNameFact = "CONSISTENCY-FILENAME-FACT", Consistency, Warning,
        de: "„{column}“ fehlt im Deckblatt oder ist ungültig; übernommen aus dem Dateinamen: {value}.",
        en: "\"{column}\" is missing from the cover or invalid; taken from the file name: {value}.",
        hint_de: "Bitte das Deckblatt vervollständigen.",
        hint_en: "Complete the cover sheet.";
    /// Derselbe Träger hat dasselbe Quartal mehrfach eingereicht.
    /// English: the same provider submitted the same quarter more than once.
    ConsistencyDuplicateSubmission = "CONSISTENCY-DUPLICATE-SUBMISSION", Consistency, Error,
        de: "Träger {provider} hat {quarter} mehrfach gemeldet: {value}.",
        en: "Provider {provider} submitted {quarter} more than once: {value}.",
        hint_de: "Die veraltete Datei entfernen oder mit --prefer-newest die neueste (Erstellt am) verwenden.",
        hint_en: "Remove the outdated file, or use --prefer-newest to take the newest (Erstellt am).";
    /// Eine Meldung wurde ersetzt, weil derselbe Träger dasselbe Quartal neuer gemeldet hat (`--prefer-newest`).
    /// English: a submission was superseded by a newer one for the same provider and quarter (`--prefer-newest`).
    ConsistencySuperseded = "CONSISTENCY-SUPERSEDED", Consistency, Warning,
        de: "Die Meldung wurde durch die neuere Meldung {expected} ersetzt und nicht übernommen.",
        en: "The submission was superseded by the newer one {expected} and not included.",
        hint_de: "",
        hint_en: "";
    /// Eine Datei ist eine Byte für Byte identische Kopie einer anderen Meldung (z. B. `T02_2026-Q1 (1).xlsx`); sie zählt nur einmal.
    /// English: a file is a byte-identical copy of another submission (e.g. `T02_2026-Q1 (1).xlsx`); it counts once.
    ConsistencyIdenticalCopy = "CONSISTENCY-IDENTICAL-COPY", Consistency, Info,
        de: "Die Datei ist eine identische Kopie von {expected} und wird nicht ein zweites Mal gezählt.",
        en: "The file is an identical copy of {expected} and is not counted a second time.",
        hint_de: "",
        hint_en: "";
    /// Dieselbe Fall-ID wird im selben Quartal von zwei Trägern abgerechnet (mögliche Doppelabrechnung).
    /// English: the same case key is billed by two providers in the same quarter (possible double billing).
    ConsistencyCaseTwice = "CONSISTENCY-CASE-TWICE", Consistency, Error,
        de: "Die Fall-ID „{value}“ wird in {quarter} von mehreren Trägern abgerechnet: {expected}.",
        en: "The case \"{value}\" is billed in {quarter} by several providers: {expected}.",
        hint_de: "Mögliche Doppelabrechnung: bitte mit den Trägern klären.",
        hint_en: "Possible double billing: clarify with the providers.";
    /// Dieselbe Fall-ID hat in verschiedenen Quartalen eines Trägers verschiedene Hilfearten.
    /// English: the same case has different help types across quarters of one provider.
    ConsistencyHelpTypeChanged = "CONSISTENCY-HELPTYPE-CHANGED", Consistency, Info,
        de: "Die Fall-ID „{value}“ hat in {quarter} die Hilfeart {reading}, vorher {expected}.",
        en: "The case \"{value}\" has help type {reading} in {quarter}, before {expected}.",
        hint_de: "",
        hint_en: "";
    /// Ein Träger der Stammdaten hat für ein konsolidiertes Quartal keine Meldung abgegeben.
    /// English: a provider of the master data has no submission for a consolidated quarter.
    ConsistencyMissingSubmission = "CONSISTENCY-MISSING-SUBMISSION", Consistency, Warning,
        de: "Von Träger {provider} ({value}) liegt für {quarter} keine Meldung vor.",
        en: "There is no submission by provider {provider} ({value}) for {quarter}.",
        hint_de: "",
        hint_en: "";
    /// Ein Fall ohne `Ende` fehlt in der Meldung des folgenden Quartals desselben Trägers.
    /// English: a case without an end date is missing from the same provider's next quarter.
    ConsistencyCaseVanished = "CONSISTENCY-CASE-VANISHED", Consistency, Warning,
        de: "Der Fall „{value}“ lief in {reading} ohne Ende, fehlt aber in der Meldung für {quarter}.",
        en: "The case \"{value}\" ran in {reading} without an end, but is missing from the report for {quarter}.",
        hint_de: "Entweder endete die Hilfe ohne Meldung des Endes, oder der Fall wurde vergessen.",
        hint_en: "Either the help ended without its end being reported, or the case was left out.";
    /// Abweichung zwischen Plan und Ist (Audit): Budget, Ausreißer, Stundensatz, Sprung zum Vorquartal.
    /// English: a plan/actual deviation found by the audit.
    Deviation = "DEVIATION", Deviation, Warning,
        de: "{detail}",
        en: "{detail}",
        hint_de: "",
        hint_en: "";
    /// Das Ist eines Sozialraums (oder des Landkreises) in einer Kategorie weicht vom anteiligen Budget
    /// (Jahresbudget × gemeldete Quartale / 4) um mehr als `ok_pct` ab (`[audit]`). Bis `warning_pct` eine
    /// Warnung; darüber Alarm: bei Mehrausgaben ein Fehler, bei Minderausgaben eine Warnung.
    /// English: a Sozialraum's (or the county's) actual spending in a category deviates from the pro-rata
    /// budget by more than `ok_pct`; up to `warning_pct` a warning, beyond that an alert (an error when
    /// overspent, a warning when underspent).
    DeviationBudget = "DEVIATION-BUDGET", Deviation, Warning,
        de: "{sozialraum}, {category}: Ist {actual} € gegenüber anteiligem Budget {pro_rata} € ({quarters}), Abweichung {deviation} € ({pct} %); Hochrechnung {projection} € bei {budget} € Jahresbudget.",
        en: "{sozialraum}, {category}: actual {actual} € against a pro-rata budget of {pro_rata} € ({quarters}), deviation {deviation} € ({pct} %); projected {projection} € against an annual budget of {budget} €.",
        hint_de: "Status {status}: ok bis ±{ok} %, Warnung bis ±{warning} %, darüber Alarm.",
        hint_en: "Status {status}: ok up to ±{ok} %, warning up to ±{warning} %, alert beyond.";
    /// Mehrausgaben in der Fallarbeit oder der Milieuarbeit eines Sozialraums, die das Paar
    /// Fallarbeit+Milieuarbeit (gegenseitig deckungsfähig) deckt: zusammen höchstens `ok_pct` über dem
    /// anteiligen Budget. Ein Hinweis statt einer Warnung; die Strukturarbeit ist nicht deckungsfähig.
    /// English: overspending in Fallarbeit or Milieuarbeit that the mutually coverable pair covers
    /// (together at most `ok_pct` above the pro-rata budget); an info instead of a warning.
    DeviationCovered = "DEVIATION-COVERED", Deviation, Info,
        de: "{sozialraum}, {category}: Mehrausgabe {deviation} € ({pct} %), gedeckt durch {partner}; Fallarbeit+Milieuarbeit zusammen {pair_pct} %.",
        en: "{sozialraum}, {category}: overspending of {deviation} € ({pct} %), covered by {partner}; Fallarbeit+Milieuarbeit together {pair_pct} %.",
        hint_de: "Fallarbeit und Milieuarbeit sind gegenseitig deckungsfähig.",
        hint_en: "Fallarbeit and Milieuarbeit are mutually coverable.";
    /// Ausgaben in einem Sozialraum und einer Kategorie, für die der Budgetplan kein Budget (oder 0 €) vorsieht.
    /// English: spending in a Sozialraum and category for which the budget plan has no budget (or 0 €).
    DeviationNoBudget = "DEVIATION-NO-BUDGET", Deviation, Error,
        de: "{sozialraum}, {category}: Ausgaben von {actual} €, aber kein Budget im Plan.",
        en: "{sozialraum}, {category}: spending of {actual} €, but no budget in the plan.",
        hint_de: "Bitte den Budgetplan ergänzen oder die Zuordnung der Ausgaben prüfen.",
        hint_en: "Complete the budget plan or check where the spending is charged.";
    /// Ausgaben aus Zeilen ohne gültigen Sozialraum: sie zählen in der Kreissumme, in keinem Sozialraum.
    /// English: spending from rows without a valid Sozialraum; it counts in the county total only.
    DeviationUnassigned = "DEVIATION-UNASSIGNED", Deviation, Warning,
        de: "{category}: {actual} € aus {rows} Zeile(n) ohne gültigen Sozialraum zählen nur in der Kreissumme.",
        en: "{category}: {actual} € from {rows} row(s) without a valid Sozialraum count in the county total only.",
        hint_de: "Die Zeilen nennt die Prüfung der Meldungen (ENUM-UNKNOWN).",
        hint_en: "The check of the submissions lists the rows (ENUM-UNKNOWN).";
    /// Die Kosten eines Falls in einem Quartal liegen über `outlier_factor` × dem Median der Kosten je Fall
    /// und Quartal seiner Hilfeart (im geprüften Zeitraum, kreisweit).
    /// English: a case's cost in a quarter exceeds `outlier_factor` × the median cost per case and quarter
    /// of its help type (in the audited period, county-wide).
    DeviationOutlier = "DEVIATION-OUTLIER", Deviation, Warning,
        de: "Fall {case} ({provider}, {quarter}, {help_type}): Kosten {value} € liegen über dem {factor}-Fachen des Medians je Fall und Quartal dieser Hilfeart ({median} €).",
        en: "Case {case} ({provider}, {quarter}, {help_type}): cost {value} € exceeds {factor} times the median per case and quarter of this help type ({median} €).",
        hint_de: "Quelle: {source}. Bitte mit dem Träger klären (Stundenumfang, Abrechnung).",
        hint_en: "Source: {source}. Clarify with the provider (hours, billing).";
    /// Ein Fall wurde mit einem anderen als dem vereinbarten Stundensatz des Trägers abgerechnet; genannt
    /// werden die Mehr- oder Minderkosten.
    /// English: a case was billed at a rate other than the provider's contracted rate; the difference in cost is stated.
    DeviationRate = "DEVIATION-RATE", Deviation, Warning,
        de: "Stundensatz {value} € statt des vereinbarten Satzes {expected} € (Träger {provider}, {quarter}); Differenz {difference} € bei {hours} Fachleistungsstunden.",
        en: "Hourly rate {value} € instead of the contracted {expected} € (provider {provider}, {quarter}); difference {difference} € for {hours} hours.",
        hint_de: "Quelle: {source}. Abgerechnet wird der mit dem Landkreis vereinbarte Satz.",
        hint_en: "Source: {source}. Bill the rate contracted with the district.";
    /// Die Ausgaben eines Sozialraums in einer Kategorie ändern sich von einem Quartal zum nächsten um mehr als
    /// `jump_pct` Prozent.
    /// English: a Sozialraum's spending in a category changes from one quarter to the next by more than `jump_pct` percent.
    DeviationJump = "DEVIATION-JUMP", Deviation, Warning,
        de: "{sozialraum}, {category}: Ausgaben {quarter} {actual} € gegenüber {previous_quarter} {previous} € ({pct} %).",
        en: "{sozialraum}, {category}: spending {quarter} {actual} € against {previous_quarter} {previous} € ({pct} %).",
        hint_de: "Gemeldet werden Sprünge über ±{jump} % zum Vorquartal. Fehlt eine Meldung, oder hat sich die Fallzahl verändert?",
        hint_en: "Changes beyond ±{jump} % from the previous quarter are reported. Is a submission missing, or did the case load change?";
    /// Der Budgetplan nennt einen Sozialraum, den der Zuschnitt des Jahres nicht kennt.
    /// English: the budget plan names a Sozialraum unknown to the year's cut.
    BudgetSozialraum = "BUDGET-SOZIALRAUM", Enum, Error,
        de: "„{value}“ ist kein Sozialraum des Zuschnitts; die Zeile wird nicht verwendet.",
        en: "\"{value}\" is not a Sozialraum of the cut; the line is not used.",
        hint_de: "Zulässig: {allowed}.",
        hint_en: "Allowed: {allowed}.";
    /// Der Budgetplan nennt eine Kategorie, die es nicht gibt (zulässig: die Kategorien der Tabellenblätter).
    /// English: the budget plan names an unknown category.
    BudgetCategory = "BUDGET-CATEGORY", Enum, Error,
        de: "„{value}“ ist keine Kategorie des Budgets; die Zeile wird nicht verwendet.",
        en: "\"{value}\" is not a budget category; the line is not used.",
        hint_de: "Zulässig: {allowed}.",
        hint_en: "Allowed: {allowed}.";
    /// Ein kreisweites Budget gibt es nur in der Strukturarbeit.
    /// English: a county-wide budget exists only for Strukturarbeit.
    BudgetCountyWide = "BUDGET-COUNTY-WIDE", Enum, Error,
        de: "„{sozialraum}“ ist in „{value}“ nicht zulässig; kreisweite Budgets gibt es nur in der Strukturarbeit.",
        en: "\"{sozialraum}\" is not allowed in \"{value}\"; county-wide budgets exist only in Strukturarbeit.",
        hint_de: "",
        hint_en: "";
    /// Dieselbe Kombination aus Jahr, Sozialraum und Kategorie steht mehrfach im Budgetplan; es zählt die erste.
    /// English: the same year, Sozialraum and category appear more than once in the budget plan; the first counts.
    BudgetDuplicate = "BUDGET-DUPLICATE", Unique, Error,
        de: "{value} steht mehrfach im Budgetplan (zuerst in {first}); es zählt die erste.",
        en: "{value} appears more than once in the budget plan (first in {first}); the first counts.",
        hint_de: "Bitte die doppelte Zeile löschen oder die Beträge zusammenfassen.",
        hint_en: "Delete the duplicate line or add the amounts up.";
    /// Ein Budget ist negativ; die Zeile wird nicht verwendet.
    /// English: a budget is negative; the line is not used.
    BudgetNegative = "BUDGET-NEGATIVE", Range, Error,
        de: "Das Budget {value} € ist negativ; die Zeile wird nicht verwendet.",
        en: "The budget {value} € is negative; the line is not used.",
        hint_de: "Ein Budget ist ein Betrag ab 0 €.",
        hint_en: "A budget is an amount of 0 € or more.";
    /// Jahr oder Budget einer Zeile des Budgetplans ist keine Zahl (Text, Fehlerwert, Formel ohne Ergebnis).
    /// English: the year or budget of a budget plan line is not a number (text, error value, formula without result).
    BudgetNotNumber = "BUDGET-NOT-NUMBER", Type, Error,
        de: "„{value}“ ist kein gültiger Wert für „{column}“: erwartet {expected}.",
        en: "\"{value}\" is not a valid value for \"{column}\": expected {expected}.",
        hint_de: "",
        hint_en: "";
    /// Für einen Sozialraum des Zuschnitts fehlt im Budgetplan des Jahres die Zeile einer Kategorie; es gilt 0 €.
    /// English: the year's budget plan lacks a category line for a Sozialraum of the cut; 0 € applies.
    BudgetMissing = "BUDGET-MISSING", Required, Error,
        de: "Im Budgetplan {year} fehlt die Zeile für {sozialraum} / {category}; es gilt 0 €.",
        en: "The budget plan {year} lacks the line for {sozialraum} / {category}; 0 € applies.",
        hint_de: "Jeder Sozialraum braucht je Kategorie eine Zeile (auch mit 0 €).",
        hint_en: "Every Sozialraum needs one line per category (0 € included).";
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The documentation in one language: the German lines or the `English:` lines.
    pub fn doc_in(self, lang: Lang) -> String {
        let mut de = Vec::new();
        let mut en = Vec::new();
        let mut in_en = false;
        for line in self.doc().lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("English:") {
                in_en = true;
                en.push(rest.trim().to_string());
            } else if in_en {
                en.push(line.to_string());
            } else {
                de.push(line.to_string());
            }
        }
        match lang {
            Lang::De => de.join(" "),
            Lang::En => {
                let mut s = en.join(" ");
                if let Some(first) = s.get(0..1) {
                    s = first.to_uppercase() + s.get(1..).unwrap_or("");
                }
                s
            }
        }
    }

    pub fn message_template(self, lang: Lang) -> (&'static str, &'static str) {
        let [de, en, hde, hen] = self.templates();
        match lang {
            Lang::De => (de, hde),
            Lang::En => (en, hen),
        }
    }
}

/// Builds a finding of one code with its message rendered in one language.
///
/// ```
/// use sozialraum::finding::catalog::{Code, FindingBuilder};
/// use sozialraum::i18n::Lang;
/// let f = FindingBuilder::new(Code::RequiredEmpty, Lang::De)
///     .sheet("Fallarbeit").cell_a1("H5").column("Kosten").build();
/// assert_eq!(f.message, "„Kosten“ ist leer; ein Wert ist Pflicht.");
/// assert_eq!(f.cell.as_deref(), Some("H5"));
/// ```
pub struct FindingBuilder {
    code: Code,
    lang: Lang,
    severity: Severity,
    sheet: Option<String>,
    cell: Option<String>,
    column: Option<String>,
    value: Option<String>,
    args: Vec<(&'static str, String)>,
}

impl FindingBuilder {
    pub fn new(code: Code, lang: Lang) -> Self {
        FindingBuilder {
            code,
            lang,
            severity: code.severity(),
            sheet: None,
            cell: None,
            column: None,
            value: None,
            args: Vec::new(),
        }
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    pub fn sheet(mut self, s: impl Into<String>) -> Self {
        self.sheet = Some(s.into());
        self
    }
    pub fn cell(mut self, pos: crate::finding::CellPos) -> Self {
        self.cell = Some(pos.a1());
        self
    }
    pub fn cell_a1(mut self, a1: impl Into<String>) -> Self {
        self.cell = Some(a1.into());
        self
    }
    pub fn column(mut self, c: impl Into<String>) -> Self {
        self.column = Some(c.into());
        self
    }
    /// The value as found; also available to the message as `{value}`.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = Some(v.into());
        self
    }
    pub fn arg(mut self, name: &'static str, v: impl Into<String>) -> Self {
        self.args.push((name, v.into()));
        self
    }

    pub fn build(self) -> Finding {
        let (msg, hint) = self.code.message_template(self.lang);
        // Explicit arguments come last, so they win: `.value(machine).arg("value", shown)`.
        let mut args = Vec::with_capacity(self.args.len() + 3);
        if let Some(v) = &self.value {
            args.push(("value", v.clone()));
        }
        if let Some(c) = &self.column {
            args.push(("column", c.clone()));
        }
        if let Some(s) = &self.sheet {
            args.push(("sheet", s.clone()));
        }
        args.extend(self.args);
        let message = fill(msg, &args);
        let hint = fill(hint, &args);
        let privacy = self.code.rule() == Rule::Privacy;
        Finding {
            severity: self.severity,
            rule: self.code.rule(),
            code: self.code.as_str().to_string(),
            sheet: self.sheet,
            cell: self.cell,
            column: self.column,
            value: if privacy { None } else { self.value },
            message,
            hint: if hint.is_empty() { None } else { Some(hint) },
            path: None,
        }
    }
}

/// Replaces `{name}` placeholders; unknown placeholders become `?`.
fn fill(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().rev().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push('?'),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The README's table of codes, generated from this catalogue.
pub fn markdown_table() -> String {
    let mut s = String::from("| code | rule | severity | meaning |\n|---|---|---|---|\n");
    for c in Code::ALL {
        let sev = match c.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            c.as_str(),
            c.rule().as_str(),
            sev,
            c.doc_in(Lang::En).replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_documented_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(
                !c.doc_in(Lang::De).is_empty(),
                "{} lacks German doc",
                c.as_str()
            );
            assert!(
                !c.doc_in(Lang::En).is_empty(),
                "{} lacks English doc",
                c.as_str()
            );
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn fill_replaces_named_placeholders() {
        assert_eq!(fill("a {x} b {y}", &[("x", "1".into())]), "a 1 b ?");
        assert_eq!(fill("{ unclosed", &[]), "{ unclosed");
    }

    #[test]
    fn privacy_findings_never_carry_the_value() {
        let f = FindingBuilder::new(Code::PrivacyValue, Lang::De)
            .value("Max Mustermann")
            .build();
        assert_eq!(f.value, None);
        assert!(!f.message.contains("Mustermann"));
    }
}
