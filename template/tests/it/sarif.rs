//! SARIF output against the SARIF 2.1.0 schema and what GitHub code
//! scanning needs from it.
//!
//! The schema is OASIS's `sarif-schema-2.1.0.json` (oasis-tcs/sarif-spec,
//! `sarif-2.1/schema/`, JSON Schema draft-04). The table below transcribes
//! it for every object the renderer emits: the `required` properties, the
//! properties each object allows (all of them are
//! `"additionalProperties": false` there, except property bags), and the
//! type, enum or minimum of each. GitHub's "SARIF support for code
//! scanning" adds what it reads: a rule id per result, `message.text`, and
//! a location with a relative `artifactLocation.uri` and a
//! `region.startLine`; `partialFingerprints` to track alerts; rule
//! `shortDescription`, `fullDescription` and `help`.

use serde_json::Value;

use neptune_cmk_template::{check, CheckOptions, Document, Format};

use crate::{corpus, documents, fixture};

#[derive(Clone, Copy)]
enum Type {
    Object(&'static str),
    Array(&'static str),
    String,
    /// A string in this enum.
    Enum(&'static [&'static str]),
    /// An integer of at least this.
    Integer(i64),
    Boolean,
    /// An object whose values are strings (`partialFingerprints`).
    StringMap,
    /// A property bag: any object.
    Bag,
}

const LEVELS: &[&str] = &["none", "note", "warning", "error"];

/// An object of the schema: its name, its required properties, and every
/// property it allows with that property's type.
type Definition = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, Type)],
);

