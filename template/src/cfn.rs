//! CloudFormation templates (JSON or YAML, and cdk.out's
//! `*.template.json`): find every Neptune cluster and graph and say what
//! its key is, resolving intrinsic functions as far as a template allows.
//!
//! Resolution is offline and exact: a `Ref` to a key in the same template
//! is that key; a parameter is its `Default`; `Fn::If` is resolved once per
//! branch (the judge reports the worse); an export of another template
//! among the inputs is followed through `Fn::ImportValue`. Anything else
//! (a parameter without a default, an attribute of a custom resource)
//! stays unknown and is reported as such, never guessed.

use std::cell::RefCell;
use std::collections::HashMap;

use neptune_cmk_evaluator::{KeyOrigin, KeyState, ResourceKind};

use crate::found::BeforeDeploy::{self, Known, Unknown};
use crate::found::{
    alias_name, near_miss, FoundResource, KeyUse, KnownKey, RefPart, Reference, Scenario,
};
use crate::node::{Node, Value};
use crate::Error;

/// Conditions one resource may depend on: 2^6 branches at most.
pub(crate) const MAX_CONDITIONS: usize = 6;
/// Intrinsic functions nested deeper than this are not a real template.
const MAX_NESTING: usize = 64;

const CLUSTER: &str = "AWS::Neptune::DBCluster";
const GRAPH: &str = "AWS::NeptuneGraph::Graph";
const KEY: &str = "AWS::KMS::Key";
const REPLICA_KEY: &str = "AWS::KMS::ReplicaKey";
const ALIAS: &str = "AWS::KMS::Alias";

/// The properties that decide a resource's key, most decisive first.
fn deciding_properties(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Graph => &["KmsKeyIdentifier"],
        _ => &[
            "KmsKeyId",
            "StorageEncrypted",
            "SnapshotIdentifier",
            "SourceDBClusterIdentifier",
        ],
    }
}

/// The line of the property that decides, when the resource states one:
/// where a reviewer has to look (and SARIF annotates).
fn deciding_line(resource: &Node, kind: ResourceKind) -> Option<usize> {
    let properties = resource.get("Properties")?;
    deciding_properties(kind)
        .iter()
        .find_map(|name| properties.entry(name))
        .map(|entry| entry.line)
}

/// `did you mean` notes for properties one typo away from a deciding one.
fn misspelled_properties(resource: &Node, kind: ResourceKind) -> Vec<String> {
    let Some(properties) = resource.get("Properties").and_then(Node::as_map) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|entry| {
            let meant = near_miss(&entry.key, deciding_properties(kind))?;
            Some(format!(
                "did you mean {meant}? {} (line {}) is not a property CloudFormation knows, so it \
                 is ignored here and rejected at deploy",
                entry.key, entry.line
            ))
        })
        .collect()
}

/// Whether a parsed document is a CloudFormation template.
pub(crate) fn is_template(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion").is_some()
        || root
            .get("Resources")
            .is_some_and(|resources| resources.as_map().is_some())
}

/// One template among the inputs.
pub(crate) struct Template<'a> {
    pub(crate) path: &'a str,
    pub(crate) root: &'a Node,
}

impl Template<'_> {
    fn resource(&self, id: &str) -> Option<&Node> {
        self.root.get("Resources")?.get(id)
    }

    fn resource_type(&self, id: &str) -> Option<&str> {
        self.resource(id)?.get("Type")?.as_str()
    }

    fn property(&self, id: &str, name: &str) -> Option<&Node> {
        self.resource(id)?.get("Properties")?.get(name)
    }

    /// The construct path of a cdk.out resource, or its logical id.
    fn display(&self, id: &str) -> String {
        self.resource(id)
            .and_then(construct_path)
            .unwrap_or_else(|| id.to_owned())
    }
}

fn construct_path(resource: &Node) -> Option<String> {
    Some(
        resource
            .get("Metadata")?
            .get("aws:cdk:path")?
            .as_str()?
            .to_owned(),
    )
}

/// Every template of one run, so imports between them resolve.
pub(crate) struct Stacks<'a> {
    templates: Vec<Template<'a>>,
    /// Export name → (template, `Value` of the output).
    exports: HashMap<String, (usize, &'a Node)>,
    /// The keys, aliases and exports being resolved, outermost first: one
    /// met again is a reference cycle, named as one.
    visiting: RefCell<Vec<(usize, String)>>,
}

/// Leaves the trail of [`Stacks::visiting`] when the visit ends.
struct Visit<'s> {
    trail: &'s RefCell<Vec<(usize, String)>>,
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        self.trail.borrow_mut().pop();
    }
}

/// Why resolution stopped.
enum Stop {
    /// A condition this branch has not decided yet.
    Need(String),
    Error(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Self::Error(error)
    }
}

type Resolved<T> = Result<T, Stop>;

