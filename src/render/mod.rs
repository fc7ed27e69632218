//! Renderers: the terminal, JSON, the annotated copy (an overlay on the
//! original package, or a rebuilt workbook) and its report sheet as a model
//! both draw. They read findings; they decide nothing.

pub mod annotate;
pub mod audit;
pub mod consolidation;
pub mod digest;
pub mod json;
pub mod overlay;
pub mod report_sheet;
pub mod terminal;
