//! The `retrysim` command: a thin layer that parses arguments, loads files,
//! calls the libraries and writes their output.

mod cli;
mod commands;
mod limits;
mod output;
mod progress;
mod scenario_file;
mod terminal_table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Run(args) => commands::run::run(args),
        cli::Command::Validate { files, limits } => commands::validate::run(&files, limits),
        cli::Command::Plot { dir } => commands::plot::run(&dir),
        cli::Command::Check(args) => commands::check::run(args),
        cli::Command::Sweep(args) => commands::sweep::run(args),
        cli::Command::Merge(args) => commands::sweep::merge(args),
        cli::Command::Bench(args) => commands::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
