//! `neptune-cmk check`: the rule's verdict on CloudFormation, CDK and
//! Terraform before deploy. The reading and judging are
//! `neptune-cmk-template`'s (pure, no I/O); this module walks the paths,
//! reads the files, describes keys for `--resolve` and prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use neptune_cmk_evaluator::{partition_of, KeyReference};
use neptune_cmk_rule::facts::FactCache;
use neptune_cmk_rule::Clients;
use neptune_cmk_template::{
    parse, CheckOptions, Deployment, Document, Format, KeyLookups, Parsed, EXIT_ERROR,
    EXIT_NON_COMPLIANT,
};

use crate::args::{CheckArgs, CheckFormat, Status};
use crate::{aws, Error};

/// File names a directory search reads; anything else is not a template
/// (`.tf.json` is `json`).
const EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

/// Directories a search never enters: dependencies and VCS metadata.
const SKIPPED_DIRECTORIES: [&str; 4] = [".git", "node_modules", ".terraform", "target"];

/// Runs `check`: prints the findings, then exits 0, 1 (something
/// NON_COMPLIANT, or UNVERIFIED with `--strict`) or 2 (usage errors, and
/// files that could not be read or parsed).
pub async fn run(args: &CheckArgs) -> Result<Status, Error> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = collect(&paths)?;
    let documents: Vec<Document<'_>> = files
        .iter()
        .map(|file| match file.named {
            true => Document::named(&file.display, &file.text),
            false => Document::found(&file.display, &file.text),
        })
        .collect();
    let parsed = parse(&documents);
    let mut options = CheckOptions {
        parameters: args.rule.rule_parameters()?,
        ..CheckOptions::default()
    };
    if args.resolve {
        let (deployment, lookups) = resolve(args, &parsed).await?;
        options.deployment = Some(deployment);
        options.lookups = lookups;
    }
    let report = parsed.judge(&options);
    print!("{}", report.render(format(args.format), args.strict));
    match report.exit_code(args.strict) {
        EXIT_ERROR => Err(Error::Refused(format!(
            "{} file(s) could not be read as templates (listed above); fix them, or leave them \
             out of the paths",
            report.errors.len()
        ))),
        EXIT_NON_COMPLIANT => Ok(Status::NonCompliant),
        _ => Ok(Status::AllCompliant),
    }
}

fn format(format: CheckFormat) -> Format {
    match format {
        CheckFormat::Text => Format::Text,
        CheckFormat::Json => Format::Json,
        CheckFormat::Sarif => Format::Sarif,
        CheckFormat::Junit => Format::Junit,
    }
}

/// A file to check: how it is shown, its text, and whether it was named on
/// the command line (not found in a directory).
struct File {
    display: String,
    text: String,
    named: bool,
}

/// Every file under `paths`, in a stable order (sorted per directory).
fn collect(paths: &[PathBuf]) -> Result<Vec<File>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| Error::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        if metadata.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(read(path, true)?);
            if is_terraform_source(path) {
                module_siblings(path, &mut files)?;
            }
        }
    }
    // A file named and also found (or two named files of one module) is
    // read once, named.
    let mut seen = std::collections::BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        seen.entry(file.display.clone())
            .and_modify(|first: &mut usize| {
                if file.named {
                    *first = index;
                }
            })
            .or_insert(index);
    }
    let keep: std::collections::BTreeSet<usize> = seen.into_values().collect();
    Ok(files
        .into_iter()
        .enumerate()
        .filter_map(|(index, file)| keep.contains(&index).then_some(file))
        .collect())
}

fn is_terraform_source(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// A `.tf` file is part of its directory's module: its variables, locals
/// and keys live in the other files there, which are read with it.
fn module_siblings(path: &Path, files: &mut Vec<File>) -> Result<(), Error> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |source| Error::Io {
        action: "read",
        path: directory.clone(),
        source,
    };
    let mut siblings: Vec<PathBuf> = std::fs::read_dir(&directory)
        .map_err(io)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    siblings.sort();
    for sibling in siblings {
        if sibling.is_file() && is_terraform_source(&sibling) {
            let sibling = match path.parent() {
                Some(parent) if parent.as_os_str().is_empty() => {
                    PathBuf::from(sibling.file_name().unwrap_or_default())
                }
                _ => sibling,
            };
            files.push(read(&sibling, false)?);
        }
    }
    Ok(())
}

fn walk(directory: &Path, files: &mut Vec<File>) -> Result<(), Error> {
    let io = |source| Error::Io {
        action: "read",
        path: directory.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .map_err(io)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if entry.is_dir() {
            if !SKIPPED_DIRECTORIES.contains(&name) {
                walk(&entry, files)?;
            }
        } else if entry
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| EXTENSIONS.contains(&extension))
        {
            files.push(read(&entry, false)?);
        }
    }
    Ok(())
}

fn read(path: &Path, named: bool) -> Result<File, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(File {
        display: display(path),
        text,
        named,
    })
}

/// The path as findings show it: relative as given, forward slashes (what
/// SARIF consumers such as GitHub code scanning expect).
fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// `--resolve`: the deployment (the caller's account, region and partition)
/// and a DescribeKey for every key reference the templates leave open,
/// judged exactly as the rule judges keys (the rule's own fact cache).
async fn resolve(args: &CheckArgs, parsed: &Parsed) -> Result<(Deployment, KeyLookups), Error> {
    let config = aws::sdk_config(args.profile.as_deref(), args.region.as_deref()).await;
    let region = aws::region_of(&config)?;
    let (account_id, caller_arn) = aws::caller(&config).await?;
    let deployment = Deployment {
        account_id,
        partition: partition_of(Some(&caller_arn), Some(&region)).to_owned(),
        region,
    };
    let clients = Clients::new(&config);
    let mut cache = FactCache::default();
    let mut lookups = BTreeMap::new();
    for reference in parsed.key_references(Some(&deployment)) {
        let lookup = cache
            .key(&clients, &KeyReference::named(reference.clone()))
            .await?;
        lookups.insert(reference, lookup);
    }
    Ok((deployment, lookups))
}
