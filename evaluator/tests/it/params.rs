//! `ruleParameters`: defaults, every value, and errors that list the valid
//! choices.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{EncryptionLevel, RuleParameters};

#[track_caller]
fn check(text: Option<&str>, expect: Expect) {
    let rendered = match RuleParameters::parse(text) {
        Ok(parameters) => format!("{parameters:?}"),
        Err(error) => format!("error: {error}"),
    };
    expect.assert_eq(&rendered);
}

#[test]
fn defaults() {
    let defaults = RuleParameters::parse(None).unwrap();
    assert_eq!(defaults.desired_level, EncryptionLevel::CustomerManaged);
    assert!(defaults.require_enabled_key);
    assert_eq!(defaults.allowed_key_arns, None);
    assert_eq!(RuleParameters::parse(Some("")).unwrap(), defaults);
    assert_eq!(RuleParameters::parse(Some("{}")).unwrap(), defaults);
    // Conformance packs send blank optional parameters as empty strings.
    assert_eq!(
        RuleParameters::parse(Some(
            r#"{"desiredEncryptionLevel":"","allowedKmsKeyArns":" ","requireEnabledKey":""}"#
        ))
        .unwrap(),
        defaults
    );
}

#[test]
fn every_parameter() {
    check(
        Some(
            r#"{"desiredEncryptionLevel":"cloudhsm","allowedKmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/a, arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/b","requireEnabledKey":"FALSE","ExecutionRoleName":"NeptuneCmkExecutionRole"}"#,
        ),
        expect![[
            r#"RuleParameters { desired_level: CloudHsm, allowed_key_arns: Some({"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/b", "arn:aws:kms:us-east-1:111122223333:key/a"}), require_enabled_key: false, execution_role_name: Some("NeptuneCmkExecutionRole") }"#
        ]],
    );
}

