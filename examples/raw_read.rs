//! The floor for our reading stack (issue 6 benchmark): open an xlsx with
//! calamine's `Xlsx` and stream one sheet, counting the non-empty cells.
//! No checking, no conversion: whatever `sozialraum check` spends beyond this
//! is ours.
//!
//! ```text
//! cargo run --release --example raw_read -- FILE.xlsx [--sheet NAME] [--formula | --dense]
//! ```
//!
//! - default: `worksheet_cells_reader` + `next_cell()` (streaming);
//! - `--formula`: `next_cell_with_formula()`, the call `check` itself uses;
//! - `--dense`: `worksheet_range` (builds the whole grid in memory).
//!
//! Prints the count of non-empty cells.

use std::error::Error;
use std::fs::File;
use std::io::BufReader;

use calamine::{DataRef, Reader, Xlsx};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Stream,
    Formula,
    Dense,
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut path = None;
    let mut sheet = "Fallarbeit".to_string();
    let mut mode = Mode::Stream;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dense" => mode = Mode::Dense,
            "--formula" => mode = Mode::Formula,
            "--sheet" => sheet = args.next().ok_or("--sheet NAME")?,
            _ => path = Some(a),
        }
    }
    let path = path.ok_or("usage: raw_read FILE.xlsx [--sheet NAME] [--formula | --dense]")?;
    let file = BufReader::with_capacity(1 << 16, File::open(&path)?);
    let mut wb = Xlsx::new(file)?;
    let mut count: u64 = 0;
    match mode {
        Mode::Stream => {
            let mut cells = wb.worksheet_cells_reader(&sheet)?;
            while let Some(cell) = cells.next_cell()? {
                if !matches!(cell.get_value(), DataRef::Empty) {
                    count += 1;
                }
            }
        }
        Mode::Formula => {
            let mut cells = wb.worksheet_cells_reader(&sheet)?;
            while let Some(cell) = cells.next_cell_with_formula()? {
                if !matches!(cell.value, DataRef::Empty) || cell.formula.is_some() {
                    count += 1;
                }
            }
        }
        Mode::Dense => {
            let range = wb.worksheet_range(&sheet)?;
            count = range.used_cells().count() as u64;
        }
    }
    println!("{count}");
    Ok(())
}
