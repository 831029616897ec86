//! The files `check` reads: the paths given, directories searched, a `.tf`
//! file's module siblings, and standard input (`-`). A file that cannot be
//! read (missing, not UTF-8, permission denied) becomes an error of its
//! own; it never stops the others from being read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use neptune_cmk_template::Document;

/// File names a directory search reads; anything else is not a template
/// (`.tf.json` is `json`).
const EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

/// Directories a search never enters: dependencies and VCS metadata.
const SKIPPED_DIRECTORIES: [&str; 4] = [".git", "node_modules", ".terraform", "target"];

/// The path that means standard input.
const STDIN: &str = "-";

/// A file to check: how it is shown, its text or why it has none, and
/// whether it was named on the command line (not found in a directory).
pub(super) struct File {
    display: String,
    text: Result<String, String>,
    named: bool,
}

impl File {
    /// The file as the template reader takes it.
    pub(super) fn document(&self) -> Document<'_> {
        match (&self.text, self.named) {
            (Err(reason), _) => Document::unreadable(&self.display, reason),
            (Ok(text), true) => Document::named(&self.display, text),
            (Ok(text), false) => Document::found(&self.display, text),
        }
    }
}

/// Every file under `paths`, in a stable order (sorted per directory); a
/// file named and also found (or two named files of one module) once. A
/// named file that is no template is an error when `named` holds, else it
/// is skipped like one found in a directory.
pub(super) fn collect(paths: &[PathBuf], named: bool) -> Vec<File> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == STDIN {
            files.push(stdin());
        } else if path.is_dir() {
            walk(path, &mut files);
        } else {
            files.push(read(path, named));
            if is_terraform_source(path) {
                module_siblings(path, &mut files);
            }
        }
    }
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        first
            .entry(file.display.clone())
            .and_modify(|kept| {
                if file.named {
                    *kept = index;
                }
            })
            .or_insert(index);
    }
    let keep: BTreeSet<usize> = first.into_values().collect();
    files
        .into_iter()
        .enumerate()
        .filter_map(|(index, file)| keep.contains(&index).then_some(file))
        .collect()
}

fn stdin() -> File {
    let mut bytes = Vec::new();
    let text = std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())
        .and_then(|_| utf8(bytes));
    File {
        display: "<stdin>".to_owned(),
        text,
        named: true,
    }
}

fn is_terraform_source(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// A `.tf` file is part of its directory's module: its variables, locals
/// and keys live in the other files there, which are read with it.
fn module_siblings(path: &Path, files: &mut Vec<File>) {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new(""),
    };
    let Ok(siblings) = entries(if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    }) else {
        // The named file itself is read (or reported) either way.
        return;
    };
    for sibling in siblings {
        if sibling.is_file() && is_terraform_source(&sibling) {
            let sibling = directory.join(sibling.file_name().unwrap_or_default());
            files.push(read(&sibling, false));
        }
    }
}

fn walk(directory: &Path, files: &mut Vec<File>) {
    let entries = match entries(directory) {
        Ok(entries) => entries,
        Err(reason) => {
            files.push(File {
                display: display(directory),
                text: Err(format!("the directory cannot be listed: {reason}")),
                named: true,
            });
            return;
        }
    };
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if entry.is_dir() {
            if !SKIPPED_DIRECTORIES.contains(&name) {
                walk(&entry, files);
            }
        } else if entry
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| EXTENSIONS.contains(&extension))
        {
            files.push(read(&entry, false));
        }
    }
}

/// A directory's entries, sorted.
fn entries(directory: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|entry| entry.path()))
                .collect()
        })
        .map_err(|error| error.to_string())?;
    entries.sort();
    Ok(entries)
}

fn read(path: &Path, named: bool) -> File {
    let text = match std::fs::read(path) {
        Ok(bytes) => utf8(bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err("no such file or directory".to_owned())
        }
        Err(error) => Err(error.to_string()),
    };
    File {
        display: display(path),
        text,
        named,
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "not UTF-8 text (invalid byte at offset {}): a template is text; is this a binary file?",
            error.utf8_error().valid_up_to()
        )
    })
}

/// The path as findings show it: relative as given, forward slashes (what
/// SARIF consumers such as GitHub code scanning expect).
fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}
