//! `retrysim validate`: scenario files checked without running them —
//! every field, and a `sweep` block's every cell.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use retrysim_experiment::sweep::plan;

use crate::scenario_file;

pub fn run(files: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = 0;
    for f in files {
        let checked = scenario_file::load(f, Default::default()).and_then(|s| {
            let sweep = if s.spec().sweep.is_some() {
                let e = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", f.display());
                let axes = plan::axes(&s, Vec::new()).map_err(|x| e(&x))?;
                let p = plan::plan(&s, axes, None).map_err(|x| e(&x))?;
                format!(", a sweep of {} cells", p.cells.len())
            } else {
                String::new()
            };
            Ok((s, sweep))
        });
        match checked {
            Ok((s, sweep)) => println!(
                "ok: {} ({}: {} policies, {} replications{sweep})",
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