const SCHEMA: &[Definition] = &[
    (
        "sarifLog",
        &["version", "runs"],
        &[
            ("$schema", Type::String),
            ("version", Type::Enum(&["2.1.0"])),
            ("runs", Type::Array("run")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "run",
        &["tool"],
        &[
            ("tool", Type::Object("tool")),
            ("invocations", Type::Array("invocation")),
            ("results", Type::Array("result")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "tool",
        &["driver"],
        &[
            ("driver", Type::Object("toolComponent")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "toolComponent",
        &["name"],
        &[
            ("name", Type::String),
            ("version", Type::String),
            ("semanticVersion", Type::String),
            ("informationUri", Type::String),
            ("rules", Type::Array("reportingDescriptor")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "reportingDescriptor",
        &["id"],
        &[
            ("id", Type::String),
            ("name", Type::String),
            ("shortDescription", Type::Object("multiformatMessageString")),
            ("fullDescription", Type::Object("multiformatMessageString")),
            ("help", Type::Object("multiformatMessageString")),
            (
                "defaultConfiguration",
                Type::Object("reportingConfiguration"),
            ),
            ("properties", Type::Bag),
        ],
    ),
    (
        "multiformatMessageString",
        &["text"],
        &[("text", Type::String), ("properties", Type::Bag)],
    ),
    (
        "reportingConfiguration",
        &[],
        &[("level", Type::Enum(LEVELS)), ("properties", Type::Bag)],
    ),
    (
        "invocation",
        &["executionSuccessful"],
        &[
            ("executionSuccessful", Type::Boolean),
            ("toolExecutionNotifications", Type::Array("notification")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "notification",
        &["message"],
        &[
            ("message", Type::Object("message")),
            ("level", Type::Enum(LEVELS)),
            ("locations", Type::Array("location")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "result",
        &["message"],
        &[
            ("ruleId", Type::String),
            ("ruleIndex", Type::Integer(-1)),
            ("level", Type::Enum(LEVELS)),
            ("message", Type::Object("message")),
            ("locations", Type::Array("location")),
            ("partialFingerprints", Type::StringMap),
            ("properties", Type::Bag),
        ],
    ),
    // The schema's message is anyOf text or id; this renderer uses text.
    (
        "message",
        &["text"],
        &[
            ("text", Type::String),
            ("id", Type::String),
            ("properties", Type::Bag),
        ],
    ),
    (
        "location",
        &[],
        &[
            ("physicalLocation", Type::Object("physicalLocation")),
            ("logicalLocations", Type::Array("logicalLocation")),
            ("message", Type::Object("message")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "physicalLocation",
        &[],
        &[
            ("artifactLocation", Type::Object("artifactLocation")),
            ("region", Type::Object("region")),
            ("properties", Type::Bag),
        ],
    ),
    (
        "artifactLocation",
        &[],
        &[("uri", Type::String), ("properties", Type::Bag)],
    ),
    (
        "region",
        &[],
        &[("startLine", Type::Integer(1)), ("properties", Type::Bag)],
    ),
    (
        "logicalLocation",
        &[],
        &[
            ("name", Type::String),
            ("fullyQualifiedName", Type::String),
            ("kind", Type::String),
            ("properties", Type::Bag),
        ],
    ),
];

fn validate(value: &Value, kind: &str, path: &str) {
    let (_, required, properties) = SCHEMA
        .iter()
        .find(|(name, _, _)| *name == kind)
        .unwrap_or_else(|| panic!("{kind} is in the table"));
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{path} is an object"));
    for key in *required {
        assert!(
            object.contains_key(*key),
            "{path}.{key} is required by the schema"
        );
    }
    for (key, child) in object {
        let child_path = format!("{path}.{key}");
        let kind = properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, kind)| *kind)
            .unwrap_or_else(|| panic!("{child_path} is not a property of {kind}"));
        validate_type(child, kind, &child_path);
    }
}

fn validate_type(value: &Value, kind: Type, path: &str) {
    match kind {
        Type::Object(name) => validate(value, name, path),
        Type::Array(name) => {
            for (index, item) in value
                .as_array()
                .unwrap_or_else(|| panic!("{path} is an array"))
                .iter()
                .enumerate()
            {
                validate(item, name, &format!("{path}[{index}]"));
            }
        }
        Type::String => assert!(value.is_string(), "{path} is a string"),
        Type::Enum(values) => assert!(
            value.as_str().is_some_and(|text| values.contains(&text)),
            "{path} is one of {values:?}"
        ),
        Type::Integer(minimum) => assert!(
            value.as_i64().is_some_and(|number| number >= minimum),
            "{path} is an integer of at least {minimum}"
        ),
        Type::Boolean => assert!(value.is_boolean(), "{path} is a boolean"),
        Type::StringMap => assert!(
            value
                .as_object()
                .is_some_and(|map| map.values().all(Value::is_string)),
            "{path} maps to strings"
        ),
        Type::Bag => assert!(value.is_object(), "{path} is a property bag"),
    }
}

/// What GitHub code scanning reads.
fn github_requirements(log: &Value) {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !rule[field]["text"].as_str().unwrap().is_empty(),
                "rule {} has {field}",
                rule["id"]
            );
        }
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            result["ruleId"], rules[index]["id"],
            "ruleIndex points at ruleId"
        );
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        assert!(matches!(
            result["level"].as_str(),
            Some("error" | "warning")
        ));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.contains("://") && !uri.starts_with('/') && !uri.contains('\\'),
            "{uri} is relative"
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"]
            .as_object()
            .is_some_and(|map| !map.is_empty()));
    }
}

#[test]
fn corpus_sarif_meets_the_schema_and_github() {
    let files = corpus(&["cfn", "cdk.out", "terraform"]);
    let report = check(&documents(&files), &CheckOptions::default());
    let log: Value = serde_json::from_str(&report.render(Format::Sarif, false)).unwrap();
    validate(&log, "sarifLog", "$");
    github_requirements(&log);
    let failing = report
        .findings
        .iter()
        .filter(|f| f.verdict() != neptune_cmk_template::Verdict::Compliant)
        .count();
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        failing,
        "compliant resources are not alerts"
    );
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn unreadable_files_are_notifications() {
    let report = check(
        &[
            Document::named("bad/broken.yaml", fixture!("bad/broken.yaml")),
            Document::found(
                "cfn/not-a-template.yaml",
                fixture!("cfn/not-a-template.yaml"),
            ),
            Document::named("cfn/graphs.yaml", fixture!("cfn/graphs.yaml")),
        ],
        &CheckOptions::default(),
    );
    let log: Value = serde_json::from_str(&report.render(Format::Sarif, false)).unwrap();
    validate(&log, "sarifLog", "$");
    github_requirements(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications[0]["level"], "error");
    assert_eq!(
        notifications[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );
    assert_eq!(notifications[1]["level"], "note");
}
