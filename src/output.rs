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
