//! The README's code table is generated from the catalogue; this keeps them in step.

#[test]
fn the_readme_code_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme.find("<!-- codes:start -->\n").expect("start marker")
        + "<!-- codes:start -->\n".len();
    let end = readme.find("<!-- codes:end -->").expect("end marker");
    assert_eq!(
        &readme[start..end],
        sozialraum::registry::markdown_table(),
        "regenerate with: sozialraum explain --markdown"
    );
}

#[test]
fn the_readme_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("first code block");
    assert_eq!(block, "cargo run --release -- check samples/\n./test.sh\n");
    let ci =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(
        ci.contains("\n./test.sh\n"),
        ".ci/run must call the README's test command"
    );
    for step in [
        "\ncargo fmt --check\n",
        "\ncargo clippy --all-targets -- -D warnings\n",
    ] {
        assert!(ci.contains(step), ".ci/run: {step}");
    }
    // The test command is cargo test, after installing the browser tests' needs.
    let script =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/test.sh")).expect("test.sh");
    assert!(script.contains("packages+=(chromium chromium-driver)"));
    assert!(script.contains("apt-get install -y -qq \"${packages[@]}\""));
    assert!(script.trim_end().ends_with("exec cargo test \"$@\""));
}