/// What an expression stands for in one branch.
#[derive(Debug, Clone)]
enum Val {
    /// `AWS::NoValue`, null, or no such property.
    Absent,
    Bool(bool),
    Text(Text),
    /// An `AWS::KMS::Key` or `AWS::KMS::ReplicaKey` of template `doc`.
    Key {
        doc: usize,
        id: String,
    },
    /// An `AWS::KMS::Alias` of template `doc`.
    Alias {
        doc: usize,
        id: String,
    },
    Import(String),
    List(Vec<Val>),
    /// A plain mapping: never a key.
    Map,
    Unknown {
        display: String,
        why: String,
    },
}

/// A string, possibly with parts that are not literal.
#[derive(Debug, Clone, Default)]
struct Text {
    parts: Vec<Part>,
    /// `the Default of parameter DbKey`, for annotations.
    origin: Option<String>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Pseudo(String),
    Hole(Box<Val>),
}

impl Text {
    fn literal(text: impl Into<String>) -> Self {
        Self {
            parts: vec![Part::Literal(text.into())],
            origin: None,
        }
    }

    fn push(&mut self, val: Val) {
        match val {
            Val::Text(text) => self.parts.extend(text.parts),
            Val::Bool(flag) => self.parts.push(Part::Literal(flag.to_string())),
            Val::Absent => {}
            other => self.parts.push(Part::Hole(Box::new(other))),
        }
    }

    fn display(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => text.clone(),
                Part::Pseudo(name) => format!("${{{name}}}"),
                Part::Hole(val) => format!("${{{}}}", val.display()),
            })
            .collect()
    }

    /// The text when every part is literal.
    fn as_literal(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// A DescribeKey reference, when no part is another value.
    fn reference(&self) -> Option<Reference> {
        let parts = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Some(RefPart::Literal(text.clone())),
                Part::Pseudo(name) => Some(RefPart::Pseudo(name.clone())),
                Part::Hole(_) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Reference {
            parts,
            origin: self.origin.clone(),
        })
    }

    fn holes(&self) -> impl Iterator<Item = &Val> {
        self.parts.iter().filter_map(|part| match part {
            Part::Hole(val) => Some(val.as_ref()),
            _ => None,
        })
    }
}

impl Val {
    fn display(&self) -> String {
        match self {
            Self::Absent => "AWS::NoValue".to_owned(),
            Self::Bool(flag) => flag.to_string(),
            Self::Text(text) => text.display(),
            Self::Key { id, .. } | Self::Alias { id, .. } => id.clone(),
            Self::Import(name) => format!("Fn::ImportValue {name}"),
            Self::List(items) => {
                let items: Vec<String> = items.iter().map(Val::display).collect();
                format!("[{}]", items.join(", "))
            }
            Self::Map => "a mapping".to_owned(),
            Self::Unknown { display, .. } => display.clone(),
        }
    }

    /// A value that can stand in a string: the result of a function with
    /// one argument, unwrapped (`!Sub "${Key.Arn}"` is the key itself).
    fn from_text(text: Text) -> Self {
        match text.parts.as_slice() {
            [Part::Hole(val)] => (**val).clone(),
            _ => Self::Text(text),
        }
    }
}

/// Where resolution is: which template, which branch, how deep.
#[derive(Clone, Copy)]
struct Ctx<'c> {
    /// The template being resolved.
    doc: usize,
    /// The template whose resource is judged: only its conditions branch.
    origin: usize,
    assignment: &'c [(String, bool)],
    depth: usize,
}

impl<'a> Stacks<'a> {
    /// Collects the templates and the exports they declare by literal
    /// name.
    pub(crate) fn new(templates: Vec<Template<'a>>) -> Self {
        let mut exports = HashMap::new();
        for (doc, template) in templates.iter().enumerate() {
            let Some(outputs) = template.root.get("Outputs").and_then(Node::as_map) else {
                continue;
            };
            for output in outputs {
                let name = output
                    .value
                    .get("Export")
                    .and_then(|export| export.get("Name"));
                if let (Some(name), Some(value)) =
                    (name.and_then(Node::as_str), output.value.get("Value"))
                {
                    exports.insert(name.to_owned(), (doc, value));
                }
            }
        }
        Self {
            templates,
            exports,
            visiting: RefCell::default(),
        }
    }

