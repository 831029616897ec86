//! Terraform configuration as people write it: the `.tf` and `.tf.json`
//! files of one directory, read as one module without `terraform init`,
//! providers or credentials.
//!
//! Parser: [hcl-edit](https://crates.io/crates/hcl-edit), from the hcl-rs
//! project (maintained, HCL2 complete: templates, conditionals, for
//! expressions, heredocs). It keeps a byte span on every block, attribute
//! and expression, so a finding points at the line that decides; hcl-rs's
//! own `Body` drops spans, and its evaluator needs the values this reader
//! deliberately does not have (it must say *which* key, statically, not
//! run the configuration).
//!
//! What is resolved, statically, and judged like the plan reader judges
//! the same resources: `aws_kms_key`/`aws_kms_alias`/replica and external
//! keys of the module, `data "aws_kms_alias"`/`data "aws_kms_key"` naming
//! `alias/aws/*`, `local.X`, `var.X` with a default, and conditionals
//! (both branches judged, like CloudFormation conditions). Everything else
//! (a variable without a default, a module output, a function) is
//! UNVERIFIED, and a literal ARN is left for `--resolve`. A block with
//! `count` or `for_each` is judged once, under the block's address.

use std::collections::{BTreeMap, HashMap};

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body};
use hcl_edit::template::Element;
use hcl_edit::Span;
use neptune_cmk_evaluator::{KeyOrigin, KeyState, ResourceKind};

use crate::found::BeforeDeploy::{self, Known, Unknown};
use crate::found::{
    alias_name, is_aws_managed_alias, near_miss, FoundResource, KeyUse, KnownKey, Reference,
    Scenario,
};
use crate::node::{Node, Value};
use crate::Error;

/// Nesting of brackets a file may have; deeper is refused before parsing,
/// since the parser recurses once per level.
const MAX_NESTING: usize = 64;

/// References followed before giving up on a chain (a local that names
/// itself, through others, is a cycle).
const MAX_HOPS: usize = 32;

/// Whether a path is Terraform source: `*.tf` or `*.tf.json`.
pub(crate) fn is_source(path: &str) -> bool {
    path.ends_with(".tf") || path.ends_with(".tf.json")
}

/// The directory a source file belongs to: one module per directory.
pub(crate) fn module_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |at| &path[..at])
}

/// One source file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceFile<'a> {
    pub(crate) path: &'a str,
    pub(crate) text: &'a str,
}

/// The Neptune resources of one module (the files of one directory), and
/// the files that could not be read. A file that cannot be read is left
/// out; the rest of the module is still judged.
pub(crate) fn found_resources(files: &[SourceFile<'_>]) -> (Vec<FoundResource>, Vec<Error>) {
    let mut module = Module::default();
    let mut errors = Vec::new();
    for file in files {
        let read = if file.path.ends_with(".json") {
            read_json(file, &mut module)
        } else {
            read_hcl(file, &mut module)
        };
        if let Err(error) = read {
            errors.push(error);
        }
    }
    (module.targets(), errors)
}

/// A value as the module states it, with the line it is on.
#[derive(Debug, Clone)]
struct Expr {
    line: usize,
    kind: ExprKind,
}

#[derive(Debug, Clone)]
enum ExprKind {
    Null,
    Bool(bool),
    Text(String),
    /// A number, or anything else that is a value but no key.
    Scalar(String),
    /// `var.name`, `aws_kms_key.k.arn`: the names, indices dropped, and the
    /// text as written.
    Reference(Vec<String>, String),
    Conditional {
        condition: String,
        when_true: Box<Expr>,
        when_false: Box<Expr>,
    },
    /// A function call, an operation, a template or a collection: what
    /// this reader does not evaluate, as written.
    Other(String),
}

/// A `resource` or `data` block: where it is and its attributes.
#[derive(Debug, Clone)]
struct Resource {
    file: String,
    line: usize,
    attributes: BTreeMap<String, Expr>,
}

/// What the module's files declare.
#[derive(Debug, Default)]
struct Module {
    /// `(mode, type, name)`, in file order.
    order: Vec<(Mode, String, String)>,
    resources: HashMap<(Mode, String, String), Resource>,
    locals: HashMap<String, Expr>,
    /// A variable's default, `None` without one.
    variables: HashMap<String, Option<Expr>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    Managed,
    Data,
}

// --- Reading HCL -------------------------------------------------------------

fn read_hcl(file: &SourceFile<'_>, module: &mut Module) -> Result<(), Error> {
    let lines = LineIndex::new(file.text);
    if let Some(at) = too_deep(file.text) {
        return Err(Error::TooLarge {
            path: file.path.to_owned(),
            line: lines.line(at),
            what: format!("brackets nest deeper than {MAX_NESTING} levels"),
        });
    }
    let body = hcl_edit::parser::parse_body(file.text).map_err(|error| {
        let location = error.location();
        Error::Hcl {
            path: file.path.to_owned(),
            line: location.line(),
            column: location.column(),
            reason: error.message().to_owned(),
        }
    })?;
    let reader = HclReader {
        path: file.path,
        lines: &lines,
    };
    reader.body(&body, module);
    Ok(())
}

struct HclReader<'a> {
    path: &'a str,
    lines: &'a LineIndex,
}

