//! What the integration tests share: running the binary and reading what
//! it said and wrote.

#![allow(dead_code)] // each test file uses its own share of these

use std::path::Path;
use std::process::{Command, Output};

/// Runs `retrysim ARGS` from the repository root.
pub fn retrysim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrysim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("retrysim runs")
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the command refused its input (exit 2) saying `needle`,
/// without a panic.
pub fn refused(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(needle), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("panicked"), "{}", text(&o.stderr));
}

/// The file `name` of folder `dir`.
pub fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `retrysim run tests/data/tiny-spike.json -o DIR EXTRA…`.
pub fn run_tiny(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "tests/data/tiny-spike.json",
        "-o",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    retrysim(&args)
}

/// Runs `retrysim sweep` on the tiny spike over a 2 × 2 grid.
pub fn sweep(out: &Path, extra: &[&str]) -> Output {
    let scenario = format!("{}/tests/data/tiny-spike.json", env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![
        "sweep",
        scenario.as_str(),
        "--set",
        "service.limiter.rate=500,650",
        "--set",
        "policies[*].max_attempts=1,3",
        "-r",
        "2",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    retrysim(&args)
}

/// The tiny spike, changed by `edit`, written to `dir/name.json`.
pub fn tiny_edited(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let path = format!("{}/tests/data/tiny-spike.json", env!("CARGO_MANIFEST_DIR"));
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut s);
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec(&s).unwrap()).unwrap();
    file.to_str().unwrap().to_string()
}