    /// Enters `name` of template `doc` (a key, an alias, an export), or
    /// names the cycle when it is already being resolved.
    fn visit(&self, doc: usize, name: &str, line: usize) -> Resolved<Visit<'_>> {
        let mut trail = self.visiting.borrow_mut();
        if let Some(start) = trail.iter().position(|(d, n)| *d == doc && n == name) {
            let cycle: Vec<&str> = trail[start..]
                .iter()
                .map(|(_, name)| name.as_str())
                .chain([name])
                .collect();
            return Err(Stop::Error(Error::Cycle {
                path: self.path(doc).to_owned(),
                line,
                cycle: cycle.join(" → "),
            }));
        }
        trail.push((doc, name.to_owned()));
        Ok(Visit {
            trail: &self.visiting,
        })
    }

    pub(crate) fn path(&self, doc: usize) -> &'a str {
        self.templates[doc].path
    }

    /// Every Neptune resource of template `doc`.
    pub(crate) fn found_resources(&self, doc: usize) -> Result<Vec<FoundResource>, Error> {
        let template = &self.templates[doc];
        let Some(resources) = template.root.get("Resources").and_then(Node::as_map) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for entry in resources {
            if entry.key.starts_with("Fn::ForEach::") && mentions_neptune(&entry.value) {
                return Err(Error::Invalid {
                    path: template.path.to_owned(),
                    line: entry.line,
                    field: format!("Resources.{}", entry.key),
                    problem: "makes Neptune resources with Fn::ForEach, which this reader does not expand".to_owned(),
                    fix: "check the processed template instead (aws cloudformation get-template --template-stage Processed)".to_owned(),
                });
            }
            let resource_type = entry.value.get("Type").and_then(Node::as_str);
            let (kind, key_field) = match resource_type {
                Some(CLUSTER) => (ResourceKind::Cluster, "KmsKeyId"),
                Some(GRAPH) => (ResourceKind::Graph, "KmsKeyIdentifier"),
                _ => continue,
            };
            let scenarios = self.scenarios(doc, &entry.key, entry.line, |ctx| {
                self.resource_key(ctx, &entry.value, kind)
            })?;
            found.push(FoundResource {
                file: template.path.to_owned(),
                line: deciding_line(&entry.value, kind).unwrap_or(entry.line),
                resource: entry.key.clone(),
                construct_path: construct_path(&entry.value),
                resource_type: resource_type.unwrap_or_default().to_owned(),
                kind,
                key_field,
                scenarios,
                hints: misspelled_properties(&entry.value, kind),
            });
        }
        Ok(found)
    }

    /// Resolves `decide` once per assignment of the conditions it meets.
    fn scenarios(
        &self,
        doc: usize,
        resource: &str,
        line: usize,
        decide: impl Fn(Ctx<'_>) -> Resolved<KeyUse>,
    ) -> Result<Vec<Scenario>, Error> {
        let mut pending: Vec<Vec<(String, bool)>> = vec![Vec::new()];
        let mut scenarios = Vec::new();
        while let Some(assignment) = pending.pop() {
            let ctx = Ctx {
                doc,
                origin: doc,
                assignment: &assignment,
                depth: 0,
            };
            match decide(ctx) {
                Ok(key) => scenarios.push(Scenario {
                    label: branch_label(&assignment),
                    key,
                }),
                Err(Stop::Need(condition)) => {
                    if assignment.len() >= MAX_CONDITIONS {
                        return Err(Error::TooManyBranches {
                            path: self.path(doc).to_owned(),
                            line,
                            resource: resource.to_owned(),
                            limit: MAX_CONDITIONS,
                        });
                    }
                    // Popped in reverse: the true branch is judged first.
                    for value in [false, true] {
                        let mut next = assignment.clone();
                        next.push((condition.clone(), value));
                        pending.push(next);
                    }
                }
                Err(Stop::Error(error)) => return Err(error),
            }
        }
        Ok(scenarios)
    }

    fn resource_key(&self, ctx: Ctx<'_>, resource: &Node, kind: ResourceKind) -> Resolved<KeyUse> {
        let properties = self.properties(ctx, resource.get("Properties"))?;
        let property = |name: &str| -> Resolved<(Val, usize)> {
            match properties.and_then(|properties| properties.get(name)) {
                Some(node) => Ok((self.resolve(ctx, node)?, node.line)),
                None => Ok((Val::Absent, resource.line)),
            }
        };
        if kind == ResourceKind::Graph {
            let (key, line) = property("KmsKeyIdentifier")?;
            return match key {
                Val::Absent => Ok(KeyUse::AwsOwned),
                key => self.key_use(ctx, key, "KmsKeyIdentifier", line),
            };
        }
        let (key, key_line) = property("KmsKeyId")?;
        for source in ["SnapshotIdentifier", "SourceDBClusterIdentifier"] {
            let (value, _) = property(source)?;
            if matches!(value, Val::Absent) {
                continue;
            }
            // On a restore StorageEncrypted is ignored: a key re-encrypts,
            // no key keeps the source's encryption.
            return match key {
                Val::Absent => Ok(KeyUse::RestoreInherits {
                    source: format!("{source} {}", value.display()),
                }),
                key => self.key_use(ctx, key, "KmsKeyId", key_line),
            };
        }
        let (encrypted, line) = property("StorageEncrypted")?;
        match self.flag(ctx, &encrypted, "StorageEncrypted", line)? {
            Unknown(why) => {
                return Ok(KeyUse::Unresolved {
                    field: "StorageEncrypted".to_owned(),
                    display: encrypted.display(),
                    why,
                })
            }
            Known(false) => return Ok(KeyUse::Unencrypted),
            Known(true) => {}
        }
        match key {
            Val::Absent => Ok(KeyUse::DefaultKey),
            key => self.key_use(ctx, key, "KmsKeyId", key_line),
        }
    }

    /// A resource's `Properties`, through an `Fn::If` that chooses all of
    /// them at once.
    fn properties<'n>(
        &self,
        ctx: Ctx<'_>,
        properties: Option<&'n Node>,
    ) -> Resolved<Option<&'n Node>> {
        let Some(properties) = properties else {
            return Ok(None);
        };
        let Some(entry) = properties.single_entry() else {
            return Ok(Some(properties));
        };
        match (entry.key.as_str(), entry.value.as_seq()) {
            ("Fn::If", Some([condition, when_true, when_false])) => {
                let condition = condition.as_str().ok_or_else(|| {
                    self.shape(ctx, "Fn::If", &entry.value, "[condition name, value if true, value if false]")
                })?;
                let chosen = if self.branch(ctx, condition, entry.line)? { when_true } else { when_false };
                let no_value = chosen.get("Ref").and_then(Node::as_str) == Some("AWS::NoValue");
                self.properties(ctx, (!no_value).then_some(chosen))
            }
            (function, _) if function.starts_with("Fn::") => Err(self.invalid(
                ctx,
                entry.line,
                "Properties",
                format!("is {function}"),
                "write the properties of a Neptune resource as a mapping, or choose them with Fn::If",
            )),
            _ => Ok(Some(properties)),
        }
    }

    /// A boolean property: its value, or why it has none before deploy.
    /// Absent is false, the default of every flag read here.
    fn flag(
        &self,
        ctx: Ctx<'_>,
        val: &Val,
        field: &str,
        line: usize,
    ) -> Resolved<BeforeDeploy<bool>> {
        let invalid = || {
            self.invalid(
                ctx,
                line,
                field,
                format!("is {}", val.display()),
                "expected true or false",
            )
        };
        match val {
            Val::Absent => Ok(Known(false)),
            Val::Bool(flag) => Ok(Known(*flag)),
            Val::Unknown { why, .. } => Ok(Unknown(why.clone())),
            Val::Import(name) => Ok(Unknown(format!(
                "it is imported from another stack ({name})"
            ))),
            Val::Text(text) => match text.as_literal() {
                Some(literal) if literal.eq_ignore_ascii_case("true") => Ok(Known(true)),
                Some(literal) if literal.eq_ignore_ascii_case("false") => Ok(Known(false)),
                Some(_) => Err(invalid()),
                None => Ok(Unknown(format!("it depends on {}", text.display()))),
            },
            Val::Key { .. } | Val::Alias { .. } | Val::List(_) | Val::Map => Err(invalid()),
        }
    }

    fn invalid(&self, ctx: Ctx<'_>, line: usize, field: &str, problem: String, fix: &str) -> Stop {
        Stop::Error(Error::Invalid {
            path: self.path(ctx.doc).to_owned(),
            line,
            field: field.to_owned(),
            problem,
            fix: fix.to_owned(),
        })
    }

    /// What a key property's value means for the verdict.
    fn key_use(&self, ctx: Ctx<'_>, val: Val, field: &str, line: usize) -> Resolved<KeyUse> {
        match val {
            Val::Absent => Ok(KeyUse::DefaultKey),
            Val::Key { doc, id } => Ok(KeyUse::Known(self.known_key(ctx, doc, &id)?)),
            Val::Alias { doc, id } => self.alias_target(ctx, doc, &id, field, line),
            Val::Import(name) => Ok(KeyUse::Imported { name }),
            Val::Unknown { display, why } => Ok(KeyUse::Unresolved {
                field: field.to_owned(),
                display,
                why,
            }),
            Val::Text(text) => self.text_key(ctx, text, field, line),
            other @ (Val::Bool(_) | Val::List(_) | Val::Map) => Err(self.invalid(
                ctx,
                line,
                field,
                format!("is {}", other.display()),
                "expected a KMS key id, key ARN, alias name or alias ARN",
            )),
        }
    }

    fn text_key(&self, ctx: Ctx<'_>, text: Text, field: &str, line: usize) -> Resolved<KeyUse> {
        let display = text.display();
        let well_known = KeyUse::well_known(&display, || match &text.origin {
            Some(origin) => format!("{display}, {origin}"),
            None => display.clone(),
        });
        if let Some(key) = well_known {
            return Ok(key);
        }
        if let Some(name) = alias_name(&display) {
            if let Some(id) = self.alias_named(ctx, name)? {
                return self.alias_target(ctx, ctx.doc, &id, field, line);
            }
        }
        if let Some(reference) = text.reference() {
            return Ok(KeyUse::Lookup(reference));
        }
        // A string built around another value: the key inside it decides.
        let hole = text
            .holes()
            .next()
            .cloned()
            .expect("a text that is not a reference has a hole");
        match hole {
            hole @ (Val::Key { .. } | Val::Alias { .. } | Val::Import(_)) => {
                self.key_use(ctx, hole, field, line)
            }
            Val::Unknown { why, .. } => Ok(KeyUse::Unresolved {
                field: field.to_owned(),
                display,
                why,
            }),
            other => Ok(KeyUse::Unresolved {
                field: field.to_owned(),
                display,
                why: format!("it contains {}", other.display()),
            }),
        }
    }

    /// The alias of template `ctx.doc` whose `AliasName` is `name`.
    fn alias_named(&self, ctx: Ctx<'_>, name: &str) -> Resolved<Option<String>> {
        let template = &self.templates[ctx.doc];
        let Some(resources) = template.root.get("Resources").and_then(Node::as_map) else {
            return Ok(None);
        };
        for entry in resources {
            if entry.value.get("Type").and_then(Node::as_str) != Some(ALIAS) {
                continue;
            }
            let Some(node) = template.property(&entry.key, "AliasName") else {
                continue;
            };
            if let Val::Text(text) = self.resolve(ctx, node)? {
                if text.as_literal().as_deref() == Some(name) {
                    return Ok(Some(entry.key.clone()));
                }
            }
        }
        Ok(None)
    }

    fn alias_target(
        &self,
        ctx: Ctx<'_>,
        doc: usize,
        id: &str,
        field: &str,
        line: usize,
    ) -> Resolved<KeyUse> {
        let template = &self.templates[doc];
        let _visit = self.visit(doc, id, line)?;
        let inner = self.enter(ctx, doc, line)?;
        let alias = match template.property(id, "AliasName") {
            Some(node) => self.resolve(inner, node)?.display(),
            None => id.to_owned(),
        };
        let target = match template.property(id, "TargetKeyId") {
            Some(node) => self.resolve(inner, node)?,
            None => Val::Absent,
        };
        let target_line = template
            .property(id, "TargetKeyId")
            .map_or(line, |node| node.line);
        let key = match target {
            Val::Absent => {
                return Err(Stop::Error(Error::Invalid {
                    path: template.path.to_owned(),
                    line: template.resource(id).map_or(line, |node| node.line),
                    field: format!("Resources.{id}.Properties.TargetKeyId"),
                    problem: "is missing".to_owned(),
                    fix: "an AWS::KMS::Alias names the key it points to".to_owned(),
                }))
            }
            target => self.key_use(inner, target, field, target_line)?,
        };
        Ok(key.via_alias(&alias))
    }

    /// The facts of a key defined in template `doc`.
    fn known_key(&self, ctx: Ctx<'_>, doc: usize, id: &str) -> Resolved<KnownKey> {
        let template = &self.templates[doc];
        let line = template.resource(id).map_or(1, |node| node.line);
        let _visit = self.visit(doc, id, line)?;
        let inner = self.enter(ctx, doc, line)?;
        let mut display = template.display(id);
        if doc != ctx.origin {
            display = format!("{display} of {}", template.path);
        }
        let enabled = match template.property(id, "Enabled") {
            Some(node) => {
                let val = self.resolve(inner, node)?;
                match (&val, self.flag(inner, &val, "Enabled", node.line)?) {
                    (Val::Absent, _) => Known(KeyState::Enabled),
                    (_, Known(true)) => Known(KeyState::Enabled),
                    (_, Known(false)) => Known(KeyState::Disabled),
                    (_, Unknown(why)) => Unknown(format!("Enabled is {}: {why}", val.display())),
                }
            }
            None => Known(KeyState::Enabled),
        };
        let origin = if template.resource_type(id) == Some(REPLICA_KEY) {
            self.replica_origin(inner, doc, id)?
        } else {
            match template.property(id, "Origin") {
                None => Known(KeyOrigin::AwsKms),
                Some(node) => match self.resolve(inner, node)? {
                    Val::Absent => Known(KeyOrigin::AwsKms),
                    Val::Text(text) => match text.as_literal() {
                        Some(origin) => Known(KeyOrigin::from_kms(&origin)),
                        None => Unknown(format!("Origin is {}", text.display())),
                    },
                    other => Unknown(format!("Origin is {}", other.display())),
                },
            }
        };
        // Imported key material arrives outside CloudFormation: until it
        // does, the key is PendingImport.
        let state = match (&origin, enabled) {
            (Known(KeyOrigin::External), Known(KeyState::Enabled)) => Unknown(
                "Origin EXTERNAL: it is PendingImport until its key material is imported outside \
                 the template"
                    .to_owned(),
            ),
            (_, enabled) => enabled,
        };
        Ok(KnownKey {
            display,
            aws_managed: false,
            state,
            origin,
        })
    }

    fn replica_origin(
        &self,
        ctx: Ctx<'_>,
        doc: usize,
        id: &str,
    ) -> Resolved<BeforeDeploy<KeyOrigin>> {
        let primary = match self.templates[doc].property(id, "PrimaryKeyArn") {
            Some(node) => self.resolve(ctx, node)?,
            None => Val::Absent,
        };
        match primary {
            Val::Key { doc, id } => Ok(self.known_key(ctx, doc, &id)?.origin),
            other => Ok(Unknown(format!(
                "a replica key has its primary key's origin, and PrimaryKeyArn is {}",
                other.display()
            ))),
        }
    }

    fn enter<'c>(&self, ctx: Ctx<'c>, doc: usize, line: usize) -> Resolved<Ctx<'c>> {
        if ctx.depth >= MAX_NESTING {
            return Err(Stop::Error(Error::TooLarge {
                path: self.path(ctx.doc).to_owned(),
                line,
                what: format!(
                    "intrinsic functions and references nest deeper than {MAX_NESTING} levels"
                ),
            }));
        }
        Ok(Ctx {
            doc,
            depth: ctx.depth + 1,
            ..ctx
        })
    }

    /// The value of `node` in this branch.
    fn resolve(&self, ctx: Ctx<'_>, node: &Node) -> Resolved<Val> {
        match &node.value {
            Value::Null => Ok(Val::Absent),
            Value::Bool(flag) => Ok(Val::Bool(*flag)),
            Value::Number(text) | Value::String(text) => Ok(Val::Text(Text::literal(text.clone()))),
            Value::Seq(items) => items
                .iter()
                .map(|item| self.resolve(ctx, item))
                .collect::<Resolved<Vec<_>>>()
                .map(Val::List),
            Value::Map(_) => match node.single_entry() {
                Some(entry) if entry.key == "Ref" || entry.key.starts_with("Fn::") => {
                    let inner = self.enter(ctx, ctx.doc, node.line)?;
                    self.intrinsic(inner, &entry.key, &entry.value)
                }
                _ => Ok(Val::Map),
            },
        }
    }

    fn intrinsic(&self, ctx: Ctx<'_>, function: &str, argument: &Node) -> Resolved<Val> {
        match function {
            "Ref" => {
                let name = argument.as_str().ok_or_else(|| {
                    self.shape(ctx, function, argument, "a parameter or resource name")
                })?;
                self.reference(ctx, name, argument.line)
            }
            "Fn::GetAtt" => self.get_att_call(ctx, argument),
            "Fn::Sub" => self.sub_call(ctx, argument),
            "Fn::Join" => self.join(ctx, argument),
            "Fn::Select" => self.select(ctx, argument),
            "Fn::FindInMap" => self.find_in_map(ctx, argument),
            "Fn::If" => self.if_call(ctx, argument),
            "Fn::ImportValue" => self.import_value(ctx, argument),
            other => Ok(unknown(
                other.to_owned(),
                &format!("{other} is not evaluated before deploy"),
            )),
        }
    }

    /// The error for a function whose argument has the wrong shape.
    fn shape(&self, ctx: Ctx<'_>, function: &str, argument: &Node, expected: &str) -> Stop {
        self.invalid(
            ctx,
            argument.line,
            function,
            format!("has {}", argument.describe()),
            &format!("{function} takes {expected}"),
        )
    }

    fn get_att_call(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let shape = |expected| self.shape(ctx, "Fn::GetAtt", argument, expected);
        let (resource, attribute) = match (&argument.value, argument.as_seq()) {
            (Value::String(text), _) => text
                .split_once('.')
                .ok_or_else(|| shape("Resource.Attribute"))?,
            (_, Some([resource, attribute])) => (
                resource
                    .as_str()
                    .ok_or_else(|| shape("[Resource, Attribute]"))?,
                attribute
                    .as_str()
                    .ok_or_else(|| shape("[Resource, Attribute]"))?,
            ),
            _ => return Err(shape("[Resource, Attribute] or Resource.Attribute")),
        };
        self.get_att(ctx, resource, attribute, argument.line)
    }

    fn sub_call(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let shape = || self.shape(ctx, "Fn::Sub", argument, "a string, or [string, variables]");
        let (text, variables) = match (&argument.value, argument.as_seq()) {
            (Value::String(text), _) => (text.as_str(), None),
            (_, Some([text, variables])) => (text.as_str().ok_or_else(shape)?, Some(variables)),
            _ => return Err(shape()),
        };
        self.sub(ctx, text, variables, argument.line)
    }

    fn join(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let shape = || self.shape(ctx, "Fn::Join", argument, "[delimiter, [values]]");
        let Some([delimiter, items]) = argument.as_seq() else {
            return Err(shape());
        };
        let delimiter = delimiter.scalar_text().ok_or_else(shape)?;
        match self.resolve(ctx, items)? {
            Val::List(items) => {
                let mut text = Text::default();
                for (index, item) in items.into_iter().enumerate() {
                    if index > 0 {
                        text.parts.push(Part::Literal(delimiter.clone()));
                    }
                    text.push(item);
                }
                Ok(Val::from_text(text))
            }
            other => Ok(unknown(
                format!("Fn::Join of {}", other.display()),
                "the list is not known before deploy",
            )),
        }
    }

    fn select(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let shape = |expected| self.shape(ctx, "Fn::Select", argument, expected);
        let Some([index, items]) = argument.as_seq() else {
            return Err(shape("[index, [values]]"));
        };
        let index = match self.resolve(ctx, index)? {
            Val::Text(text) => text
                .as_literal()
                .and_then(|text| text.parse::<usize>().ok()),
            _ => None,
        };
        match (index, self.resolve(ctx, items)?) {
            (Some(index), Val::List(items)) => items
                .get(index)
                .cloned()
                .ok_or_else(|| shape("an index within the list")),
            (_, other) => Ok(unknown(
                format!("Fn::Select of {}", other.display()),
                "the index or the list is not known before deploy",
            )),
        }
    }

    fn if_call(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let shape = || {
            self.shape(
                ctx,
                "Fn::If",
                argument,
                "[condition name, value if true, value if false]",
            )
        };
        let Some([condition, when_true, when_false]) = argument.as_seq() else {
            return Err(shape());
        };
        let condition = condition.as_str().ok_or_else(shape)?;
        let value = self.branch(ctx, condition, argument.line)?;
        self.resolve(ctx, if value { when_true } else { when_false })
    }

    /// An import: followed when another template of the run exports the
    /// name, else left for the judge to call unverifiable.
    fn import_value(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let name = self.resolve(ctx, argument)?;
        let Val::Text(text) = &name else {
            return Ok(Val::Import(name.display()));
        };
        let export = text.as_literal();
        match export
            .as_ref()
            .and_then(|name| Some((name, self.exports.get(name)?)))
        {
            Some((name, &(doc, value))) => {
                let _visit = self.visit(doc, &format!("export {name}"), argument.line)?;
                let inner = self.enter(ctx, doc, argument.line)?;
                self.resolve(inner, value)
            }
            None => Ok(Val::Import(text.display())),
        }
    }

    fn branch(&self, ctx: Ctx<'_>, condition: &str, line: usize) -> Resolved<bool> {
        let declared = self.templates[ctx.doc]
            .root
            .get("Conditions")
            .and_then(|conditions| conditions.get(condition))
            .is_some();
        if !declared {
            return Err(self.invalid(
                ctx,
                line,
                &format!("Fn::If {condition}"),
                "names no condition of this template".to_owned(),
                "declare the condition under Conditions, or fix its name",
            ));
        }
        if ctx.doc != ctx.origin {
            // Branches of another stack's export are not this resource's.
            return Err(self.invalid(
                ctx,
                line,
                &format!("Fn::If {condition}"),
                "decides an exported value".to_owned(),
                "an export used for a key must not depend on a condition",
            ));
        }
        match ctx.assignment.iter().find(|(name, _)| name == condition) {
            Some((_, value)) => Ok(*value),
            None => Err(Stop::Need(condition.to_owned())),
        }
    }

    fn reference(&self, ctx: Ctx<'_>, name: &str, line: usize) -> Resolved<Val> {
        if name == "AWS::NoValue" {
            return Ok(Val::Absent);
        }
        if name.starts_with("AWS::") {
            return Ok(Val::Text(Text {
                parts: vec![Part::Pseudo(name.to_owned())],
                origin: None,
            }));
        }
        let template = &self.templates[ctx.doc];
        if let Some(parameter) = template
            .root
            .get("Parameters")
            .and_then(|parameters| parameters.get(name))
        {
            return self.parameter(ctx, name, parameter);
        }
        match template.resource_type(name) {
            Some(KEY | REPLICA_KEY) => Ok(Val::Key {
                doc: ctx.doc,
                id: name.to_owned(),
            }),
            Some(ALIAS) => Ok(Val::Alias {
                doc: ctx.doc,
                id: name.to_owned(),
            }),
            Some(other) => Ok(unknown(
                format!("Ref {name}"),
                &format!("{name} is a {other}, not a KMS key"),
            )),
            None if template.resource(name).is_some() => {
                Ok(unknown(format!("Ref {name}"), "its Type is missing"))
            }
            None => Err(self.invalid(
                ctx,
                line,
                &format!("Ref {name}"),
                "names no parameter or resource of this template".to_owned(),
                "fix the name, or declare the parameter",
            )),
        }
    }

    fn parameter(&self, ctx: Ctx<'_>, name: &str, parameter: &Node) -> Resolved<Val> {
        let kind = parameter
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or("String");
        let Some(default) = parameter.get("Default") else {
            return Ok(unknown(
                format!("parameter {name}"),
                "it has no Default, so its value is given at deploy",
            ));
        };
        if kind.starts_with("AWS::SSM::Parameter::Value") {
            return Ok(unknown(
                format!("parameter {name}"),
                &format!(
                    "its value is read at deploy from SSM parameter {}",
                    default.scalar_text().unwrap_or_default()
                ),
            ));
        }
        let origin = format!("the Default of parameter {name}");
        match default.scalar_text() {
            Some(text) if kind.starts_with("List<") || kind == "CommaDelimitedList" => {
                Ok(Val::List(
                    text.split(',')
                        .map(|item| Val::Text(Text::literal(item.trim())))
                        .collect(),
                ))
            }
            Some(text) => Ok(Val::Text(Text {
                parts: vec![Part::Literal(text)],
                origin: Some(origin),
            })),
            None => self.resolve(ctx, default),
        }
    }

    fn get_att(&self, ctx: Ctx<'_>, resource: &str, attribute: &str, line: usize) -> Resolved<Val> {
        let template = &self.templates[ctx.doc];
        match template.resource_type(resource) {
            Some(KEY | REPLICA_KEY) if matches!(attribute, "Arn" | "KeyId") => Ok(Val::Key {
                doc: ctx.doc,
                id: resource.to_owned(),
            }),
            Some(other) => Ok(unknown(
                format!("Fn::GetAtt {resource}.{attribute}"),
                &format!("{resource} is a {other}, whose attributes exist only after deploy"),
            )),
            None if template.resource(resource).is_some() => Ok(unknown(
                format!("Fn::GetAtt {resource}.{attribute}"),
                "its Type is missing",
            )),
            None => Err(self.invalid(
                ctx,
                line,
                &format!("Fn::GetAtt {resource}.{attribute}"),
                "names no resource of this template".to_owned(),
                "fix the resource name",
            )),
        }
    }

    fn sub(
        &self,
        ctx: Ctx<'_>,
        text: &str,
        variables: Option<&Node>,
        line: usize,
    ) -> Resolved<Val> {
        let mut result = Text::default();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            result.parts.push(Part::Literal(rest[..start].to_owned()));
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Name}` is the literal text `${Name}`.
                result.parts.push(Part::Literal("${".to_owned()));
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(self.invalid(
                    ctx,
                    line,
                    "Fn::Sub",
                    format!("has an unclosed ${{ in {text:?}"),
                    "close every ${ with }",
                ));
            };
            let name = after[..end].trim();
            let value = match variables.and_then(|variables| variables.get(name)) {
                Some(node) => self.resolve(ctx, node)?,
                None => match name.split_once('.') {
                    Some((resource, attribute)) => self.get_att(ctx, resource, attribute, line)?,
                    None => self.reference(ctx, name, line)?,
                },
            };
            result.push(value);
            rest = &after[end + 1..];
        }
        result.parts.push(Part::Literal(rest.to_owned()));
        result
            .parts
            .retain(|part| !matches!(part, Part::Literal(text) if text.is_empty()));
        Ok(Val::from_text(result))
    }

    fn find_in_map(&self, ctx: Ctx<'_>, argument: &Node) -> Resolved<Val> {
        let items = argument.as_seq().unwrap_or_default();
        if !(3..=4).contains(&items.len()) {
            return Err(self.invalid(
                ctx,
                argument.line,
                "Fn::FindInMap",
                format!("has {}", argument.describe()),
                "Fn::FindInMap takes [map, top-level key, second-level key]",
            ));
        }
        let mut keys = Vec::new();
        for item in &items[..3] {
            match self.resolve(ctx, item)? {
                Val::Text(text) if text.as_literal().is_some() => {
                    keys.push(text.as_literal().unwrap_or_default())
                }
                other => {
                    return Ok(unknown(
                        format!("Fn::FindInMap with {}", other.display()),
                        &format!("the key {} is not known before deploy", other.display()),
                    ))
                }
            }
        }
        let value = self.templates[ctx.doc]
            .root
            .get("Mappings")
            .and_then(|mappings| mappings.get(&keys[0]))
            .and_then(|map| map.get(&keys[1]))
            .and_then(|map| map.get(&keys[2]));
        match value {
            Some(value) => self.resolve(ctx, value),
            None => Err(self.invalid(
                ctx,
                argument.line,
                &format!("Fn::FindInMap {}", keys.join(".")),
                "names no entry of Mappings".to_owned(),
                "fix the names, or add the entry",
            )),
        }
    }
}

/// Whether a Neptune resource type appears anywhere under `node`.
fn mentions_neptune(node: &Node) -> bool {
    match &node.value {
        Value::String(text) => text == CLUSTER || text == GRAPH,
        Value::Seq(items) => items.iter().any(mentions_neptune),
        Value::Map(entries) => entries.iter().any(|entry| mentions_neptune(&entry.value)),
        _ => false,
    }
}

fn unknown(display: String, why: &str) -> Val {
    Val::Unknown {
        display,
        why: why.to_owned(),
    }
}

/// `Neptune is true, Prod is false` → the label of a branch.
fn branch_label(assignment: &[(String, bool)]) -> Option<String> {
    if assignment.is_empty() {
        return None;
    }
    let parts: Vec<String> = assignment
        .iter()
        .map(|(name, value)| format!("{name} is {value}"))
        .collect();
    let noun = if parts.len() == 1 {
        "condition"
    } else {
        "conditions"
    };
    Some(format!("{noun} {}", parts.join(" and ")))
}