#[test]
fn unknown_parameter_is_an_error() {
    check(
        Some(r#"{"desiredEncryptionlevel":"EXTERNAL"}"#),
        expect![[
            r#"error: ruleParameters has the unknown parameter "desiredEncryptionlevel"; valid parameters are desiredEncryptionLevel, allowedKmsKeyArns (or KmsKeyArns, the managed rule's name for it), requireEnabledKey and ExecutionRoleName (names are case-sensitive)"#
        ]],
    );
}

#[test]
fn bad_level() {
    check(
        Some(r#"{"desiredEncryptionLevel":"AWS_MANAGED"}"#),
        expect![[
            r#"error: ruleParameters.desiredEncryptionLevel has the invalid value "AWS_MANAGED"; expected CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM"#
        ]],
    );
}

#[test]
fn bad_boolean() {
    check(
        Some(r#"{"requireEnabledKey":"yes"}"#),
        expect![[
            r#"error: ruleParameters.requireEnabledKey has the invalid value "yes"; expected true or false"#
        ]],
    );
}

#[test]
fn allow_list_entry_that_is_not_a_key_arn() {
    check(
        Some(r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:111122223333:alias/prod"}"#),
        expect![[
            r#"error: ruleParameters.allowedKmsKeyArns has the invalid value "arn:aws:kms:us-east-1:111122223333:alias/prod"; expected comma-separated key ARNs such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-… (alias ARNs and key ids cannot be matched reliably)"#
        ]],
    );
}

#[test]
fn role_arn_instead_of_role_name() {
    check(
        Some(r#"{"ExecutionRoleName":"arn:aws:iam::111122223333:role/x"}"#),
        expect![[
            r#"error: ruleParameters.ExecutionRoleName has the invalid value "arn:aws:iam::111122223333:role/x"; expected an IAM role name (1-64 characters from A-Z a-z 0-9 +=,.@_-), not an ARN"#
        ]],
    );
}

#[test]
fn not_json() {
    check(
        Some("desiredEncryptionLevel=EXTERNAL"),
        expect![[
            r#"error: ruleParameters is not valid JSON (expected value at line 1 column 1); send the text exactly as AWS Config produced it"#
        ]],
    );
}

#[test]
fn not_an_object() {
    check(
        Some(r#"["CUSTOMER_MANAGED"]"#),
        expect![[r#"error: ruleParameters must be a JSON object, found an array of 1 items"#]],
    );
}

#[test]
fn non_string_value() {
    check(
        Some(r#"{"desiredEncryptionLevel":3}"#),
        expect![[
            r#"error: ruleParameters.desiredEncryptionLevel must be a string, found the number 3"#
        ]],
    );
}

#[test]
fn managed_rule_name_for_the_allow_list() {
    // Teams moving from NEPTUNE_CLUSTER_ENCRYPTED keep their KmsKeyArns.
    let alias = RuleParameters::parse(Some(
        r#"{"KmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/a"}"#,
    ))
    .unwrap();
    let canonical = RuleParameters::parse(Some(
        r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/a"}"#,
    ))
    .unwrap();
    assert_eq!(alias, canonical);
    check(
        Some(
            r#"{"KmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/a","allowedKmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/b"}"#,
        ),
        expect![[
            r#"error: ruleParameters.KmsKeyArns has the invalid value "KmsKeyArns"; KmsKeyArns is another name for allowedKmsKeyArns; set only one of them"#
        ]],
    );
}

/// `evaluator/rule-parameters.json` is the one parameter contract; the CDK,
/// the conformance pack and the CLI test themselves against it too.
#[test]
fn the_parameter_contract_matches_the_parser() {
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../rule-parameters.json")).unwrap();
    let entries = manifest["parameters"].as_array().unwrap();
    let mut names = Vec::new();
    for entry in entries {
        names.push(entry["name"].as_str().unwrap().to_owned());
        for alias in entry["aliases"].as_array().unwrap() {
            names.push(alias.as_str().unwrap().to_owned());
        }
    }
    let mut accepted: Vec<String> = RuleParameters::NAMES.map(str::to_owned).to_vec();
    names.sort();
    accepted.sort();
    assert_eq!(
        names, accepted,
        "rule-parameters.json and RuleParameters::NAMES differ"
    );
    let default = RuleParameters::default();
    for name in &accepted {
        // Every name takes an empty value as its default, and no other name is accepted.
        let text = format!(r#"{{"{name}":""}}"#);
        assert_eq!(
            RuleParameters::parse(Some(&text)).unwrap(),
            default,
            "{name}"
        );
    }
    let misspelled = RuleParameters::parse(Some(r#"{"allowedKmsKeyArn":""}"#)).unwrap_err();
    assert!(
        misspelled
            .to_string()
            .contains("the unknown parameter \"allowedKmsKeyArn\""),
        "{misspelled}"
    );
    let level = entries
        .iter()
        .find(|entry| entry["name"] == "desiredEncryptionLevel")
        .unwrap();
    for value in level["values"].as_array().unwrap() {
        let text = format!(r#"{{"desiredEncryptionLevel":{value}}}"#);
        let parsed = RuleParameters::parse(Some(&text)).unwrap();
        assert_eq!(parsed.desired_level.as_str(), *value, "{value}");
        assert_eq!(
            RuleParameters {
                desired_level: default.desired_level,
                ..parsed
            },
            default,
            "{value} sets only the level"
        );
    }
    assert_eq!(level["default"], default.desired_level.as_str());
    let required = entries
        .iter()
        .find(|entry| entry["name"] == "requireEnabledKey")
        .unwrap();
    assert_eq!(
        required["default"],
        default.require_enabled_key.to_string().as_str()
    );
    for value in required["values"].as_array().unwrap() {
        let text = format!(r#"{{"requireEnabledKey":{value}}}"#);
        let parsed = RuleParameters::parse(Some(&text)).unwrap();
        assert_eq!(parsed.require_enabled_key.to_string(), *value, "{value}");
    }
}
