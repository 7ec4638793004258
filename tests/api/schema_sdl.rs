//! The committed `schema.graphql` is exactly what `storefront schema` prints.

use std::process::Command;

#[test]
fn committed_schema_matches_the_generated_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .arg("schema")
        .output()
        .expect("run storefront schema");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8(output.stdout).expect("utf-8 SDL");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    assert!(
        generated == committed,
        "schema.graphql is stale; regenerate it with `cargo run -- schema > schema.graphql`"
    );
}
