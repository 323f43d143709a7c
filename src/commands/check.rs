//! `retrysim check`: every claim of the seed documents, run and judged.

use retrysim_experiment::resources::Estimate;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use retrysim_experiment::claims::{self, Check, ClaimResult, ClaimSpec};
use retrysim_model::Overrides;

use crate::cli::CheckArgs;
use crate::{output, scenario_file};

/// Claim files named on the command line (files, or folders of `*.json`).
fn claim_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot list {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            in_dir.sort();
            files.extend(in_dir);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        bail!(
            "no claim files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(files)
}

fn load_claim(path: &Path) -> Result<ClaimSpec> {
    let text = scenario_file::read_text(path, "claim")?;
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        if is_scenario_file(&text) {
            return anyhow::anyhow!(
                "{}: this is a scenario, not a claim: run it with `retrysim run {}` \
                 (claim files are in scenarios/claims/)",
                path.display(),
                path.display()
            );
        }
        let at = e.path().to_string();
        let inner = e.into_inner();
        // The location is given once, in front.
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        anyhow::anyhow!(
            "{}:{}:{}: {at}: {message}",
            path.display(),
            inner.line(),
            inner.column()
        )
    })
}

/// Whether `text` is a scenario: an object with `workload` and `policies`.
fn is_scenario_file(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("workload").is_some() && v.get("policies").is_some())
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let files = claim_files(&args.paths)?;
    let mut claims = Vec::new();
    for f in &files {
        let claim = load_claim(f)?;
        let scenario = claim
            .scenario
            .as_ref()
            .map(|s| f.parent().unwrap_or(Path::new(".")).join(s));
        claims.push((claim, scenario));
    }
    let pool = crate::commands::thread_pool(args.threads)?;

    // Load and validate every scenario before running any (each once,
    // whatever number of claims use it).
    let overrides = Overrides {
        replications: args.replications,
        seed: args.seed,
    };
    let mut scenarios = BTreeMap::new();
    for path in claims.iter().filter_map(|(_, s)| s.clone()) {
        if let std::collections::btree_map::Entry::Vacant(slot) = scenarios.entry(path) {
            let scenario = scenario_file::load(slot.key(), overrides)?;
            slot.insert(scenario);
        }
    }
    for (path, s) in &scenarios {
        let estimate = Estimate::of(s, pool.current_num_threads());
        args.limits
            .check(&estimate)
            .with_context(|| format!("{}", path.display()))?;
    }
    // The report is made by the claims and the scenarios as run.
    let mut made_by = serde_json::to_string(&claims.iter().map(|c| &c.0).collect::<Vec<_>>())?;
    for s in scenarios.values() {
        made_by.push_str(&retrysim_experiment::fingerprint::of(s.spec()));
    }
    let fingerprint = retrysim_experiment::fingerprint::of_bytes(made_by.as_bytes());
    let folder = output::Folder::claim(&args.out, "check", "claims", &fingerprint, args.force)?;

    let mut summaries = BTreeMap::new();
    for (path, scenario) in &scenarios {
        if !args.quiet && !std::io::stderr().is_terminal() {
            eprintln!(
                "running {} ({} × {})",
                scenario.name(),
                super::counted(scenario.policies().len(), "policy", "policies"),
                super::counted(
                    scenario.replications() as usize,
                    "replication",
                    "replications"
                )
            );
        }
        let total = scenario.policies().len() as u64 * scenario.replications() as u64;
        let bar = crate::progress::bar(total, "runs", scenario.name().to_string(), args.quiet);
        let summary = pool.install(|| retrysim_experiment::run(scenario, &|| bar.inc(1)));
        bar.finish_and_clear();
        summaries.insert(path.clone(), summary);
    }

    let results: Vec<ClaimResult> = claims
        .into_iter()
        .map(|(claim, scenario)| {
            let finding = match (&claim.check, &scenario) {
                (Check::Analytic { name, params }, _) => claims::analytic::judge(name, params),
                (check, Some(path)) => claims::evaluate::judge(check, &summaries[path]),
                (_, None) => Err("this check needs a `scenario`".into()),
            };
            ClaimResult { claim, finding }
        })
        .collect();

    let reps = match (args.replications, args.seed) {
        (Some(r), Some(s)) => {
            format!("{r} replications per policy, random seed {s} for every scenario.")
        }
        (Some(r), None) => format!("{r} replications per policy, each scenario's own seed."),
        (None, Some(s)) => format!("Each scenario's replications, random seed {s}."),
        (None, None) => "Each scenario's own replications and seed.".to_string(),
    };
    let table = claims::render_markdown(&results, &reps);
    let report = claims::render_report(&results, &reps);
    let json = serde_json::to_string_pretty(&results).context("report.json")? + "\n";
    folder.write(&[
        ("report.md", report.as_bytes()),
        ("report.json", json.as_bytes()),
    ])?;
    folder.finish(&[], &[])?;
    if let Some(readme) = &args.update_readme {
        update_readme(readme, &table)?;
    }

    let mismatches: Vec<&ClaimResult> = results.iter().filter(|r| !r.matches()).collect();
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        write!(out, "{}", crate::terminal_table::aligned(&table))?;
        writeln!(
            out,
            "Wrote {}/report.md and report.json",
            args.out.display()
        )?;
    }
    if mismatches.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for m in &mismatches {
            match &m.finding {
                Ok(f) => eprintln!(
                    "error: {}: verdict {:?}, pinned {:?}: {}",
                    m.claim.id, f.verdict, m.claim.expected, f.measured
                ),
                Err(e) => eprintln!("error: {}: {e}", m.claim.id),
            }
        }
        eprintln!(
            "error: {} of {} claims differ from their pinned verdict",
            mismatches.len(),
            results.len()
        );
        Ok(ExitCode::from(1))
    }
}

/// Replaces the README's claims table between its markers.
fn update_readme(path: &Path, table: &str) -> Result<()> {
    const START: &str = "<!-- claims:start -->";
    const END: &str = "<!-- claims:end -->";
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        bail!("{} has no {START} … {END} section to fill", path.display());
    };
    let new = format!("{}{START}\n{table}{}", &text[..a], &text[b..]);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .context("README path")?;
    output::write_files(dir, &[(name, new.as_bytes())])
}