impl HclReader<'_> {
    fn body(&self, body: &Body, module: &mut Module) {
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels.iter().map(label_text).collect();
            match (block.ident.as_str(), labels.as_slice()) {
                ("resource", [kind, name]) => {
                    self.resource(Mode::Managed, kind, name, block, module)
                }
                ("data", [kind, name]) => self.resource(Mode::Data, kind, name, block, module),
                ("variable", [name]) => {
                    let default = block
                        .body
                        .get_attribute("default")
                        .map(|attribute| self.expr(&attribute.value));
                    module.variables.insert((*name).to_owned(), default);
                }
                ("locals", []) => {
                    for attribute in block.body.attributes() {
                        module.locals.insert(
                            attribute.key.as_str().to_owned(),
                            self.expr(&attribute.value),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn resource(&self, mode: Mode, kind: &str, name: &str, block: &Block, module: &mut Module) {
        let attributes = block
            .body
            .attributes()
            .map(|attribute| {
                (
                    attribute.key.as_str().to_owned(),
                    self.expr(&attribute.value),
                )
            })
            .collect();
        module.add(
            mode,
            kind,
            name,
            Resource {
                file: self.path.to_owned(),
                line: self.line_of(block.span()),
                attributes,
            },
        );
    }

    fn line_of(&self, span: Option<std::ops::Range<usize>>) -> usize {
        span.map_or(1, |span| self.lines.line(span.start))
    }

    fn expr(&self, expression: &Expression) -> Expr {
        let line = self.line_of(expression.span());
        let kind = match expression {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(flag) => ExprKind::Bool(*flag.value()),
            Expression::String(text) => ExprKind::Text(text.value().clone()),
            Expression::Number(number) => ExprKind::Scalar(number.to_string()),
            Expression::Parenthesis(inner) => return self.expr(inner.inner()),
            Expression::Variable(name) => {
                ExprKind::Reference(vec![name.as_str().to_owned()], name.as_str().to_owned())
            }
            Expression::Traversal(traversal) => self.traversal(traversal, expression),
            Expression::Conditional(conditional) => ExprKind::Conditional {
                condition: self.source(conditional.cond_expr.span()),
                when_true: Box::new(self.expr(&conditional.true_expr)),
                when_false: Box::new(self.expr(&conditional.false_expr)),
            },
            Expression::StringTemplate(template) => {
                match template.iter().collect::<Vec<_>>().as_slice() {
                    // "${aws_kms_key.k.arn}" is the reference itself.
                    [Element::Interpolation(interpolation)] => {
                        return self.expr(&interpolation.expr)
                    }
                    elements if elements.iter().all(|e| matches!(e, Element::Literal(_))) => {
                        ExprKind::Text(
                            elements
                                .iter()
                                .filter_map(|element| match element {
                                    Element::Literal(text) => Some(text.value().as_str()),
                                    _ => None,
                                })
                                .collect(),
                        )
                    }
                    _ => ExprKind::Other(self.source(expression.span())),
                }
            }
            _ => ExprKind::Other(self.source(expression.span())),
        };
        Expr { line, kind }
    }

    fn traversal(&self, traversal: &hcl_edit::expr::Traversal, whole: &Expression) -> ExprKind {
        let Expression::Variable(root) = &traversal.expr else {
            return ExprKind::Other(self.source(whole.span()));
        };
        let mut names = vec![root.as_str().to_owned()];
        for operator in &traversal.operators {
            match operator.value() {
                TraversalOperator::GetAttr(name) => names.push(name.as_str().to_owned()),
                TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {}
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => break,
            }
        }
        ExprKind::Reference(names, self.source(whole.span()))
    }

    /// The text of a span, for messages.
    fn source(&self, span: Option<std::ops::Range<usize>>) -> String {
        span.and_then(|span| self.lines.text.get(span))
            .map_or_else(|| "an expression".to_owned(), |text| text.trim().to_owned())
    }
}

fn label_text(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(text) => text.value(),
    }
}

/// The offset where brackets first nest deeper than [`MAX_NESTING`],
/// strings and comments aside.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    let mut comment = false;
    for (at, c) in text.char_indices() {
        match (c, quoted, comment) {
            ('\n', _, true) => comment = false,
            (_, _, true) => {}
            ('\\', true, _) if !escaped => {
                escaped = true;
                continue;
            }
            ('"', _, _) if !escaped => quoted = !quoted,
            ('#', false, _) => comment = true,
            ('(' | '[' | '{', false, _) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(at);
                }
            }
            (')' | ']' | '}', false, _) => depth = depth.saturating_sub(1),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// Byte offsets to 1-based lines.
struct LineIndex {
    text: String,
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            text: text.to_owned(),
            starts,
        }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset)
    }
}

