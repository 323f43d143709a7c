//! Result folders that one run owns, written so that a reader never sees a
//! half state.
//!
//! A run claims its folder before it simulates anything: it takes an
//! exclusive lock (a second run into the same folder is refused at once),
//! checks that the folder holds nothing but its own kind of results, removes
//! the debris of an interrupted run, and writes a marker that says
//! "incomplete". Every file is then written to a temporary name of its own,
//! created exclusively (never through a planted link), synced, renamed into
//! place, and the folder synced; on any error the temporary files go. The
//! marker says "complete" last, with the fingerprint of what made the
//! results, so an interrupted run is recognised and redone, and a reader
//! refuses a folder whose marker is not complete.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The marker file that says which results a folder holds.
pub const MARKER: &str = ".retrysim-results";
/// The lock file a run holds while it owns the folder.
const LOCK: &str = ".retrysim-lock";
/// The tag in every temporary file name, so that debris is recognised.
const TMP_TAG: &str = ".retrysim-tmp-";

/// What a marker says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// `run`, `sweep`, `check`.
    pub kind: String,
    /// The scenario (or claims set) whose results these are.
    pub scenario: String,
    /// Whether the run finished writing.
    pub complete: bool,
    /// Fingerprint of what made the results.
    pub fingerprint: String,
}

impl Marker {
    /// Reads the marker of `dir`, if it has one. Markers of retrysim
    /// before 0.2 (`run NAME`) read as complete, with no fingerprint.
    pub fn read(dir: &Path) -> Option<Marker> {
        let text = fs::read_to_string(dir.join(MARKER)).ok()?;
        if let Ok(m) = serde_json::from_str(&text) {
            return Some(m);
        }
        let (kind, scenario) = text.trim().split_once(' ')?;
        Some(Marker {
            kind: kind.into(),
            scenario: scenario.into(),
            complete: true,
            fingerprint: String::new(),
        })
    }
}

/// A folder this process owns until the value is dropped.
pub struct Folder {
    dir: PathBuf,
    marker: Marker,
    _lock: fs::File,
}

/// Opens (creating if needed) `dir`'s lock file without following a link,
/// and takes the lock; a folder in use is refused at once.
fn lock(dir: &Path) -> Result<fs::File> {
    let path = dir.join(LOCK);
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .with_context(|| {
            format!(
                "cannot write to {} (is the folder writable?)",
                dir.display()
            )
        })?;
    try_lock(dir, &file)?;
    Ok(file)
}

/// Refuses `dir` if another process holds its lock; creates nothing.
fn refuse_if_busy(dir: &Path) -> Result<()> {
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir.join(LOCK));
    match opened {
        // Taken and released at once: the lock that counts is taken later.
        Ok(file) => try_lock(dir, &file),
        Err(_) => Ok(()), // no lock file: nobody holds it
    }
}

/// Takes `file`'s lock, or refuses `dir` as in use.
fn try_lock(dir: &Path, file: &fs::File) -> Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "{} is in use by another retrysim run (it holds {}): wait for it to finish, or choose another --out",
            dir.display(),
            dir.join(LOCK).display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", dir.join(LOCK).display()))
        }
    }
}

/// Whether `name` is one of the files retrysim keeps beside results.
fn is_bookkeeping(name: &str) -> bool {
    name == LOCK || name == MARKER || name.contains(TMP_TAG)
}

/// Refuses `dir` unless it is missing, empty of anything but retrysim's
/// bookkeeping, or holds `kind` results of `scenario`. Reads only.
fn check_owner(dir: &Path, kind: &str, scenario: &str) -> Result<()> {
    if !dir.is_dir() {
        return Ok(()); // to be created (or found unwritable) next
    }
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut other = None;
    for e in entries {
        let e = e.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_bookkeeping(&name) {
            other = Some(name);
            break;
        }
    }
    match (Marker::read(dir), other) {
        (Some(m), _) if m.kind == kind && m.scenario == scenario => Ok(()),
        (Some(m), _) => bail!(
            "{} holds the results of `{} {}`, not of {kind} `{scenario}`: choose another --out, delete it, or pass --force",
            dir.display(),
            m.kind,
            m.scenario
        ),
        (None, Some(name)) => bail!(
            "{} is not empty and was not written by retrysim (it holds {name}): choose another --out, or pass --force",
            dir.display()
        ),
        (None, None) => Ok(()),
    }
}

/// Removes temporary files left in `dir` (and, with `nested`, in its
/// sub-folders) by a run that died while writing.
fn remove_debris(dir: &Path, nested: bool) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for e in entries {
        let e = e.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains(TMP_TAG) {
            let _ = fs::remove_file(e.path());
        } else if nested && e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_debris(&e.path(), false)?;
        }
    }
    Ok(())
}

impl Folder {
    /// Claims `dir` for the `kind` results of `scenario` made by
    /// `fingerprint`: refused if another run holds it, or if it holds other
    /// results or files retrysim did not write (unless `force`).
    pub fn claim(
        dir: &Path,
        kind: &str,
        scenario: &str,
        fingerprint: &str,
        force: bool,
    ) -> Result<Folder> {
        // Refused before anything in the folder changes (a run holding it
        // first: what it holds is in flux); checked again under the lock,
        // in case another run changed it meanwhile.
        refuse_if_busy(dir)?;
        if !force {
            check_owner(dir, kind, scenario)?;
        }
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let lock = lock(dir)?;
        if !force {
            check_owner(dir, kind, scenario)?;
        }
        // Debris of a run that died while writing, here or in a sub-folder
        // (a sweep's cells/): the lock says nobody is writing now.
        remove_debris(dir, true)?;
        let folder = Folder {
            dir: dir.to_path_buf(),
            marker: Marker {
                kind: kind.into(),
                scenario: scenario.into(),
                complete: false,
                fingerprint: fingerprint.into(),
            },
            _lock: lock,
        };
        folder.write_marker()?;
        Ok(folder)
    }

