//! Terraform plans, as `terraform show -json` writes them (format 1.x):
//! find every Neptune cluster, global cluster and Neptune Analytics graph,
//! in the root module and every child module, and say what its key is.
//!
//! A value known at plan time comes from `planned_values`. A value known
//! only after apply (the ARN of a key created by the same plan) is missing
//! there and marked in `resource_changes[].change.after_unknown`; its
//! origin is followed through `configuration`: the attribute's
//! `expressions.<attr>.references`, through module variables
//! (`module_calls.<name>.expressions`) and module outputs, to the resource
//! or data source it names. An attribute with no expression at all is the
//! service default.

use std::collections::HashMap;

use neptune_cmk_evaluator::{KeyFacts, KeyManager, KeyOrigin, KeyState, ResourceKind};

use crate::found::BeforeDeploy::{self, Known, Unknown};
use crate::found::{
    alias_name, is_aws_managed_alias, FoundResource, KeyUse, KnownKey, Reference, Scenario,
};
use crate::node::{Node, Value};
use crate::Error;

/// References followed before giving up on a chain.
const MAX_HOPS: usize = 32;

/// Whether a parsed document is a plan.
pub(crate) fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

/// Whether a parsed document is a state (`terraform show -json` of a
/// state, not a plan).
pub(crate) fn is_state(root: &Node) -> bool {
    root.get("format_version").is_some() && root.get("values").is_some()
}

/// Every Neptune resource the plan will leave in place.
pub(crate) fn found_resources(path: &str, root: &Node) -> Result<Vec<FoundResource>, Error> {
    if let Some(version) = root.get("format_version") {
        let text = version.scalar_text().unwrap_or_default();
        if text.split('.').next() != Some("1") {
            return Err(Error::UnsupportedFormat {
                path: path.to_owned(),
                line: version.line,
                version: text,
            });
        }
    }
    let plan = Plan::new(path, root);
    let mut found = Vec::new();
    for instance in plan
        .instances
        .iter()
        .filter(|i| i.planned && i.mode == "managed")
    {
        let (kind, key_field, scenarios) = match instance.kind {
            "aws_neptune_cluster" => (
                ResourceKind::Cluster,
                "kms_key_arn",
                plan.cluster(instance)?,
            ),
            "aws_neptunegraph_graph" => (
                ResourceKind::Graph,
                "kms_key_identifier",
                plan.graph(instance)?,
            ),
            "aws_neptune_global_cluster" => match plan.global_cluster(instance)? {
                Some(scenarios) => (ResourceKind::Cluster, "storage_encrypted", scenarios),
                None => continue,
            },
            _ => continue,
        };
        found.push(FoundResource {
            file: path.to_owned(),
            line: instance.line,
            resource: instance.address.to_owned(),
            construct_path: None,
            resource_type: instance.kind.to_owned(),
            kind,
            key_field,
            scenarios,
            hints: Vec::new(),
        });
    }
    Ok(found)
}

/// One resource instance in `planned_values` or `prior_state`.
struct Instance<'a> {
    address: &'a str,
    /// Module call names from the root, indices dropped.
    module: Vec<String>,
    mode: &'a str,
    kind: &'a str,
    name: &'a str,
    values: Option<&'a Node>,
    line: usize,
    /// In `planned_values`, as opposed to only in `prior_state`.
    planned: bool,
}

/// What an expression stands for.
#[derive(Debug, Clone)]
enum Outcome<'a> {
    Absent,
    Known(&'a Node),
    Key(KeyUse),
    Unknown { display: String, why: String },
}

/// A boolean attribute: its value, or what it is and why it has no value
/// before apply.
#[derive(Debug, PartialEq, Eq)]
enum Flag {
    Known(bool),
    Unknown { display: String, why: String },
}

/// One possible value, labelled when an expression has several.
type Alternatives<'a> = Vec<(Option<String>, Outcome<'a>)>;

struct Plan<'a> {
    path: &'a str,
    root: &'a Node,
    instances: Vec<Instance<'a>>,
    after_unknown: HashMap<&'a str, &'a Node>,
}

