//! `retrysim validate`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::scenario_file;

pub fn run(files: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = 0;
    for f in files {
        match scenario_file::load(f, Default::default()) {
            Ok(s) => println!(
                "ok: {} ({}: {} policies, {} replications)",
                f.display(),
                s.name(),
                s.policies().len(),
                s.replications()
            ),
            Err(e) => {
                eprintln!("error: {e:#}");
                bad += 1;
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
