//! The district configuration as written in TOML (`schemas/verden.toml`).
//! Constraint names follow Frictionless Table Schema where they mean the same
//! (`required`, `unique`, `minimum`, `maximum`, `pattern`, `enum`).

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub district: District,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub privacy: Privacy,
    #[serde(default)]
    pub audit: AuditSettings,
    #[serde(default)]
    pub deadlines: Deadlines,
    pub county_wide: CountyWide,
    #[serde(rename = "cut")]
    pub cuts: Vec<Cut>,
    #[serde(rename = "help_type")]
    pub help_types: Vec<HelpType>,
    #[serde(rename = "excluded_help_type", default)]
    pub excluded_help_types: Vec<ExcludedHelpType>,
    #[serde(rename = "provider")]
    pub providers: Vec<Provider>,
    #[serde(rename = "sheet")]
    pub sheets: Vec<SheetDef>,
    pub budget: Option<BudgetDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub name: String,
    #[serde(default)]
    pub charge_out_of_area_to: ChargeTo,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChargeTo {
    #[default]
    Row,
    Provider,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_unpacked_bytes: u64,
    pub max_part_bytes: u64,
    pub max_compression_ratio: u64,
    pub max_cells_per_sheet: u64,
    pub max_rows: u32,
    pub max_columns: u32,
    pub timeout_seconds: u64,
    pub memory_mib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 << 20,
            max_unpacked_bytes: 4 << 30,
            max_part_bytes: 2 << 30,
            max_compression_ratio: 200,
            max_cells_per_sheet: 30_000_000,
            max_rows: 1_048_576,
            max_columns: 16_384,
            timeout_seconds: 120,
            memory_mib: 2048,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Privacy {
    pub forbidden_headers: Vec<String>,
    pub birth_date_min_years: i32,
    /// Further regular expressions whose match in a free text is a
    /// `privacy` warning (e.g. a local pattern of client numbers).
    pub patterns: Vec<Spanned<String>>,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy {
            forbidden_headers: Vec::new(),
            birth_date_min_years: 3,
            patterns: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    pub ok_pct: Decimal,
    pub warning_pct: Decimal,
    pub outlier_factor: Decimal,
    pub jump_pct: Decimal,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            ok_pct: Decimal::from(5),
            warning_pct: Decimal::from(15),
            outlier_factor: Decimal::from(3),
            jump_pct: Decimal::from(50),
        }
    }
}

/// When a quarter's submissions are due (`[deadlines]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deadlines {
    /// The deadline is the quarter's last day plus this many days; a
    /// provider without a current submission is overdue once that day has
    /// ended (in Europe/Berlin).
    pub days_after_quarter: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            days_after_quarter: 15,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountyWide {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cut {
    pub valid_from: i32,
    #[serde(rename = "sozialraum")]
    pub sozialraeume: Vec<SozialraumDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SozialraumDef {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub municipalities: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpType {
    pub name: String,
    #[serde(default)]
    pub meaning: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludedHelpType {
    pub name: String,
    #[serde(default)]
    pub meaning: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub sozialraeume: Vec<Spanned<String>>,
    pub rate: Decimal,
    /// Whom the district writes to (the status board's reminders), when no
    /// submission's cover has named someone yet.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SheetKind {
    Form,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Integer,
    Decimal,
    Money,
    Date,
    Bool,
    Enum,
    Quarter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumSet {
    Sozialraum,
    HelpType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    Provider,
    ProviderName,
    ProviderRate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateBound {
    QuarterStart,
    QuarterEnd,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetDef {
    pub name: String,
    pub kind: SheetKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The budget category a table sheet's costs belong to.
    pub category: Option<String>,
    #[serde(default = "default_header_rows")]
    pub header_rows: u32,
    #[serde(default)]
    pub totals_labels: Vec<String>,
    #[serde(default)]
    pub totals_columns: Vec<Spanned<String>>,
    #[serde(default, rename = "column")]
    pub columns: Vec<ColumnDef>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Spanned<toml::Table>>,
    // form sheets
    pub label_column: Option<String>,
    pub value_column: Option<String>,
    pub first_row: Option<u32>,
    pub last_row: Option<u32>,
    #[serde(default, rename = "field")]
    pub fields: Vec<ColumnDef>,
}

fn default_header_rows() -> u32 {
    20
}

/// A table column or a form field: one named value with a type and constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub key: String,
    /// What the column means to the consolidation, the audit and the cover
    /// (`role = "case_id"`): they find their columns by role, not by key.
    pub role: Option<Role>,
    /// The header of a table column …
    pub header: Option<String>,
    /// … or the label of a form field.
    pub label: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unique: bool,
    pub minimum: Option<Decimal>,
    pub maximum: Option<Decimal>,
    pub exclusive_minimum: Option<Decimal>,
    pub pattern: Option<Spanned<String>>,
    pub pattern_text: Option<String>,
    #[serde(rename = "enum")]
    pub enum_set: Option<EnumSet>,
    #[serde(default)]
    pub allow_county_wide: bool,
    pub decimal_places: Option<u32>,
    pub reference: Option<ReferenceKind>,
    #[serde(default)]
    pub privacy: bool,
    pub not_before: Option<DateBound>,
    #[serde(default)]
    pub sum_of: Vec<Spanned<String>>,
}

/// The meaning of a column or field that code beyond the rules relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The cover's provider number (Träger-Nr.).
    ProviderId,
    /// The cover's reporting year.
    Year,
    /// The cover's quarter.
    Quarter,
    /// The cover's date of creation.
    Created,
    /// The cover's contact person (Ansprechperson), for reminders.
    Contact,
    /// The cover's e-mail address, for reminders.
    Email,
    /// The pseudonymous case key (Fall-ID).
    CaseId,
    HelpType,
    Sozialraum,
    Begin,
    End,
    Hours,
    Rate,
    Cost,
}

impl Role {
    /// As the configuration writes it: `case_id`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProviderId => "provider_id",
            Role::Year => "year",
            Role::Quarter => "quarter",
            Role::Created => "created",
            Role::Contact => "contact",
            Role::Email => "email",
            Role::CaseId => "case_id",
            Role::HelpType => "help_type",
            Role::Sozialraum => "sozialraum",
            Role::Begin => "begin",
            Role::End => "end",
            Role::Hours => "hours",
            Role::Rate => "rate",
            Role::Cost => "cost",
        }
    }
}

impl ColumnDef {
    pub fn title(&self) -> &str {
        self.header
            .as_deref()
            .or(self.label.as_deref())
            .unwrap_or(&self.key)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetDef {
    pub sheet: String,
    #[serde(default = "default_header_rows")]
    pub header_rows: u32,
    pub year_header: Vec<String>,
    pub sozialraum_header: Vec<String>,
    pub category_header: Vec<String>,
    pub budget_header: Vec<String>,
}
