//! Properties over arbitrary input: parsing never panics; a verdict that
//! rests on a key is the one the key's facts call for, and COMPLIANT always
//! rests on a key; annotations always fit.

use neptune_cmk_evaluator::{
    assess, Annotation, Assessment, ClusterEncryption, Compliance, ConfigurationItem,
    InvokingEvent, KeyFacts, KeyLookup, KeyManager, KeyOrigin, KeyState, Reason, RuleParameters,
    MAX_ANNOTATION_BYTES,
};
use proptest::prelude::*;

use crate::fixture;

/// Arbitrary JSON values, biased towards the shapes Config uses.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("neptune"),
            Just("OK"),
            Just("ResourceDeleted"),
            Just("AWS::RDS::DBCluster"),
            Just("AWS::RDS::DBInstance"),
            Just("2024-01-01T00:00:00.000Z"),
            Just("arn:aws:kms:us-east-1:123456789012:key/k"),
            Just("arn:aws:kms:us-east-1:999988887777:key/k"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("messageType".to_owned()),
                    Just("configurationItem".to_owned()),
                    Just("configuration".to_owned()),
                    Just("storageEncrypted".to_owned()),
                    Just("kmsKeyId".to_owned()),
                    Just("engine".to_owned()),
                    Just("resourceType".to_owned()),
                    "[a-zA-Z]{1,12}",
                ],
                inner,
                0..6,
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Any key lookup outcome.
fn key_lookup() -> impl Strategy<Value = KeyLookup> {
    prop_oneof![
        Just(KeyLookup::NotFound),
        Just(KeyLookup::AccessDenied),
        Just(KeyLookup::KeyPolicyDenied),
        (any::<bool>(), "[A-Za-z]{0,20}", "[A-Z_]{0,20}", ".{0,300}").prop_map(
            |(aws, state, origin, arn)| {
                KeyLookup::Found(KeyFacts {
                    arn,
                    key_manager: if aws {
                        KeyManager::Aws
                    } else {
                        KeyManager::Customer
                    },
                    key_state: KeyState::from_kms(&state),
                    origin: KeyOrigin::from_kms(&origin),
                    deletion: None,
                })
            }
        ),
    ]
}

/// The reason the decision table gives a resource on a key with these
/// facts, under the default parameters (`CUSTOMER_MANAGED`, no allow-list,
/// the key must be Enabled); `None` where no verdict is honest (DescribeKey
/// denied for a key of the resource's own account, with nothing more known).
/// Written from the table, not from the evaluator's code.
fn reason_for_key(lookup: &KeyLookup, key_in_resource_account: bool) -> Option<Reason> {
    Some(match lookup {
        KeyLookup::Found(facts) if facts.key_manager == KeyManager::Aws => Reason::AwsManagedKey,
        KeyLookup::Found(facts) if facts.key_state != KeyState::Enabled => Reason::KeyNotEnabled,
        // Every customer managed key is at least CUSTOMER_MANAGED.
        KeyLookup::Found(_) => Reason::CustomerManagedKey,
        KeyLookup::NotFound => Reason::KeyNotFound,
        // Denied across accounts: customer managed (AWS managed keys never
        // cross accounts), whatever the probe of aws/rds said.
        KeyLookup::AccessDenied | KeyLookup::KeyPolicyDenied if !key_in_resource_account => {
            Reason::CrossAccountKey
        }
        KeyLookup::AccessDenied => return None,
        KeyLookup::KeyPolicyDenied => Reason::KeyPolicyDeniesDescribe,
    })
}

/// Runs a decision to its end with the given facts and checks the verdict:
/// one resting on the key is the one its facts call for; one reached
/// without the key is never COMPLIANT (only a key can make a resource so);
/// the annotation fits.
fn drive(item: &ConfigurationItem, lookup: &KeyLookup, cluster: &ClusterEncryption) {
    let Ok(mut assessment) = assess(item, false) else {
        return;
    };
    let parameters = RuleParameters::default();
    let evaluation = loop {
        match assessment {
            Assessment::Decided(evaluation) => {
                assert_ne!(
                    evaluation.compliance(),
                    Compliance::Compliant,
                    "COMPLIANT without a key: {evaluation}"
                );
                break evaluation;
            }
            Assessment::NeedsCluster(pending) => match pending.resolve(Some(cluster)) {
                Ok(next) => assessment = next,
                Err(_) => return,
            },
            Assessment::NeedsKey(pending) => {
                let same_account = pending.key().account_id() == item.header.account_id;
                let expected = reason_for_key(lookup, same_account);
                let decided = pending.decide(lookup, &parameters);
                match (expected, decided) {
                    (Some(reason), Ok(evaluation)) => {
                        assert_eq!(evaluation.reason, reason, "{lookup:?}: {evaluation}");
                        break evaluation;
                    }
                    (None, Err(_)) => return,
                    (expected, decided) => {
                        panic!("{lookup:?}: expected {expected:?}, decided {decided:?}")
                    }
                }
            }
        }
    };
    assert!(evaluation.annotation.as_str().len() <= MAX_ANNOTATION_BYTES);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = InvokingEvent::parse(&text);
        let _ = ConfigurationItem::parse(&text, "item");
        let _ = RuleParameters::parse(Some(&text));
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let text = value.to_string();
        let _ = InvokingEvent::parse(&text);
        let _ = RuleParameters::parse(Some(&text));
        if let Ok(item) = ConfigurationItem::parse(&text, "item") {
            drive(&item, &KeyLookup::NotFound, &ClusterEncryption { storage_encrypted: true, kms_key_id: None });
        }
    }

    /// A real item with one configuration field replaced by anything.
    #[test]
    fn mutated_item_gives_a_valid_verdict_or_an_error(
        field in prop_oneof![
            Just("storageEncrypted"), Just("kmsKeyId"), Just("engine"),
            Just("dbclusterIdentifier"), Just("dBClusterIdentifier"),
        ],
        value in json_value(),
        lookup in key_lookup(),
    ) {
        for fixture in [fixture!("items/cluster-cmk.json"), fixture!("items/instance-inherits-from-cluster.json")] {
            let mut item: serde_json::Value = serde_json::from_str(fixture).unwrap();
            item["configuration"][field] = value.clone();
            let cluster = ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: value.as_str().map(str::to_owned),
            };
            if let Ok(item) = ConfigurationItem::parse(&item.to_string(), "item") {
                drive(&item, &lookup, &cluster);
            }
        }
    }

    #[test]
    fn annotations_always_fit(text in ".{0,1000}") {
        let annotation = Annotation::new(text.clone());
        prop_assert!(annotation.as_str().len() <= MAX_ANNOTATION_BYTES);
        prop_assert!(text.starts_with(annotation.as_str().trim_end_matches(neptune_cmk_evaluator::TRUNCATION_MARKER)));
    }

    /// Truncating text whose bytes could be cut mid-character.
    #[test]
    fn annotation_truncation_is_utf8_safe(prefix in 0usize..8, ch in any::<char>(), count in 0usize..300) {
        let text = format!("{}{}", "x".repeat(prefix), ch.to_string().repeat(count));
        let annotation = Annotation::new(text);
        prop_assert!(annotation.as_str().len() <= MAX_ANNOTATION_BYTES);
    }
}
