//! # neptune-cmk-template
//!
//! The rule's verdict before deploy: reads CloudFormation templates (JSON
//! or YAML, short-form tags included), CDK `cdk.out` templates, Terraform
//! plans (`terraform show -json`) and Terraform source (`.tf`, `.tf.json`), finds every Amazon Neptune
//! cluster and Neptune Analytics graph, works out what its KMS key is, and
//! lets `neptune-cmk-evaluator` decide, so the verdict and the annotation
//! are the rule's own wherever the facts are the same.
//!
//! What a template cannot know is UNVERIFIED, never guessed: a literal key
//! ARN (only DescribeKey knows who manages it; the caller may look it up
//! and pass the answer in), an import from a stack not among the inputs, a
//! parameter without a default, a restore that keeps its snapshot's key.
//!
//! ## Non-goals
//! - No I/O: the caller walks directories, reads files, calls DescribeKey
//!   (`--resolve`) and prints. This crate takes `(path, text)` pairs and
//!   returns values; it reads no clock and no environment.
//! - No deployment simulation: conditions are not evaluated, every branch
//!   is judged and the worst reported; `Fn::FindInMap` is followed only
//!   with literal keys.
//! - Not a linter: only what decides the key is read; the rest of a
//!   template may be anything.
//!
//! ## Layout
//! - `node`: a positioned document tree. YAML comes from
//!   [saphyr-parser](https://crates.io/crates/saphyr-parser)'s events (spans
//!   and tags), JSON from a scanner over text serde_json has checked.
//!   Short-form tags become long-form functions there.
//! - `cfn`: CloudFormation and cdk.out: intrinsic functions, parameters,
//!   conditions (one scenario per branch), aliases, in-template keys,
//!   imports between the templates of one run.
//! - `terraform`: plans: `planned_values` with child modules, values known
//!   only after apply traced through `configuration`.
//! - `hcl`: Terraform source (`.tf`, `.tf.json`), one module per directory,
//!   its keys, locals, variable defaults and conditionals resolved
//!   statically.
//! - `found`: [`FoundResource`](found::FoundResource)s, what the readers hand the judge.
//! - `judge`: the evaluator's decision per branch, the worst one reported;
//!   [`Verdict`], [`Cause`], [`Finding`].
//! - `report` and `render`: [`Report`], the exit code, and the text, JSON,
//!   SARIF 2.1.0 and JUnit formats.
//!
//! ## Use
//! ```
//! use neptune_cmk_template::{check, CheckOptions, Conclusion, Document, Verdict};
//!
//! let template = "Resources:\n  Db:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: alias/aws/rds\n";
//! let report = check(&[Document::named("db.yaml", template)], &CheckOptions::default());
//! assert_eq!(report.findings[0].verdict(), Verdict::NonCompliant);
//! assert_eq!(report.conclusion(false), Conclusion::Fails);
//! ```
#![warn(missing_docs, unreachable_pub)]

mod cfn;
mod error;
mod found;
mod hcl;
mod judge;
mod node;
mod render;
mod report;
mod terraform;

use std::collections::BTreeSet;

pub use error::Error;
pub use judge::{Cause, CheckOptions, Deployment, Finding, KeyLookups, Unverified, Verdict};
pub use report::{Conclusion, Format, Report, Skipped};

use found::{FoundResource, KeyUse};
use node::Node;

/// One input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document<'a> {
    /// The path as the caller displays it; relative paths with forward
    /// slashes make the best SARIF.
    pub path: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// Named on the command line (as opposed to found in a directory): a
    /// named file that is not a template is an error, a found one is
    /// skipped with a note.
    pub named: bool,
    /// Why the caller could not read the file (not UTF-8, permission
    /// denied, …): it is then an error of its own, and `text` is empty.
    pub unreadable: Option<&'a str>,
}

impl<'a> Document<'a> {
    /// A file the user named.
    pub fn named(path: &'a str, text: &'a str) -> Self {
        Self {
            path,
            text,
            named: true,
            unreadable: None,
        }
    }

    /// A file found while searching a directory.
    pub fn found(path: &'a str, text: &'a str) -> Self {
        Self {
            path,
            text,
            named: false,
            unreadable: None,
        }
    }