impl<'a> Plan<'a> {
    fn new(path: &'a str, root: &'a Node) -> Self {
        let mut instances = Vec::new();
        if let Some(module) = root
            .get("planned_values")
            .and_then(|v| v.get("root_module"))
        {
            collect(module, true, &mut instances);
        }
        if let Some(module) = root
            .get("prior_state")
            .and_then(|state| state.get("values"))
            .and_then(|values| values.get("root_module"))
        {
            let mut prior = Vec::new();
            collect(module, false, &mut prior);
            // Data sources read at plan time; resources only when the plan
            // does not list them.
            prior.retain(|old| {
                !instances
                    .iter()
                    .any(|new: &Instance<'_>| new.address == old.address)
            });
            instances.extend(prior);
        }
        let mut after_unknown = HashMap::new();
        for change in root
            .get("resource_changes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let address = change.get("address").and_then(Node::as_str);
            let unknown = change
                .get("change")
                .and_then(|change| change.get("after_unknown"));
            if let (Some(address), Some(unknown)) = (address, unknown) {
                after_unknown.insert(address, unknown);
            }
        }
        Self {
            path,
            root,
            instances,
            after_unknown,
        }
    }

    fn cluster(&self, instance: &Instance<'a>) -> Result<Vec<Scenario>, Error> {
        let restore = self
            .attribute(instance, "snapshot_identifier", 0)
            .into_iter()
            .find_map(|(_, outcome)| match outcome {
                Outcome::Known(node) => node
                    .as_str()
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned),
                Outcome::Unknown { display, .. } => Some(display),
                Outcome::Key(_) | Outcome::Absent => None,
            });
        let key = self.attribute(instance, "kms_key_arn", 0);
        if let Some(source) = restore {
            // StorageEncrypted is ignored on a restore: a key re-encrypts,
            // no key keeps the snapshot's encryption.
            if is_absent(&key) {
                return Ok(vec![Scenario {
                    label: None,
                    key: KeyUse::RestoreInherits {
                        source: format!("snapshot_identifier {source}"),
                    },
                }]);
            }
            return self.key_scenarios(instance, key, "kms_key_arn", KeyUse::DefaultKey);
        }
        match self.flag(instance, "storage_encrypted")? {
            Flag::Unknown { display, why } => Ok(vec![Scenario {
                label: None,
                key: KeyUse::Unresolved {
                    field: "storage_encrypted".to_owned(),
                    display,
                    why,
                },
            }]),
            Flag::Known(false) => Ok(vec![Scenario {
                label: None,
                key: KeyUse::Unencrypted,
            }]),
            Flag::Known(true) => {
                self.key_scenarios(instance, key, "kms_key_arn", KeyUse::DefaultKey)
            }
        }
    }

    fn graph(&self, instance: &Instance<'a>) -> Result<Vec<Scenario>, Error> {
        let key = self.attribute(instance, "kms_key_identifier", 0);
        self.key_scenarios(instance, key, "kms_key_identifier", KeyUse::AwsOwned)
    }

    /// A global cluster carries no key: its members do, and are judged.
    /// It is judged only when it is stated unencrypted, which its members
    /// then are.
    fn global_cluster(&self, instance: &Instance<'a>) -> Result<Option<Vec<Scenario>>, Error> {
        let has_source = !is_absent(&self.attribute(instance, "source_db_cluster_identifier", 0));
        if has_source || self.flag(instance, "storage_encrypted")? != Flag::Known(false) {
            return Ok(None);
        }
        Ok(Some(vec![Scenario {
            label: None,
            key: KeyUse::Unencrypted,
        }]))
    }

