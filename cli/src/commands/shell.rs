//! `neptune-cmk completions` and `neptune-cmk man`: a completion script
//! (clap_complete) and the man page (clap_mangen), both generated from the
//! parser's own definitions, so neither can drift from the flags `args`
//! accepts. `make dist` writes them into `dist/`.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell as Generator;

use crate::args::{Cli, CompletionsArgs, ManArgs, Shell};
use crate::error::Error;
use crate::status::Status;

/// The binary's name, as the scripts complete it and the page is titled.
const BIN: &str = "neptune-cmk";

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> Result<Status, Error> {
    let generator = match args.shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), BIN, &mut script);
    if generator == Generator::Bash {
        script = mend_bash(&script);
    }
    print_all(&script)
}

/// clap_complete 4.6 spells a hyphenated binary's states two ways in bash:
/// the loop that follows the words arrives at `neptune__cmk__subcmd__audit`,
/// the case arms expect `neptune__subcmd__cmk__subcmd__audit`, so nothing
/// after a subcommand ever completed (clap-rs/clap#6421). Spelling the arms
/// as the loop does mends it; `shell::bash_completes_subcommand_options`
/// proves it in bash.
fn mend_bash(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("neptune__subcmd__cmk", "neptune__cmk")
        .into_bytes()
}

/// Prints the man page, `neptune-cmk(1)`, or writes it and one page per
/// subcommand (`neptune-cmk-audit(1)`, …, which it refers to) into `--dir`.
pub fn man(args: &ManArgs) -> Result<Status, Error> {
    // `help` is a page of its own nowhere (generate_to leaves it out), so
    // the printed page does not list it either.
    let command = Cli::command().disable_help_subcommand(true);
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(command, dir).map_err(|source| Error::Io {
            action: "write",
            path: dir.clone(),
            source,
        })?;
        return Ok(Status::AllCompliant);
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(stdout_error)?;
    print_all(&page)
}

fn print_all(bytes: &[u8]) -> Result<Status, Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)?;
    Ok(Status::AllCompliant)
}

fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        action: "write",
        path: "standard output".into(),
        source,
    }
}
