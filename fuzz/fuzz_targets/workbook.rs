//! Arbitrary bytes as an uploaded workbook, checked in this process (no
//! child, no memory guard): a panic or an abort here is a file that would
//! kill `check --no-isolate`, and a bug in the reader guards.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sozialraum::config::{Config, VERDEN_TOML};
use sozialraum::pipeline::{check_bytes, Options};

/// The Verden configuration with small limits, so that a file the guards
/// let through cannot make the fuzzer run out of memory legitimately.
fn config() -> &'static Config {
    static CFG: OnceLock<Config> = OnceLock::new();
    CFG.get_or_init(|| {
        let mut toml = VERDEN_TOML.to_string();
        for (from, to) in [
            (
                "max_unpacked_bytes = 4294967296",
                "max_unpacked_bytes = 67108864",
            ),
            ("max_part_bytes = 2147483648", "max_part_bytes = 33554432"),
            (
                "max_cells_per_sheet = 30000000",
                "max_cells_per_sheet = 200000",
            ),
        ] {
            assert!(toml.contains(from), "{from} not in verden.toml");
            toml = toml.replace(from, to);
        }
        Config::from_toml("fuzz.toml", &toml).expect("fuzz configuration")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = check_bytes(data, "fuzz.xlsx", config(), Options::default());
});