    fn key_scenarios(
        &self,
        instance: &Instance<'a>,
        alternatives: Alternatives<'a>,
        field: &str,
        when_absent: KeyUse,
    ) -> Result<Vec<Scenario>, Error> {
        alternatives
            .into_iter()
            .map(|(label, outcome)| {
                let key = match outcome {
                    Outcome::Absent => when_absent.clone(),
                    Outcome::Key(key) => key,
                    Outcome::Unknown { display, why } => KeyUse::Unresolved {
                        field: field.to_owned(),
                        display,
                        why,
                    },
                    Outcome::Known(node) => match node.as_str() {
                        Some("") => when_absent.clone(),
                        Some(text) => self.known_text(text, 0),
                        None => {
                            return Err(Error::Invalid {
                                path: self.path.to_owned(),
                                line: node.line,
                                field: format!("{}.{field}", instance.address),
                                problem: format!("is {}", node.describe()),
                                fix: "expected a KMS key ARN".to_owned(),
                            })
                        }
                    },
                };
                Ok(Scenario { label, key })
            })
            .collect()
    }

    /// A boolean attribute (false when absent), or what it depends on.
    fn flag(&self, instance: &Instance<'a>, attribute: &str) -> Result<Flag, Error> {
        let mut values = Vec::new();
        for (_, outcome) in self.attribute(instance, attribute, 0) {
            match outcome {
                Outcome::Absent => values.push(false),
                Outcome::Known(Node {
                    value: Value::Bool(flag),
                    ..
                }) => values.push(*flag),
                Outcome::Known(node) => {
                    return Err(Error::Invalid {
                        path: self.path.to_owned(),
                        line: node.line,
                        field: format!("{}.{attribute}", instance.address),
                        problem: format!("is {}", node.describe()),
                        fix: "expected true or false".to_owned(),
                    })
                }
                Outcome::Unknown { display, why } => return Ok(Flag::Unknown { display, why }),
                Outcome::Key(_) => {
                    return Ok(Flag::Unknown {
                        display: "a KMS key".to_owned(),
                        why: "it names a key where a boolean belongs".to_owned(),
                    })
                }
            }
        }
        match values.as_slice() {
            [first, rest @ ..] if rest.iter().all(|value| value == first) => {
                Ok(Flag::Known(*first))
            }
            [] => Ok(Flag::Known(false)),
            _ => Ok(Flag::Unknown {
                display: "a conditional expression".to_owned(),
                why: "it is true in one branch and false in another".to_owned(),
            }),
        }
    }

    /// The value of an attribute: planned, or traced through the
    /// configuration when known only after apply.
    fn attribute(&self, instance: &Instance<'a>, attribute: &str, hops: usize) -> Alternatives<'a> {
        if let Some(node) = instance.values.and_then(|values| values.get(attribute)) {
            if !node.is_null() {
                return vec![(None, Outcome::Known(node))];
            }
        }
        let unknown = self
            .after_unknown
            .get(instance.address)
            .and_then(|unknown| unknown.get(attribute))
            .is_some_and(|flag| flag.value == Value::Bool(true));
        if !unknown {
            return vec![(None, Outcome::Absent)];
        }
        match self
            .config_resource(
                &instance.module,
                instance.mode,
                instance.kind,
                instance.name,
            )
            .and_then(|resource| resource.get("expressions"))
            .and_then(|expressions| expressions.get(attribute))
        {
            Some(expression) => self.expression(expression, &instance.module, attribute, hops),
            // Unknown and not configured: the provider computes the
            // service default.
            None => vec![(None, Outcome::Absent)],
        }
    }

    fn config_module(&self, module: &[String]) -> Option<&'a Node> {
        let mut node = self.root.get("configuration")?.get("root_module")?;
        for name in module {
            node = node.get("module_calls")?.get(name)?.get("module")?;
        }
        Some(node)
    }