// --- Reading .tf.json ----------------------------------------------------------

fn read_json(file: &SourceFile<'_>, module: &mut Module) -> Result<(), Error> {
    let root = crate::node::parse(file.path, file.text)?;
    for section in objects(&root) {
        for entry in section.as_map().unwrap_or_default() {
            match entry.key.as_str() {
                "resource" | "data" => {
                    let mode = if entry.key == "resource" {
                        Mode::Managed
                    } else {
                        Mode::Data
                    };
                    json_resources(file.path, mode, &entry.value, module)?;
                }
                "variable" => {
                    for variables in objects(&entry.value) {
                        for variable in variables.as_map().unwrap_or_default() {
                            let default = objects(&variable.value)
                                .find_map(|body| body.get("default"))
                                .map(|value| json_expr(file.path, value))
                                .transpose()?;
                            module.variables.insert(variable.key.clone(), default);
                        }
                    }
                }
                "locals" => {
                    for locals in objects(&entry.value) {
                        for local in locals.as_map().unwrap_or_default() {
                            module
                                .locals
                                .insert(local.key.clone(), json_expr(file.path, &local.value)?);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A JSON syntax block: an object, or an array of objects.
fn objects(node: &Node) -> impl Iterator<Item = &Node> {
    let items: Vec<&Node> = match &node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items
            .iter()
            .filter(|item| item.as_map().is_some())
            .collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

fn json_resources(path: &str, mode: Mode, node: &Node, module: &mut Module) -> Result<(), Error> {
    for types in objects(node) {
        for kind in types.as_map().unwrap_or_default() {
            for names in objects(&kind.value) {
                for name in names.as_map().unwrap_or_default() {
                    let mut attributes = BTreeMap::new();
                    for body in objects(&name.value) {
                        for attribute in body.as_map().unwrap_or_default() {
                            attributes
                                .insert(attribute.key.clone(), json_expr(path, &attribute.value)?);
                        }
                    }
                    module.add(
                        mode,
                        &kind.key,
                        &name.key,
                        Resource {
                            file: path.to_owned(),
                            line: name.line,
                            attributes,
                        },
                    );
                }
            }
        }
    }
    Ok(())
}

/// A JSON value as an expression: strings are templates, so
/// `"${var.key}"` is the reference and `"a${b}"` is not evaluated.
fn json_expr(path: &str, node: &Node) -> Result<Expr, Error> {
    let kind = match &node.value {
        Value::Null => ExprKind::Null,
        Value::Bool(flag) => ExprKind::Bool(*flag),
        Value::Number(text) => ExprKind::Scalar(text.clone()),
        Value::String(text) => match text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
            Some(inner) if !inner.contains("${") => {
                let expression =
                    hcl_edit::parser::parse_expr(inner).map_err(|error| Error::Hcl {
                        path: path.to_owned(),
                        line: node.line,
                        column: error.location().column(),
                        reason: format!("in the interpolation {text:?}: {}", error.message()),
                    })?;
                let lines = LineIndex::new(inner);
                let reader = HclReader {
                    path,
                    lines: &lines,
                };
                let mut expr = reader.expr(&expression);
                relocate(&mut expr, node.line);
                return Ok(expr);
            }
            _ if text.contains("${") => ExprKind::Other(text.clone()),
            _ => ExprKind::Text(text.clone()),
        },
        Value::Seq(_) | Value::Map(_) => ExprKind::Other(node.describe()),
    };
    Ok(Expr {
        line: node.line,
        kind,
    })
}

/// An interpolation's expressions are all on the line of its string.
fn relocate(expr: &mut Expr, line: usize) {
    expr.line = line;
    if let ExprKind::Conditional {
        when_true,
        when_false,
        ..
    } = &mut expr.kind
    {
        relocate(when_true, line);
        relocate(when_false, line);
    }
}

/// `did you mean` notes for attributes one typo away from a deciding one
/// (`kms_key_id` on a cluster, whose attribute is `kms_key_arn`).
fn misspelled_attributes(resource: &Resource, kind: ResourceKind) -> Vec<String> {
    let deciding: &[&str] = match kind {
        ResourceKind::Graph => &["kms_key_identifier"],
        _ => &["kms_key_arn", "storage_encrypted", "snapshot_identifier"],
    };
    resource
        .attributes
        .iter()
        .filter_map(|(name, expr)| {
            let meant = near_miss(name, deciding)?;
            Some(format!(
                "did you mean {meant}? {name} (line {}) is not an argument of this resource, so \
                 it is ignored here and rejected by terraform validate",
                expr.line
            ))
        })
        .collect()
}

// --- Judging the module ----------------------------------------------------------

/// What an expression stands for: one value per branch.
#[derive(Debug, Clone)]
enum Outcome {
    Absent,
    Bool(bool),
    Text(String),
    Key(KeyUse),
    Unknown { display: String, why: String },
}

type Alternatives = Vec<(Option<String>, Outcome)>;

/// A boolean attribute: its value, or what it is and why it has no value
/// before plan.
#[derive(Debug, PartialEq, Eq)]
enum Flag {
    Known(bool),
    Unknown { display: String, why: String },
}

fn unknown_flag(display: impl Into<String>, why: &str) -> Flag {
    Flag::Unknown {
        display: display.into(),
        why: why.to_owned(),
    }
}

fn single(outcome: Outcome) -> Alternatives {
    vec![(None, outcome)]
}

fn unknown(display: &str, why: &str) -> Outcome {
    Outcome::Unknown {
        display: display.to_owned(),
        why: why.to_owned(),
    }
}

impl Module {
    fn add(&mut self, mode: Mode, kind: &str, name: &str, resource: Resource) {
        let id = (mode, kind.to_owned(), name.to_owned());
        if self.resources.insert(id.clone(), resource).is_none() {
            self.order.push(id);
        }
    }

    fn targets(&self) -> Vec<FoundResource> {
        self.order
            .iter()
            .filter(|(mode, _, _)| *mode == Mode::Managed)
            .filter_map(|(_, kind, name)| {
                let resource = &self.resources[&(Mode::Managed, kind.clone(), name.clone())];
                self.target(kind, name, resource)
            })
            .collect()
    }

    fn target(&self, kind: &str, name: &str, resource: &Resource) -> Option<FoundResource> {
        let (resource_kind, key_field, scenarios) = match kind {
            "aws_neptune_cluster" => (ResourceKind::Cluster, "kms_key_arn", self.cluster(resource)),
            "aws_neptunegraph_graph" => (
                ResourceKind::Graph,
                "kms_key_identifier",
                self.key_scenarios(resource, "kms_key_identifier", KeyUse::AwsOwned),
            ),
            "aws_neptune_global_cluster" => (
                ResourceKind::Cluster,
                "storage_encrypted",
                self.global_cluster(resource)?,
            ),
            _ => return None,
        };
        // The attribute that decides, else the block.
        let line = ["kms_key_arn", "kms_key_identifier", "storage_encrypted"]
            .iter()
            .find_map(|attribute| resource.attributes.get(*attribute))
            .map_or(resource.line, |expr| expr.line);
        Some(FoundResource {
            file: resource.file.clone(),
            line,
            resource: format!("{kind}.{name}"),
            construct_path: None,
            resource_type: kind.to_owned(),
            kind: resource_kind,
            key_field,
            scenarios,
            hints: misspelled_attributes(resource, resource_kind),
        })
    }

    fn cluster(&self, resource: &Resource) -> Vec<Scenario> {
        let restore = self
            .attribute(resource, "snapshot_identifier", 0)
            .into_iter()
            .find_map(|(_, outcome)| match outcome {
                Outcome::Text(text) if !text.is_empty() => Some(text),
                Outcome::Unknown { display, .. } => Some(display),
                _ => None,
            });
        if let Some(source) = restore {
            // storage_encrypted is ignored on a restore: a key re-encrypts,
            // no key keeps the snapshot's encryption.
            if self.is_absent(resource, "kms_key_arn") {
                return vec![Scenario {
                    label: None,
                    key: KeyUse::RestoreInherits {
                        source: format!("snapshot_identifier {source}"),
                    },
                }];
            }
            return self.key_scenarios(resource, "kms_key_arn", KeyUse::DefaultKey);
        }
        match self.flag(resource, "storage_encrypted") {
            Flag::Unknown { display, why } => vec![Scenario {
                label: None,
                key: KeyUse::Unresolved {
                    field: "storage_encrypted".to_owned(),
                    display,
                    why,
                },
            }],
            Flag::Known(false) => vec![Scenario {
                label: None,
                key: KeyUse::Unencrypted,
            }],
            Flag::Known(true) => self.key_scenarios(resource, "kms_key_arn", KeyUse::DefaultKey),
        }
    }

    /// A global cluster carries no key: its members do, and are judged. It
    /// is judged only when it is stated unencrypted, which its members then
    /// are.
    fn global_cluster(&self, resource: &Resource) -> Option<Vec<Scenario>> {
        let has_source = !self.is_absent(resource, "source_db_cluster_identifier");
        if has_source || self.flag(resource, "storage_encrypted") != Flag::Known(false) {
            return None;
        }
        Some(vec![Scenario {
            label: None,
            key: KeyUse::Unencrypted,
        }])
    }

    fn key_scenarios(
        &self,
        resource: &Resource,
        field: &str,
        when_absent: KeyUse,
    ) -> Vec<Scenario> {
        self.attribute(resource, field, 0)
            .into_iter()
            .map(|(label, outcome)| {
                let key = match outcome {
                    Outcome::Absent => when_absent.clone(),
                    Outcome::Text(text) if text.is_empty() => when_absent.clone(),
                    Outcome::Text(text) => self.known_text(&text, 0),
                    Outcome::Key(key) => key,
                    Outcome::Bool(flag) => KeyUse::Unresolved {
                        field: field.to_owned(),
                        display: format!("the boolean {flag}"),
                        why: "a key is named by its ARN, id or alias".to_owned(),
                    },
                    Outcome::Unknown { display, why } => KeyUse::Unresolved {
                        field: field.to_owned(),
                        display,
                        why,
                    },
                };
                Scenario { label, key }
            })
            .collect()
    }

    /// A boolean attribute (false when absent), or what it depends on.
    fn flag(&self, resource: &Resource, attribute: &str) -> Flag {
        let mut values = Vec::new();
        for (_, outcome) in self.attribute(resource, attribute, 0) {
            match outcome {
                Outcome::Absent => values.push(false),
                Outcome::Bool(flag) => values.push(flag),
                // Terraform converts "true" and "false" where a bool belongs.
                Outcome::Text(text) if text == "true" || text == "false" => {
                    values.push(text == "true")
                }
                Outcome::Text(text) => {
                    return unknown_flag(format!("the string {text:?}"), "it is not a boolean")
                }
                Outcome::Unknown { display, why } => return Flag::Unknown { display, why },
                Outcome::Key(_) => {
                    return unknown_flag("a KMS key", "it names a key where a boolean belongs")
                }
            }
        }
        match values.as_slice() {
            [first, rest @ ..] if rest.iter().all(|value| value == first) => Flag::Known(*first),
            [] => Flag::Known(false),
            _ => unknown_flag(
                "a conditional expression",
                "it is true in one branch and false in another",
            ),
        }
    }

    fn is_absent(&self, resource: &Resource, attribute: &str) -> bool {
        self.attribute(resource, attribute, 0)
            .iter()
            .all(|(_, outcome)| match outcome {
                Outcome::Absent => true,
                Outcome::Text(text) => text.is_empty(),
                _ => false,
            })
    }

    fn attribute(&self, resource: &Resource, attribute: &str, hops: usize) -> Alternatives {
        match resource.attributes.get(attribute) {
            Some(expr) => self.eval(expr, hops),
            None => single(Outcome::Absent),
        }
    }

    fn eval(&self, expr: &Expr, hops: usize) -> Alternatives {
        self.eval_along(expr, hops, &[])
    }

    /// `trail`: the locals and variables being evaluated, outermost first,
    /// so a cycle is named as one.
    fn eval_along(&self, expr: &Expr, hops: usize, trail: &[String]) -> Alternatives {
        if hops > MAX_HOPS {
            return single(unknown(
                "a reference chain",
                &format!("it is longer than {MAX_HOPS} references"),
            ));
        }
        match &expr.kind {
            ExprKind::Null => single(Outcome::Absent),
            ExprKind::Bool(flag) => single(Outcome::Bool(*flag)),
            ExprKind::Text(text) => single(Outcome::Text(text.clone())),
            ExprKind::Scalar(text) => single(Outcome::Text(text.clone())),
            ExprKind::Reference(names, text) => self.reference(names, text, hops + 1, trail),
            ExprKind::Conditional {
                condition,
                when_true,
                when_false,
            } => {
                let mut alternatives = Vec::new();
                for (branch, value) in [(true, when_true), (false, when_false)] {
                    for (label, outcome) in self.eval_along(value, hops + 1, trail) {
                        let this = format!("{condition} is {branch}");
                        let label = Some(match label {
                            Some(inner) => format!("{this} and {inner}"),
                            None => this,
                        });
                        alternatives.push((label, outcome));
                    }
                }
                alternatives
            }
            ExprKind::Other(text) => single(unknown(
                text,
                "a function, operator or template this check does not evaluate; name the key \
                 directly, or check the plan (terraform show -json)",
            )),
        }
    }

    fn reference(
        &self,
        names: &[String],
        text: &str,
        hops: usize,
        trail: &[String],
    ) -> Alternatives {
        let part = |index: usize| names.get(index).map(String::as_str);
        // A local or variable whose value names itself, directly or not.
        let named = |kind: &str, name: &str| -> Result<Vec<String>, Alternatives> {
            let this = format!("{kind}.{name}");
            if let Some(start) = trail.iter().position(|seen| *seen == this) {
                let cycle: Vec<&str> = trail[start..]
                    .iter()
                    .map(String::as_str)
                    .chain([this.as_str()])
                    .collect();
                return Err(single(unknown(
                    &this,
                    &format!("a reference cycle: {}", cycle.join(" → ")),
                )));
            }
            Ok(trail.iter().cloned().chain([this]).collect())
        };
        match (part(0), part(1), part(2)) {
            (Some("var"), Some(name), _) => {
                let trail = match named("var", name) {
                    Ok(trail) => trail,
                    Err(cycle) => return cycle,
                };
                match self.variables.get(name) {
                    Some(Some(default)) => self.eval_along(default, hops, &trail),
                    Some(None) => single(unknown(
                        text,
                        "a variable without a default: its value is given at plan time (tfvars, \
                         -var)",
                    )),
                    None => single(unknown(text, "no such variable is declared in this module")),
                }
            }
            (Some("local"), Some(name), _) => {
                let trail = match named("local", name) {
                    Ok(trail) => trail,
                    Err(cycle) => return cycle,
                };
                match self.locals.get(name) {
                    Some(value) => self.eval_along(value, hops, &trail),
                    None => single(unknown(text, "no such local is declared in this module")),
                }
            }
            (Some("data"), Some(kind), Some(name)) => {
                single(self.data_source(kind, name, text, hops))
            }
            (Some("module"), _, _) => single(unknown(
                text,
                "a module output: its value is known to terraform plan, not to this check",
            )),
            (Some(kind), Some(name), _) if kind.starts_with("aws_kms_") => {
                single(self.managed_key(kind, name, text, hops))
            }
            (Some(kind), Some(_), _) if kind.contains('_') => single(unknown(
                text,
                &format!("{kind} is not a KMS key, and its attributes are known only after apply"),
            )),
            _ => single(unknown(
                text,
                "its value is known only at plan or apply time",
            )),
        }
    }

    fn resource(&self, mode: Mode, kind: &str, name: &str) -> Option<&Resource> {
        self.resources
            .get(&(mode, kind.to_owned(), name.to_owned()))
    }

    /// A key, key replica or alias resource of this module.
    fn managed_key(&self, kind: &str, name: &str, text: &str, hops: usize) -> Outcome {
        let address = format!("{kind}.{name}");
        let Some(resource) = self.resource(Mode::Managed, kind, name) else {
            return unknown(text, &format!("{address} is not declared in this module"));
        };
        let (state, origin) = match kind {
            "aws_kms_key" => {
                let origin = if self.is_absent(resource, "custom_key_store_id") {
                    KeyOrigin::AwsKms
                } else if self.is_absent(resource, "xks_key_id") {
                    KeyOrigin::AwsCloudHsm
                } else {
                    KeyOrigin::ExternalKeyStore
                };
                (self.key_state(resource, "is_enabled", hops), Known(origin))
            }
            "aws_kms_external_key" | "aws_kms_replica_external_key" => {
                let state = match self.key_state(resource, "enabled", hops) {
                    Known(KeyState::Enabled) if self.is_absent(resource, "key_material_base64") => {
                        Unknown(
                            "no key_material_base64: it is PendingImport until key material \
                                 is imported"
                                .to_owned(),
                        )
                    }
                    other => other,
                };
                (state, Known(KeyOrigin::External))
            }
            "aws_kms_replica_key" => (
                self.key_state(resource, "enabled", hops),
                self.replica_origin(resource, hops),
            ),
            "aws_kms_alias" => return self.alias(resource, &address, hops),
            _ => return unknown(text, &format!("{kind} is not a KMS key")),
        };
        Outcome::Key(KeyUse::Known(KnownKey {
            display: address,
            aws_managed: false,
            state,
            origin,
        }))
    }

    /// Enabled unless the flag says false; unknown when it depends on what
    /// this check cannot know.
    fn key_state(
        &self,
        resource: &Resource,
        attribute: &str,
        hops: usize,
    ) -> BeforeDeploy<KeyState> {
        let mut state = Known(KeyState::Enabled);
        for (_, outcome) in self.attribute(resource, attribute, hops) {
            match outcome {
                Outcome::Bool(false) => state = Known(KeyState::Disabled),
                Outcome::Text(text) if text == "false" => state = Known(KeyState::Disabled),
                Outcome::Unknown { display, why } => {
                    state = Unknown(format!("{attribute} is {display}: {why}"))
                }
                _ => {}
            }
        }
        state
    }

    /// A replica has its primary key's origin, known when the primary is
    /// in this module.
    fn replica_origin(&self, resource: &Resource, hops: usize) -> BeforeDeploy<KeyOrigin> {
        let key = match self
            .attribute(resource, "primary_key_arn", hops + 1)
            .into_iter()
            .next()
            .map(|(_, outcome)| outcome)
        {
            Some(Outcome::Key(key)) => Some(key),
            Some(Outcome::Text(text)) => Some(self.known_text(&text, hops + 1)),
            _ => None,
        };
        match key {
            Some(KeyUse::Known(known)) => known.origin,
            _ => Unknown(
                "a replica key has its primary key's origin, which is not in this module"
                    .to_owned(),
            ),
        }
    }

    fn alias(&self, resource: &Resource, address: &str, hops: usize) -> Outcome {
        let name = match self.attribute(resource, "name", hops).into_iter().next() {
            Some((_, Outcome::Text(name))) => name,
            _ => address.to_owned(),
        };
        let key = match self
            .attribute(resource, "target_key_id", hops + 1)
            .into_iter()
            .next()
            .map(|(_, outcome)| outcome)
        {
            Some(Outcome::Text(text)) => self.known_text(&text, hops + 1),
            Some(Outcome::Key(key)) => key,
            Some(Outcome::Unknown { display, why }) => return Outcome::Unknown { display, why },
            _ => return unknown(&name, "it has no target_key_id"),
        };
        Outcome::Key(key.via_alias(&name))
    }

    /// `data "aws_kms_alias"` / `data "aws_kms_key"`: an `alias/aws/*` name
    /// is the AWS managed key; any other key is for DescribeKey.
    fn data_source(&self, kind: &str, name: &str, text: &str, hops: usize) -> Outcome {
        let address = format!("data.{kind}.{name}");
        let Some(resource) = self.resource(Mode::Data, kind, name) else {
            return unknown(text, &format!("{address} is not declared in this module"));
        };
        let attribute = match kind {
            "aws_kms_alias" => "name",
            "aws_kms_key" => "key_id",
            _ => return unknown(text, &format!("{kind} is not a KMS key")),
        };
        match self
            .attribute(resource, attribute, hops + 1)
            .into_iter()
            .next()
        {
            Some((_, Outcome::Text(value))) if is_aws_managed_alias(&value) => Outcome::Key(
                KeyUse::Known(KnownKey::aws_managed(format!("{value} ({address})"))),
            ),
            Some((_, Outcome::Text(value))) => Outcome::Key(KeyUse::Lookup(Reference {
                origin: Some(format!("the {attribute} of {address}")),
                ..Reference::literal(value)
            })),
            Some((_, Outcome::Key(key))) => Outcome::Key(key),
            Some((_, Outcome::Unknown { display, why })) => Outcome::Unknown { display, why },
            _ => unknown(&address, &format!("its {attribute} is not set literally")),
        }
    }

    /// A literal key reference: a key or alias of this module when one has
    /// that name, else one for DescribeKey (`--resolve`).
    fn known_text(&self, text: &str, hops: usize) -> KeyUse {
        if let Some(key) = KeyUse::well_known(text, || text.to_owned()) {
            return key;
        }
        if let Some(alias) = alias_name(text) {
            let own = self.order.iter().find(|(mode, kind, name)| {
                *mode == Mode::Managed
                    && kind == "aws_kms_alias"
                    && self
                        .resource(Mode::Managed, kind, name)
                        .and_then(|resource| resource.attributes.get("name"))
                        .is_some_and(|expr| matches!(&expr.kind, ExprKind::Text(n) if n == alias))
            });
            if let Some((_, kind, name)) = own {
                if let Outcome::Key(key) = self.managed_key(kind, name, text, hops + 1) {
                    return key;
                }
            }
        }
        KeyUse::Lookup(Reference::literal(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let index = LineIndex::new("a\nbb\n\nc");
        assert_eq!(
            [0, 1, 2, 4, 5, 6].map(|at| index.line(at)),
            [1, 1, 2, 2, 3, 4]
        );
    }

    #[test]
    fn nesting_is_measured_outside_strings_and_comments() {
        let deep = format!("x = {}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(too_deep(&deep), Some(4 + 64));
        let quoted = format!("x = \"{}\" # {}", "[".repeat(100), "(".repeat(100));
        assert_eq!(too_deep(&quoted), None);
    }
}