    /// A file the caller could not read, and why: reported as an error,
    /// while every other file is still judged.
    pub fn unreadable(path: &'a str, reason: &'a str) -> Self {
        Self {
            path,
            text: "",
            named: true,
            unreadable: Some(reason),
        }
    }
}

/// The inputs, read: the resources to judge, and what was skipped or
/// could not be read. Judging needs no more I/O, except the DescribeKey
/// calls [`Parsed::key_references`] lists, for `--resolve`.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    resources: Vec<FoundResource>,
    skipped: Vec<Skipped>,
    inputs: usize,
    errors: Vec<Error>,
}

/// Reads every document. A document that cannot be read is reported, and
/// the others are still judged.
pub fn parse(documents: &[Document<'_>]) -> Parsed {
    let mut reading = Reading::default();
    let (trees, modules) = reading.read(documents);
    let templates = reading.classify(documents, &trees);
    for module in &modules {
        reading.module(module);
    }
    reading.stacks(templates);
    reading.finish()
}

/// Terraform source of one directory, keyed by the index of its first file.
struct SourceModule<'a> {
    index: usize,
    dir: &'a str,
    files: Vec<hcl::SourceFile<'a>>,
}

/// What `parse` gathers; outcomes are keyed by input index, so the report
/// follows input order.
#[derive(Default)]
struct Reading {
    /// Templates, plans and modules read.
    inputs: usize,
    skipped: Vec<Skipped>,
    errors: Vec<(usize, Error)>,
    results: Vec<(usize, Result<Vec<FoundResource>, Error>)>,
}

impl Reading {
    /// Parses each document into a tree, or groups it into its Terraform
    /// module (one per directory).
    fn read<'a>(
        &mut self,
        documents: &[Document<'a>],
    ) -> (Vec<(usize, Node)>, Vec<SourceModule<'a>>) {
        let mut trees = Vec::new();
        let mut modules: Vec<SourceModule<'a>> = Vec::new();
        for (index, document) in documents.iter().enumerate() {
            if let Some(reason) = document.unreadable {
                self.errors.push((
                    index,
                    Error::Unreadable {
                        path: document.path.to_owned(),
                        reason: reason.to_owned(),
                    },
                ));
                continue;
            }
            if hcl::is_source(document.path) {
                let dir = hcl::module_dir(document.path);
                let file = hcl::SourceFile {
                    path: document.path,
                    text: document.text,
                };
                match modules.iter_mut().find(|module| module.dir == dir) {
                    Some(module) => module.files.push(file),
                    None => modules.push(SourceModule {
                        index,
                        dir,
                        files: vec![file],
                    }),
                }
                continue;
            }
            match node::parse(document.path, document.text) {
                Ok(tree) => trees.push((index, tree)),
                // Beyond every limit is hostile, not merely another kind of
                // file: an error wherever it was found.
                Err(error @ Error::TooLarge { .. }) => self.errors.push((index, error)),
                Err(error) if document.named || looks_like_input(document.text) => {
                    self.errors.push((index, error))
                }
                Err(error) => self.skipped.push(Skipped {
                    file: document.path.to_owned(),
                    reason: format!("not YAML or JSON ({error})"),
                }),
            }
        }
        (trees, modules)
    }

    /// Plans are read here; templates are returned, to be read together
    /// (imports between them); anything else is skipped or an error.
    fn classify<'a>(
        &mut self,
        documents: &[Document<'a>],
        trees: &'a [(usize, Node)],
    ) -> Vec<(usize, cfn::Template<'a>)> {
        let mut templates = Vec::new();
        for (index, tree) in trees {
            let document = &documents[*index];
            if cfn::is_template(tree) {
                let template = cfn::Template {
                    path: document.path,
                    root: tree,
                };
                templates.push((*index, template));
                self.inputs += 1;
            } else if terraform::is_plan(tree) {
                self.inputs += 1;
                self.results
                    .push((*index, terraform::found_resources(document.path, tree)));
            } else {
                self.not_an_input(*index, document, tree);
            }
        }
        templates
    }