    fn config_resource(
        &self,
        module: &[String],
        mode: &str,
        kind: &str,
        name: &str,
    ) -> Option<&'a Node> {
        self.config_module(module)?
            .get("resources")?
            .as_seq()?
            .iter()
            .find(|resource| {
                resource.get("mode").and_then(Node::as_str) == Some(mode)
                    && resource.get("type").and_then(Node::as_str) == Some(kind)
                    && resource.get("name").and_then(Node::as_str) == Some(name)
            })
    }

    /// An `<expression-representation>` evaluated in `module`.
    fn expression(
        &self,
        expression: &'a Node,
        module: &[String],
        field: &str,
        hops: usize,
    ) -> Alternatives<'a> {
        if hops > MAX_HOPS {
            return vec![(
                None,
                unknown(
                    "a reference chain",
                    "it is longer than any real configuration",
                ),
            )];
        }
        if let Some(constant) = expression.get("constant_value") {
            let outcome = if constant.is_null() {
                Outcome::Absent
            } else {
                Outcome::Known(constant)
            };
            return vec![(None, outcome)];
        }
        let roots = top_references(expression);
        let mut alternatives: Alternatives<'a> = Vec::new();
        for reference in &roots {
            for (label, outcome) in self.reference(reference, module, field, hops + 1) {
                // A boolean or number beside a key is a condition's operand.
                let operand = matches!(outcome, Outcome::Known(node) if node.as_str().is_none())
                    && roots.len() > 1;
                if !operand {
                    alternatives.push((
                        label.or_else(|| {
                            (roots.len() > 1).then(|| format!("{field} is {reference}"))
                        }),
                        outcome,
                    ));
                }
            }
        }
        if alternatives.is_empty() {
            alternatives.push((
                None,
                unknown(
                    "an expression",
                    "it has neither a constant value nor references",
                ),
            ));
        }
        alternatives
    }

    /// What one reference stands for, seen from `module`.
    fn reference(
        &self,
        reference: &str,
        module: &[String],
        field: &str,
        hops: usize,
    ) -> Alternatives<'a> {
        let parts = segments(reference);
        let part = |index: usize| parts.get(index).map(String::as_str);
        let known_after_apply = |why: &str| vec![(None, unknown(reference, why))];
        match (part(0), part(1), part(2)) {
            (Some("var"), Some(name), _) => self.variable(name, module, field, hops),
            (Some("module"), Some(call), Some(output)) => {
                let mut inner = module.to_vec();
                inner.push(call.to_owned());
                match self
                    .config_module(&inner)
                    .and_then(|child| child.get("outputs"))
                    .and_then(|outputs| outputs.get(output))
                    .and_then(|output| output.get("expression"))
                {
                    Some(expression) => self.expression(expression, &inner, field, hops),
                    None => {
                        known_after_apply("the module output is not in the plan's configuration")
                    }
                }
            }
            (Some("data"), Some(kind), Some(name)) => {
                vec![(None, self.data_source(module, kind, name, hops))]
            }
            (Some("local"), _, _) => {
                known_after_apply("locals are not part of the plan's configuration")
            }
            (Some(kind), Some(name), _) if kind.starts_with("aws_kms_") => {
                vec![(None, self.managed_key(module, kind, name, hops))]
            }
            (Some(kind), Some(_), _) if kind.contains('_') => known_after_apply(&format!(
                "{kind} is not a KMS key, and its attributes are known only after apply"
            )),
            _ => known_after_apply("its value is known only after apply"),
        }
    }

    fn variable(
        &self,
        name: &str,
        module: &[String],
        field: &str,
        hops: usize,
    ) -> Alternatives<'a> {
        let Some((call, parent)) = module.split_last() else {
            return match self
                .root
                .get("variables")
                .and_then(|vars| vars.get(name))
                .and_then(|var| var.get("value"))
            {
                Some(value) if !value.is_null() => vec![(None, Outcome::Known(value))],
                _ => vec![(None, Outcome::Absent)],
            };
        };
        let argument = self
            .config_module(parent)
            .and_then(|parent| parent.get("module_calls"))
            .and_then(|calls| calls.get(call))
            .and_then(|call| call.get("expressions"))
            .and_then(|expressions| expressions.get(name));
        if let Some(expression) = argument {
            return self.expression(expression, parent, field, hops);
        }
        match self
            .config_module(module)
            .and_then(|child| child.get("variables"))
            .and_then(|vars| vars.get(name))
            .and_then(|var| var.get("default"))
        {
            Some(value) if !value.is_null() => vec![(None, Outcome::Known(value))],
            _ => vec![(None, Outcome::Absent)],
        }
    }

    fn find(&self, module: &[String], mode: &str, kind: &str, name: &str) -> Option<&Instance<'a>> {
        self.instances
            .iter()
            .find(|i| i.module == module && i.mode == mode && i.kind == kind && i.name == name)
    }

    fn value_text(&self, instance: &Instance<'a>, attribute: &str, hops: usize) -> Option<String> {
        self.attribute(instance, attribute, hops)
            .into_iter()
            .find_map(|(_, outcome)| match outcome {
                Outcome::Known(node) => node
                    .as_str()
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned),
                _ => None,
            })
    }

    /// Whether an attribute is set, known or not.
    fn is_set(&self, instance: &Instance<'a>, attribute: &str) -> bool {
        !is_absent(&self.attribute(instance, attribute, 0))
    }

    /// A key, key replica or alias resource of this plan.
    fn managed_key(&self, module: &[String], kind: &str, name: &str, hops: usize) -> Outcome<'a> {
        let Some(instance) = self.find(module, "managed", kind, name) else {
            return unknown(
                &format!("{kind}.{name}"),
                "it is not among the plan's resources",
            );
        };
        let (state, origin) = match kind {
            "aws_kms_key" => {
                let origin = if !self.is_set(instance, "custom_key_store_id") {
                    KeyOrigin::AwsKms
                } else if self.is_set(instance, "xks_key_id") {
                    KeyOrigin::ExternalKeyStore
                } else {
                    KeyOrigin::AwsCloudHsm
                };
                (self.key_state(instance, "is_enabled", hops), Known(origin))
            }
            "aws_kms_external_key" | "aws_kms_replica_external_key" => (
                self.imported_key_state(instance, hops),
                Known(KeyOrigin::External),
            ),
            "aws_kms_replica_key" => (
                self.key_state(instance, "enabled", hops),
                self.replica_origin(instance, hops),
            ),
            "aws_kms_alias" => return self.alias(instance, hops),
            _ => {
                return unknown(
                    &format!("{kind}.{name}"),
                    &format!("{kind} is not a KMS key"),
                )
            }
        };
        Outcome::Key(KeyUse::Known(KnownKey {
            display: instance.address.to_owned(),
            aws_managed: false,
            state,
            origin,
        }))
    }

    /// Enabled unless the flag `attribute` says false; unknown when it is
    /// known only after apply.
    fn key_state(
        &self,
        instance: &Instance<'a>,
        attribute: &str,
        hops: usize,
    ) -> BeforeDeploy<KeyState> {
        let mut state = Known(KeyState::Enabled);
        for (_, outcome) in self.attribute(instance, attribute, hops) {
            match outcome {
                Outcome::Known(Node {
                    value: Value::Bool(false),
                    ..
                }) => state = Known(KeyState::Disabled),
                Outcome::Unknown { why, .. } => {
                    state = Unknown(format!("{attribute} is not known before apply: {why}"))
                }
                _ => {}
            }
        }
        state
    }

    /// A key for imported material: PendingImport unless the plan
    /// imports it.
    fn imported_key_state(&self, instance: &Instance<'a>, hops: usize) -> BeforeDeploy<KeyState> {
        match self.key_state(instance, "enabled", hops) {
            Known(KeyState::Enabled) if !self.is_set(instance, "key_material_base64") => Unknown(
                "no key_material_base64: it is PendingImport until key material is imported"
                    .to_owned(),
            ),
            other => other,
        }
    }

    /// A replica has its primary key's origin, known when the primary is
    /// in this plan.
    fn replica_origin(&self, instance: &Instance<'a>, hops: usize) -> BeforeDeploy<KeyOrigin> {
        let primary = self.attribute(instance, "primary_key_arn", hops + 1);
        let key = match primary.into_iter().next().map(|(_, outcome)| outcome) {
            Some(Outcome::Key(key)) => Some(key),
            Some(Outcome::Known(node)) => node.as_str().map(|text| self.known_text(text, hops + 1)),
            _ => None,
        };
        match key {
            Some(KeyUse::Known(known)) => known.origin,
            _ => Unknown(
                "a replica key has its primary key's origin, which is not in this plan".to_owned(),
            ),
        }
    }

    fn alias(&self, instance: &Instance<'a>, hops: usize) -> Outcome<'a> {
        let name = self
            .value_text(instance, "name", hops)
            .unwrap_or_else(|| instance.address.to_owned());
        let target = self.attribute(instance, "target_key_id", hops + 1);
        let key = match target.into_iter().next().map(|(_, outcome)| outcome) {
            Some(Outcome::Known(node)) => match node.as_str() {
                Some(text) => self.known_text(text, hops + 1),
                None => return unknown(&name, "its target_key_id is not a string"),
            },
            Some(Outcome::Key(key)) => key,
            Some(Outcome::Unknown { display, why }) => return Outcome::Unknown { display, why },
            Some(Outcome::Absent) | None => return unknown(&name, "it has no target_key_id"),
        };
        Outcome::Key(key.via_alias(&name))
    }

    /// A data source: read at plan time (its values are known) or during
    /// apply (only its configuration is).
    fn data_source(&self, module: &[String], kind: &str, name: &str, hops: usize) -> Outcome<'a> {
        let address = format!("data.{kind}.{name}");
        let instance = self.find(module, "data", kind, name);
        let config = self.config_resource(module, "data", kind, name);
        let text = |attribute: &str| -> Option<String> {
            instance
                .and_then(|i| i.values)
                .and_then(|values| values.get(attribute))
                .or_else(|| {
                    config?
                        .get("expressions")?
                        .get(attribute)?
                        .get("constant_value")
                })
                .and_then(Node::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        match kind {
            "aws_kms_key" => {
                if let Some(facts) = instance.and_then(|i| described(i.values?)) {
                    return Outcome::Key(KeyUse::Known(KnownKey::described(&facts)));
                }
                match text("key_id") {
                    Some(key) => Outcome::Key(self.known_text(&key, hops + 1)),
                    None => unknown(&address, "its key_id is known only after apply"),
                }
            }
            "aws_kms_alias" => match (text("name"), text("target_key_arn")) {
                (Some(alias), _) if is_aws_managed_alias(&alias) => {
                    Outcome::Key(KeyUse::Known(KnownKey::aws_managed(alias)))
                }
                (Some(alias), Some(target)) => Outcome::Key(KeyUse::Lookup(Reference {
                    origin: Some(format!("target of {alias}")),
                    ..Reference::literal(target)
                })),
                (Some(alias), None) => Outcome::Key(KeyUse::Lookup(Reference::literal(alias))),
                (None, _) => unknown(&address, "its name is known only after apply"),
            },
            _ => unknown(&address, &format!("{kind} is not a KMS key")),
        }
    }

    /// A literal key reference: a key, alias or data source of this plan
    /// when one has that ARN or id, else one for DescribeKey.
    fn known_text(&self, text: &str, hops: usize) -> KeyUse {
        if let Some(key) = KeyUse::well_known(text, || text.to_owned()) {
            return key;
        }
        if hops <= MAX_HOPS {
            for instance in &self.instances {
                let Some(values) = instance.values else {
                    continue;
                };
                let has =
                    |attribute: &str| values.get(attribute).and_then(Node::as_str) == Some(text);
                let matches = match (instance.mode, instance.kind) {
                    ("managed", "aws_kms_alias") => {
                        has("arn")
                            || alias_name(text).is_some_and(|name| {
                                values.get("name").and_then(Node::as_str) == Some(name)
                            })
                    }
                    ("managed", kind)
                        if kind.starts_with("aws_kms_") && kind != "aws_kms_custom_key_store" =>
                    {
                        has("arn") || has("key_id") || has("id")
                    }
                    ("data", "aws_kms_key" | "aws_kms_alias") => {
                        has("arn") || has("id") || has("target_key_arn")
                    }
                    _ => false,
                };
                if !matches {
                    continue;
                }
                let outcome = match instance.mode {
                    "data" => {
                        self.data_source(&instance.module, instance.kind, instance.name, hops + 1)
                    }
                    _ => self.managed_key(&instance.module, instance.kind, instance.name, hops + 1),
                };
                if let Outcome::Key(key) = outcome {
                    return key;
                }
            }
        }
        KeyUse::Lookup(Reference::literal(text))
    }
}

fn unknown<'a>(display: &str, why: &str) -> Outcome<'a> {
    Outcome::Unknown {
        display: display.to_owned(),
        why: why.to_owned(),
    }
}

/// The references of an expression, without those an earlier one
/// implies: `aws_kms_key.a.arn` implies `aws_kms_key.a`.
fn top_references(expression: &Node) -> Vec<&str> {
    let mut roots: Vec<&str> = Vec::new();
    let references = expression.get("references").and_then(Node::as_seq);
    for reference in references
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
    {
        let implied = roots.iter().any(|kept| {
            kept.strip_prefix(reference)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        });
        if !implied {
            roots.push(reference);
        }
    }
    roots
}

fn is_absent(alternatives: &Alternatives<'_>) -> bool {
    alternatives.iter().all(|(_, outcome)| match outcome {
        Outcome::Absent => true,
        Outcome::Known(node) => node.as_str() == Some(""),
        _ => false,
    })
}

/// KeyFacts from an `aws_kms_key` data source that was read at plan time.
fn described(values: &Node) -> Option<KeyFacts> {
    let text = |attribute: &str| values.get(attribute).and_then(Node::as_str);
    let key_manager = KeyManager::from_kms(text("key_manager")?)?;
    Some(KeyFacts {
        arn: text("arn")?.to_owned(),
        key_manager,
        key_state: KeyState::from_kms(text("key_state")?),
        origin: KeyOrigin::from_kms(text("origin").unwrap_or("AWS_KMS")),
        deletion: None,
    })
}

/// Collects the resources of a values-representation module, recursively.
fn collect<'a>(module: &'a Node, planned: bool, into: &mut Vec<Instance<'a>>) {
    let path = module
        .get("address")
        .and_then(Node::as_str)
        .map(module_path)
        .unwrap_or_default();
    for resource in module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let text = |key: &str| resource.get(key).and_then(Node::as_str).unwrap_or_default();
        into.push(Instance {
            address: text("address"),
            module: path.clone(),
            mode: text("mode"),
            kind: text("type"),
            name: text("name"),
            values: resource.get("values"),
            line: resource.line,
            planned,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        collect(child, planned, into);
    }
}

/// `module.a[0].module.b` → `["a", "b"]`.
fn module_path(address: &str) -> Vec<String> {
    segments(address)
        .chunks(2)
        .filter_map(|pair| match pair {
            [keyword, name] if keyword == "module" => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The dot-separated names of an address or reference, index keys
/// (`[0]`, `["a.b"]`) dropped.
fn segments(address: &str) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut depth = 0;
    let mut quoted = false;
    for c in address.chars() {
        match (c, depth, quoted) {
            ('"', d, _) if d > 0 => quoted = !quoted,
            ('[', _, false) => depth += 1,
            (']', d, false) if d > 0 => depth -= 1,
            ('.', 0, false) => names.push(String::new()),
            (c, 0, false) => names.last_mut().expect("never empty").push(c),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_drop_indices() {
        assert_eq!(
            segments("module.a[0].module.b[\"x.y\"].aws_kms_key.k[1].arn"),
            ["module", "a", "module", "b", "aws_kms_key", "k", "arn"]
        );
        assert_eq!(module_path("module.a[0].module.b"), ["a", "b"]);
        assert!(module_path("").is_empty());
    }
}
