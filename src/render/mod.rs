//! Renderers: the terminal, JSON. They read findings; they decide nothing.

pub mod json;
pub mod terminal;
