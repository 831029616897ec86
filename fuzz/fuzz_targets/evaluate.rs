//! Fuzzes everything the evaluator reads from Config: the invoking event,
//! configuration items in both dialects, rule parameters, and the decision
//! driven to a verdict with every kind of key fact.
//!
//! Invariants: no panic; every verdict is one of the three PutEvaluations
//! values; every annotation fits in 256 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune_cmk_evaluator::{
    assess, Assessment, ClusterEncryption, ConfigurationItem, InvokingEvent, KeyFacts, KeyLookup,
    KeyManager, KeyOrigin, KeyState, RuleParameters, MAX_ANNOTATION_BYTES,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = RuleParameters::parse(Some(text));
    let mut items = Vec::new();
    if let Ok(InvokingEvent::ItemChange { item, .. }) = InvokingEvent::parse(text) {
        items.push(*item);
    }
    if let Ok(item) = ConfigurationItem::parse(text, "configurationItem") {
        items.push(item);
    }
    let lookups = [
        KeyLookup::NotFound,
        KeyLookup::AccessDenied,
        KeyLookup::Found(KeyFacts {
            arn: "arn:aws:kms:us-east-1:123456789012:key/k".to_owned(),
            key_manager: KeyManager::Customer,
            key_state: KeyState::Disabled,
            origin: KeyOrigin::External,
        }),
    ];
    let cluster = ClusterEncryption { storage_encrypted: true, kms_key_id: Some(text.chars().take(80).collect()) };
    for item in &items {
        for lookup in &lookups {
            for left_scope in [false, true] {
                let Ok(mut assessment) = assess(item, left_scope) else { continue };
                let evaluation = loop {
                    match assessment {
                        Assessment::Decided(evaluation) => break Some(evaluation),
                        Assessment::NeedsCluster(pending) => match pending.resolve(Some(&cluster)) {
                            Ok(next) => assessment = next,
                            Err(_) => break None,
                        },
                        Assessment::NeedsKey(pending) => {
                            break pending.decide(lookup, &RuleParameters::default()).ok()
                        }
                    }
                };
                if let Some(evaluation) = evaluation {
                    assert!(evaluation.annotation.as_str().len() <= MAX_ANNOTATION_BYTES);
                    assert!(!evaluation.resource_id.is_empty());
                }
            }
        }
    }
});
