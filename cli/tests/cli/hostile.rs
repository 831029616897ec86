//! `neptune-cmk check` on input nobody vetted (#20): each hostile file
//! beside one good template, in every format. The run exits 2, names the
//! bad file in the output and on stderr, still judges the good template,
//! and stays well under 128 MiB of memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The good template every run also holds.
const GOOD: &str = "cluster-aws-rds-alias.yaml";

/// What a finished run left behind, and its peak memory.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_rss_kib: i64,
}

/// Forks the command from a freshly exec'd, small process and reports its
/// peak RSS (KiB) on stderr's last line. Linux keeps a process's high-water
/// mark across exec, and `Command` spawns with the test process's own
/// memory (hundreds of MiB once other tests have run), so `wait4` on a
/// direct child measures the test process, not the binary.
const MEASURE: &str = "import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write('\\npeak-rss-kib %d\\n' % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
";

/// Runs the binary in `dir` and measures its own peak resident set.
fn run_measured(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new("python3")
        .arg("-c")
        .arg(MEASURE)
        .arg(env!("CARGO_BIN_EXE_neptune-cmk"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs the measuring fork");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let (stderr, peak) = stderr
        .rsplit_once("\npeak-rss-kib ")
        .expect("the measuring fork reports the peak");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: stderr.to_owned(),
        peak_rss_kib: peak.trim().parse().expect("a number of KiB"),
    }
}

/// A scratch directory holding the good template and `name` with `bytes`.
fn scratch(case: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("neptune-cmk-hostile-{case}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(GOOD),
        crate::fixture!("templates/cfn/cluster-aws-rds-alias.yaml"),
    )
    .unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    dir
}

#[track_caller]
fn check_every_format(case: &str, name: &str, bytes: &[u8], says: &str) {
    let dir = scratch(case, name, bytes);
    for format in ["text", "json", "sarif", "junit"] {
        // Named files and a directory search must both survive it.
        for paths in [vec![name, GOOD], vec!["."]] {
            let mut args = vec!["check", "--format", format];
            args.extend(&paths);
            let run = run_measured(&dir, &args);
            let context = format!("{case} {format} {paths:?}: {}\n{}", run.stdout, run.stderr);
            assert_eq!(run.code, Some(2), "{context}");
            assert!(run.stdout.contains(name), "the output names it: {context}");
            assert!(run.stderr.contains(name), "stderr names it: {context}");
            assert!(run.stderr.contains(says), "stderr says why: {context}");
            assert!(
                run.stdout.contains("AliasName"),
                "the good template is judged: {context}"
            );
            assert!(
                run.peak_rss_kib < 128 * 1024,
                "{case} {format}: peak RSS {} KiB",
                run.peak_rss_kib
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_nested_100k_deep() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    check_every_format(
        "json",
        "deep.json",
        deep.as_bytes(),
        "nests deeper than 200",
    );
}

#[test]
fn yaml_nested_100k_deep() {
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    check_every_format("yaml", "deep.yaml", deep.as_bytes(), "255 levels");
}

#[test]
fn alias_bomb() {
    check_every_format(
        "bomb",
        "bomb.yaml",
        crate::fixture!("templates/hostile/alias-bomb.yaml").as_bytes(),
        "through YAML aliases",
    );
}

#[test]
fn reference_cycle() {
    check_every_format(
        "cycle",
        "cycle.yaml",
        crate::fixture!("templates/hostile/ref-cycle.yaml").as_bytes(),
        "First → Second → First",
    );
}

#[test]
fn binary_file() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..=255).cycle().take(4096).map(|byte: u8| byte));
    check_every_format("binary", "logo.json", &png, "not UTF-8");
}

#[test]
fn empty_file() {
    check_every_format(
        "empty",
        "empty.yaml",
        crate::fixture!("templates/hostile/empty.yaml").as_bytes(),
        "empty",
    );
}

/// A missing path is one error too; what exists is still judged.
#[test]
fn missing_path_beside_a_good_template() {
    let dir = scratch("missing", "unused.txt", b"");
    let run = run_measured(&dir, &["check", "no-such.yaml", GOOD]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run
        .stderr
        .contains("no-such.yaml: cannot be read: no such file or directory"));
    assert!(run.stdout.contains("AliasName"));
}

/// Paths that hold no template at all fail the gate instead of passing it.
#[test]
fn nothing_to_check_is_an_error() {
    let dir = scratch("nothing", "package.json", br#"{"name": "app"}"#);
    std::fs::remove_file(dir.join(GOOD)).unwrap();
    std::fs::create_dir_all(dir.join("cdk.out")).unwrap();
    for paths in [vec!["."], vec!["cdk.out"]] {
        let mut args = vec!["check"];
        args.extend(&paths);
        let run = run_measured(&dir, &args);
        assert_eq!(run.code, Some(2), "{paths:?}: {}", run.stderr);
        assert!(run.stderr.contains("nothing was checked"), "{}", run.stderr);
    }
}

/// `check -` reads a template from standard input, and `-o` writes the
/// output to a file.
#[test]
fn standard_input_and_output_file() {
    let dir = scratch("stdin", "unused.txt", b"");
    let mut child = Command::new(env!("CARGO_BIN_EXE_neptune-cmk"))
        .args(["check", "-", "--format", "json", "-o", "out.json"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        crate::fixture!("templates/cfn/cluster-aws-rds-alias.yaml").as_bytes(),
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "the output went to the file");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(rows[0]["file"], "<stdin>");
    assert_eq!(rows[0]["compliance"], "NON_COMPLIANT");
}
