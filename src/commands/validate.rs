//! `retrysim validate`: scenario files checked without running them —
//! every field, a `sweep` block's every cell, and what a run would cost
//! against the limits `run` applies.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use retrysim_experiment::resources::Estimate;
use retrysim_experiment::sweep::plan;

use crate::limits::LimitArgs;
use crate::scenario_file;

pub fn run(files: &[PathBuf], limits: LimitArgs) -> Result<ExitCode> {
    // As `run` would use them: one thread per core (or RAYON_NUM_THREADS).
    let threads = rayon::current_num_threads();
    let mut bad = 0;
    for f in files {
        let checked = scenario_file::load(f, Default::default()).and_then(|s| {
            let e = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", f.display());
            let (estimate, sweep) = if s.spec().sweep.is_some() {
                let axes = plan::axes(&s, Vec::new()).map_err(|x| e(&x))?;
                let p = plan::plan(&s, axes, None).map_err(|x| e(&x))?;
                let estimate = Estimate::of_cells(p.cells.iter().map(|c| &c.scenario), threads);
                (estimate, format!(", a sweep of {} cells", p.cells.len()))
            } else {
                (Estimate::of(&s, threads), String::new())
            };
            limits.check(&estimate).map_err(|x| e(&x))?;
            Ok((s, sweep, estimate))
        });
        match checked {
            Ok((s, sweep, estimate)) => println!(
                "ok: {} ({}: {}, {}{sweep}; {})",
                f.display(),
                s.name(),
                super::counted(s.policies().len(), "policy", "policies"),
                super::counted(s.replications() as usize, "replication", "replications"),
                estimate
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