    fn not_an_input(&mut self, index: usize, document: &Document<'_>, tree: &Node) {
        match (not_an_input(tree), document.named) {
            ("", _) => {}
            // An empty template file is a mistake wherever it was found.
            (what @ "empty", _) | (what, true) => self.errors.push((
                index,
                Error::NotATemplate {
                    path: document.path.to_owned(),
                    what: what.to_owned(),
                },
            )),
            (what, false) => self.skipped.push(Skipped {
                file: document.path.to_owned(),
                reason: format!("{what}, not a CloudFormation template or Terraform plan"),
            }),
        }
    }

    fn module(&mut self, module: &SourceModule<'_>) {
        self.inputs += 1;
        let (targets, errors) = hcl::found_resources(&module.files);
        self.results.push((module.index, Ok(targets)));
        self.errors
            .extend(errors.into_iter().map(|error| (module.index, error)));
    }

    fn stacks(&mut self, templates: Vec<(usize, cfn::Template<'_>)>) {
        let indices: Vec<usize> = templates.iter().map(|(index, _)| *index).collect();
        let stacks = cfn::Stacks::new(
            templates
                .into_iter()
                .map(|(_, template)| template)
                .collect(),
        );
        for (doc, index) in indices.into_iter().enumerate() {
            self.results.push((index, stacks.found_resources(doc)));
        }
    }

    fn finish(mut self) -> Parsed {
        let mut parsed = Parsed {
            inputs: self.inputs,
            skipped: self.skipped,
            ..Parsed::default()
        };
        self.results.sort_by_key(|(index, _)| *index);
        for (index, result) in self.results {
            match result {
                Ok(mut targets) => {
                    // A Terraform module spans files: file order, then line.
                    targets.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
                    parsed.resources.extend(targets);
                }
                Err(error) => self.errors.push((index, error)),
            }
        }
        self.errors.sort_by_key(|(index, _)| *index);
        parsed.errors = self.errors.into_iter().map(|(_, error)| error).collect();
        parsed
    }
}

/// Whether unreadable text still claims to be a template or plan, so its
/// failure is an error rather than a skipped file.
fn looks_like_input(text: &str) -> bool {
    [
        "AWSTemplateFormatVersion",
        "AWS::",
        "\"format_version\"",
        "\"planned_values\"",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

/// What a document that is neither a template nor a plan is: `""` for the
/// companions of a cdk.out (manifest, tree, assets), read silently.
fn not_an_input(tree: &Node) -> &'static str {
    let has = |key: &str| tree.get(key).is_some();
    let cdk_companion = [
        "artifacts",
        "tree",
        "files",
        "dockerImages",
        "pluginReports",
    ];
    let only_version = tree
        .as_map()
        .is_some_and(|entries| entries.len() == 1 && has("version"));
    if terraform::is_state(tree) {
        "a Terraform state (run terraform show -json on a saved plan instead)"
    } else if only_version || (has("version") && cdk_companion.iter().any(|key| has(key))) {
        ""
    } else if tree.is_null() {
        "empty"
    } else {
        "another kind of document"
    }
}

impl Parsed {
    /// Every key reference only DescribeKey can judge, as the caller must
    /// key [`CheckOptions::lookups`]: the text to pass to DescribeKey, with
    /// pseudo parameters (`${AWS::Region}`) filled in from `deployment`.
    /// References that still hold an unknown part are left out.
    pub fn key_references(&self, deployment: Option<&Deployment>) -> BTreeSet<String> {
        self.resources
            .iter()
            .flat_map(|target| &target.scenarios)
            .filter_map(|scenario| match &scenario.key {
                KeyUse::Lookup(reference) => reference.resolve(deployment),
                _ => None,
            })
            .collect()
    }

    /// Judges every resource.
    pub fn judge(&self, options: &CheckOptions) -> Report {
        Report {
            findings: self
                .resources
                .iter()
                .map(|target| judge::judge(target, options))
                .collect(),
            skipped: self.skipped.clone(),
            errors: self.errors.clone(),
            inputs: self.inputs,
        }
    }
}

/// Reads and judges in one step.
pub fn check(documents: &[Document<'_>], options: &CheckOptions) -> Report {
    parse(documents).judge(options)
}
