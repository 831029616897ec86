//! `neptune-cmk completions` and `neptune-cmk man`: the scripts parse and
//! complete in the shell that is here (bash), and the man pages render in
//! groff without a warning.

use std::process::Command;

use crate::{neptune_cmk_offline, stderr, stdout};

/// Every subcommand a person types.
const SUBCOMMANDS: [&str; 7] = [
    "audit",
    "evaluate",
    "report",
    "check",
    "remediate",
    "completions",
    "man",
];

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("neptune-cmk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn completions(shell: &str) -> String {
    let run = neptune_cmk_offline(&std::env::temp_dir(), &["completions", shell]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    stdout(&run)
}

/// What bash offers for `words`, the last being the word under the cursor,
/// through the script's own completion function.
fn bash_complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_array = words
        .iter()
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let (current, previous) = (words[words.len() - 1], words[words.len() - 2]);
    let program = format!(
        "source '{}'; COMP_WORDS=({words_array}); COMP_CWORD={}; \
         _neptune__cmk neptune-cmk '{current}' '{previous}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.len() - 1
    );
    let run = Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    stdout(&run).lines().map(str::to_owned).collect()
}

#[test]
fn bash_script_parses() {
    let dir = scratch("bash-n");
    let script = dir.join("neptune-cmk.bash");
    std::fs::write(&script, completions("bash")).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "bash -n: {}", stderr(&check));
}

#[test]
fn bash_completes_subcommands() {
    let dir = scratch("bash-sub");
    let script = dir.join("neptune-cmk.bash");
    std::fs::write(&script, completions("bash")).unwrap();
    let offered = bash_complete(&script, &["neptune-cmk", ""]);
    for subcommand in SUBCOMMANDS {
        assert!(offered.iter().any(|word| word == subcommand), "{offered:?}");
    }
    assert_eq!(bash_complete(&script, &["neptune-cmk", "au"]), ["audit"]);
}

/// After a subcommand its own flags and their values complete (clap_complete
/// 4.6 alone completes nothing there for a hyphenated binary name).
#[test]
fn bash_completes_subcommand_options() {
    let dir = scratch("bash-opts");
    let script = dir.join("neptune-cmk.bash");
    std::fs::write(&script, completions("bash")).unwrap();
    let flags = bash_complete(&script, &["neptune-cmk", "audit", "--for"]);
    assert_eq!(flags, ["--format"]);
    let formats = bash_complete(&script, &["neptune-cmk", "audit", "--format", ""]);
    assert_eq!(formats, ["table", "json", "csv", "ocsf", "asff", "html"]);
    let shells = bash_complete(&script, &["neptune-cmk", "completions", ""]);
    let values: Vec<&str> = shells
        .iter()
        .map(String::as_str)
        .filter(|word| !word.starts_with('-'))
        .collect();
    assert_eq!(values, ["bash", "zsh", "fish", "powershell"]);
}

/// zsh, fish and PowerShell are not installed here: their scripts are what
/// each shell loads (the generator's header) and name every subcommand.
#[test]
fn other_shells_name_every_subcommand() {
    for (shell, header) in [
        ("zsh", "#compdef neptune-cmk"),
        ("fish", "# Print an optspec for argparse"),
        ("powershell", "using namespace System.Management.Automation"),
    ] {
        let script = completions(shell);
        assert!(
            script.trim_start().starts_with(header),
            "{shell}: {script:.200}"
        );
        for subcommand in SUBCOMMANDS {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let run = neptune_cmk_offline(&std::env::temp_dir(), &["completions", "elvish"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("[possible values: bash, zsh, fish, powershell]"));
}

/// `man` prints neptune-cmk(1); `man --dir` writes it and one page per
/// subcommand, each of which groff renders without a warning (`-k`: through
/// preconv, for UTF-8, as man-db does).
#[test]
fn man_pages_render() {
    let printed = neptune_cmk_offline(&std::env::temp_dir(), &["man"]);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    let page = stdout(&printed);
    assert!(page.contains(".TH neptune-cmk 1"), "{page:.300}");
    let dir = scratch("man");
    let run = neptune_cmk_offline(&dir, &["man", "--dir", "."]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(
        std::fs::read_to_string(dir.join("neptune-cmk.1")).unwrap(),
        page
    );
    for subcommand in SUBCOMMANDS {
        let path = dir.join(format!("neptune-cmk-{subcommand}.1"));
        let render = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            render.status.success() && render.stderr.is_empty(),
            "{}: {}",
            path.display(),
            stderr(&render)
        );
    }
    assert!(dir.join("neptune-cmk-remediate-plan.1").exists());
}