    /// Takes an existing results folder of `kind` to add to it (charts
    /// redrawn by `retrysim plot`): it must hold complete results, `holds`
    /// says which files (for the message when it does not).
    pub fn reopen(dir: &Path, kind: &str, holds: &str) -> Result<Folder> {
        let judge = || match Marker::read(dir) {
            Some(m) if m.kind != kind => bail!(
                "{} holds {} results, not {kind} results",
                dir.display(),
                m.kind
            ),
            Some(m) if !m.complete => bail!(
                "{} holds an interrupted {kind} of `{}`: run it again",
                dir.display(),
                m.scenario
            ),
            Some(m) => Ok(m),
            None => bail!(
                "{} was not written by `retrysim {kind}` (it has no {MARKER}; such a folder holds {holds})",
                dir.display()
            ),
        };
        // Refused before the folder is touched; judged again under the lock.
        refuse_if_busy(dir)?;
        judge()?;
        let lock = lock(dir)?;
        let marker = judge()?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            marker,
            _lock: lock,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// What the marker says.
    pub fn marker(&self) -> &Marker {
        &self.marker
    }

    fn write_marker(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.marker)? + "\n";
        write_files(&self.dir, &[(MARKER, text)])
    }

    /// Writes `files` into the folder (see [`write_files`]).
    pub fn write<N: AsRef<str>, C: AsRef<[u8]>>(&self, files: &[(N, C)]) -> Result<()> {
        write_files(&self.dir, files)
    }

    /// Writes `files` into the sub-folder `sub`, creating it.
    pub fn write_in<N: AsRef<str>, C: AsRef<[u8]>>(
        &self,
        sub: &str,
        files: &[(N, C)],
    ) -> Result<()> {
        let dir = self.dir.join(sub);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_files(&dir, files)
    }

    /// Removes `known` files this run did not write (a cost chart left from
    /// a priced run, charts from a run before --no-plots), then marks the
    /// folder complete: it now holds exactly this run's results.
    pub fn finish(mut self, known: &[&str], written: &[&str]) -> Result<()> {
        for name in known.iter().filter(|n| !written.contains(n)) {
            let path = self.dir.join(name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot remove stale {}", path.display()));
                }
            }
        }
        self.marker.complete = true;
        self.write_marker()
    }
}

/// A temporary name for `name`, unique in this process and across processes.
fn temp_name(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{name}{TMP_TAG}{}-{n}", std::process::id())
}

/// Writes every `(name, content)` into `dir`: each to a temporary file of
/// its own (created exclusively, never through an existing file or link),
/// synced, then renamed into place, and the folder synced. A file in place
/// is always whole, the old one or the new one; on an error the temporary
/// files are removed. (Whether the set of files is one run's is what the
/// folder's marker says: incomplete before, complete after.)
pub fn write_files<N: AsRef<str>, C: AsRef<[u8]>>(dir: &Path, files: &[(N, C)]) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> Result<()> {
        for (name, content) in files {
            let name = name.as_ref();
            let tmp = dir.join(temp_name(name));
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&tmp)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            staged.push((tmp.clone(), dir.join(name)));
            f.write_all(content.as_ref())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
        }
        for (tmp, dest) in &staged {
            fs::rename(tmp, dest)
                .with_context(|| format!("cannot move {} to {}", tmp.display(), dest.display()))?;
        }
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {}", dir.display()))
    })();
    if result.is_err() {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name the next writes of this process could use is a planted
    /// link: the write fails instead of writing through one.
    #[test]
    fn a_temporary_name_taken_by_a_link_is_never_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("precious");
        fs::write(&target, "keep").unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        for n in 0..10_000 {
            let name = format!(".summary.json{TMP_TAG}{}-{n}", std::process::id());
            std::os::unix::fs::symlink(&target, dir.join(name)).unwrap();
        }
        let r = write_files(&dir, &[("summary.json", "new")]);
        assert!(r.is_err(), "the link was followed or replaced");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert!(!dir.join("summary.json").exists());
    }

    #[test]
    fn a_refused_folder_is_left_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        fs::write(dir.join(format!(".x{TMP_TAG}1-1")), "not ours to clean").unwrap();
        let listing = || {
            let mut v: Vec<_> = fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            v.sort();
            v
        };
        let before = listing();
        let e = Folder::claim(dir, "run", "s", "f", false).err().unwrap();
        assert!(e.to_string().contains("was not written by retrysim"), "{e}");
        assert_eq!(listing(), before, "no lock file made, nothing removed");
    }

    #[test]
    fn debris_in_sub_folders_is_removed_by_the_next_claim() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sweep");
        let cells = dir.join("cells");
        let first = Folder::claim(&dir, "sweep", "s", "f", false).unwrap();
        first
            .write_in("cells", &[("cell-000000.json", "{}")])
            .unwrap();
        first.finish(&[], &[]).unwrap();
        let debris = cells.join(format!(".cell-000001.json{TMP_TAG}7-0"));
        fs::write(&debris, "half").unwrap();
        let folder = Folder::claim(&dir, "sweep", "s", "f", false).unwrap();
        assert!(!debris.exists());
        assert!(cells.join("cell-000000.json").exists());
        drop(folder);
    }
}
