//! Writing result files so that a reader never sees a half-written one.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes every `(name, content)` into `dir`: each to a temporary file first,
/// then renamed into place, so an interrupted run leaves either the old file
/// or the new one, never a truncated one.
pub fn write_all<N: AsRef<str>, C: AsRef<[u8]>>(dir: &Path, files: &[(N, C)]) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut staged = Vec::new();
    for (name, content) in files {
        let name = name.as_ref();
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(content.as_ref())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
        staged.push((tmp, dir.join(name)));
    }
    for (tmp, dest) in staged {
        fs::rename(&tmp, &dest)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), dest.display()))?;
    }
    Ok(())
}

/// The marker file that says which scenario a results folder holds.
pub const MARKER: &str = ".retrysim-results";

/// Refuses to write `scenario`'s results into a folder that holds something
/// else (another scenario's results, or files retrysim did not write),
/// unless `force`.
pub fn claim_folder(dir: &Path, kind: &str, scenario: &str, force: bool) -> Result<()> {
    let Ok(mut entries) = fs::read_dir(dir) else {
        return Ok(());
    }; // new folder
    if entries.next().is_none() || force {
        return Ok(());
    }
    let owner = fs::read_to_string(dir.join(MARKER)).ok();
    let expected = format!("{kind} {scenario}\n");
    match owner {
        Some(o) if o == expected => Ok(()),
        Some(o) => anyhow::bail!(
            "{} holds the results of `{}`, not of {kind} `{scenario}`: choose another --out, delete it, or pass --force",
            dir.display(),
            o.trim()
        ),
        None => anyhow::bail!(
            "{} is not empty and was not written by retrysim: choose another --out, or pass --force",
            dir.display()
        ),
    }
}

/// Marks `dir` as holding `scenario`'s results and removes `known` files
/// that this run did not write (a cost chart left from a priced run, charts
/// left from a run before --no-plots), so the folder is one run's output.
pub fn finish_folder(
    dir: &Path,
    kind: &str,
    scenario: &str,
    known: &[&str],
    written: &[&str],
) -> Result<()> {
    for name in known.iter().filter(|n| !written.contains(n)) {
        let path = dir.join(name);
        if path.exists() {
            fs::remove_file(&path)
                .with_context(|| format!("cannot remove stale {}", path.display()))?;
        }
    }
    write_all(dir, &[(MARKER, format!("{kind} {scenario}\n"))])
}
