//! `retrysim run`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use retrysim_experiment::report;
use retrysim_experiment::resources::Estimate;
use retrysim_experiment::stored::StoredRun;
use retrysim_model::Overrides;

use crate::cli::RunArgs;
use crate::{output, scenario_file};

/// Every file `retrysim run` may write into its folder.
const RUN_FILES: &[&str] = &[
    "summary.json",
    "summary.md",
    "summary.csv",
    "replications.csv",
    "timeseries.csv",
    "latency.csv",
    "timeline.png",
    "outcomes.png",
    "latency_cdf.png",
    "attempts.png",
    "cost.png",
    "tiers.png",
    "services.csv",
    "services.png",
];

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let overrides = Overrides {
        replications: args.replications,
        seed: args.seed,
    };
    let scenario = scenario_file::load(&args.scenario, overrides)?;
    let pool = crate::commands::thread_pool(args.threads)?;
    // Refused before anything is claimed or run when it may not fit.
    let estimate = Estimate::of(&scenario, pool.current_num_threads());
    args.limits
        .check(&estimate)
        .with_context(|| format!("{}", args.scenario.display()))?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(scenario.name()));
    // Claimed before anything runs: a folder in use, unwritable or holding
    // something else is refused at once.
    let fingerprint = retrysim_experiment::fingerprint::of(scenario.spec());
    let folder = output::Folder::claim(&out_dir, "run", scenario.name(), &fingerprint, args.force)?;

    let total = scenario.policies().len() as u64 * scenario.replications() as u64;
    let bar = crate::progress::bar(
        total,
        "runs",
        format!(
            "{}: {} × {}",
            scenario.name(),
            super::counted(scenario.policies().len(), "policy", "policies"),
            super::counted(
                scenario.replications() as usize,
                "replication",
                "replications"
            )
        ),
        args.quiet,
    );
    if !args.quiet && !std::io::stderr().is_terminal() {
        // No progress bar off a terminal: say once what is running.
        eprintln!(
            "running {}: {} × {} on {} threads",
            scenario.name(),
            super::counted(scenario.policies().len(), "policy", "policies"),
            super::counted(
                scenario.replications() as usize,
                "replication",
                "replications"
            ),
            pool.current_num_threads()
        );
    }
    let summary = pool.install(|| retrysim_experiment::run(&scenario, &|| bar.inc(1)));
    bar.finish_and_clear();

    let summary_json = report::json::render(&summary);
    let timeseries = report::csv::render(&summary);
    let latency = report::latency::render(&summary);
    let charts = if args.no_plots {
        Vec::new()
    } else {
        retrysim_plot::render_run(&StoredRun::of(&summary))?
    };
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("summary.json".into(), summary_json.into_bytes()),
        (
            "summary.md".into(),
            report::markdown::render(&summary).into_bytes(),
        ),
        (
            "summary.csv".into(),
            report::tidy::render_summary(&summary).into_bytes(),
        ),
        (
            "replications.csv".into(),
            report::tidy::render_replications(&summary).into_bytes(),
        ),
        ("timeseries.csv".into(), timeseries.into_bytes()),
        ("latency.csv".into(), latency.into_bytes()),
    ];
    if let Some(services) = report::csv::render_services(&summary) {
        files.push(("services.csv".into(), services.into_bytes()));
    }
    files.extend(charts.into_iter().map(|c| (c.name, c.png)));
    folder.write(&files)?;
    let written: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    folder.finish(RUN_FILES, &written)?;
    if !args.quiet {
        // Written whole, then printed with its tables as aligned columns.
        use std::fmt::Write as _;
        let mut stdout = String::new();
        writeln!(
            stdout,
            "{}: {}\n",
            scenario.name(),
            report::markdown::replication_line(scenario.replications(), scenario.seed())
        )?;
        write!(stdout, "{}", report::markdown::headline(&summary))?;
        if let Some(t) = report::markdown::metastability_table(&summary) {
            write!(stdout, "\nAfter the trigger:\n\n{t}")?;
            writeln!(
                stdout,
                "\n{}",
                report::markdown::metastability_note(&summary).replace('*', "")
            )?;
        }
        if let Some(t) = report::markdown::services_table(&summary) {
            write!(
                stdout,
                "\nServices (load: attempts reaching each per request that entered the graph):\n\n{t}"
            )?;
        }
        if let Some(t) = report::markdown::classes_table(&summary) {
            write!(stdout, "\nPriority classes:\n\n{t}")?;
        }
        if let Some(cost) = report::markdown::cost_table(&summary) {
            write!(
                stdout,
                "\nCost per replication (wasted: every billed attempt that delivered no \
                 success, retried or not; a timed-out attempt is billed too):\n\n{cost}"
            )?;
        }
        writeln!(
            stdout,
            "\n{}",
            report::markdown::recovery_note(&summary).replace('`', "")
        )?;
        for note in report::notes::policy_notes(&summary) {
            writeln!(stdout, "{}", note.replace('`', ""))?;
        }
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        writeln!(
            stdout,
            "Wrote {}/{{{}}}",
            out_dir.display(),
            names.join(", ")
        )?;
        std::io::stdout()
            .lock()
            .write_all(crate::terminal_table::aligned(&stdout).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
