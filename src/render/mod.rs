//! Renderers: the terminal, JSON. They read findings; they decide nothing.

pub mod annotate;
pub mod audit;
pub mod json;
pub mod overlay;
pub mod report_sheet;
pub mod terminal;
