//! Renderers: the terminal, JSON. They read findings; they decide nothing.

pub mod annotate;
pub mod audit;
pub mod digest;
pub mod json;
pub mod terminal;
