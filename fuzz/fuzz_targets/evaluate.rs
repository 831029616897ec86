//! Fuzzes everything the evaluator reads from Config and CloudFormation:
//! the invoking event, configuration items in both dialects, rule
//! parameters, CloudFormation hook requests, and the decision driven to a
//! verdict with every kind of key fact.
//!
//! Invariants: no panic; every verdict is one of the three PutEvaluations
//! values; every annotation fits in 256 bytes; every hook answer fits the
//! hook contract (FAILED always with an error code, message ≤ 1,024 chars).
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune_cmk_evaluator::{
    assess, Assessment, ClusterEncryption, ConfigurationItem, HookAnswer, HookAssessment,
    HookRequest, HookStatus, InvokingEvent, KeyFacts, KeyLookup, KeyManager, KeyOrigin, KeyState,
    RuleParameters, MAX_ANNOTATION_BYTES, MAX_HOOK_MESSAGE_CHARS,
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
            deletion: None,
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
    if let Ok(event) = serde_json::from_str::<serde_json::Value>(text) {
        hook(&event, &cluster, &lookups);
    }
});

/// A hook request driven to its answer with each key fact.
fn hook(event: &serde_json::Value, source: &ClusterEncryption, lookups: &[KeyLookup]) {
    let parameters = RuleParameters::default();
    let Ok(request) = HookRequest::parse(event) else { return };
    for lookup in lookups {
        let answer = match request.assess("us-east-1", &parameters) {
            Ok(HookAssessment::NotEvaluated(why)) => request.not_evaluated(&why),
            Ok(HookAssessment::Judge(assessment)) => answer_of(&request, assessment, lookup),
            Ok(HookAssessment::NeedsSource(pending)) => match pending.resolve(source, &parameters) {
                Ok(assessment) => answer_of(&request, assessment, lookup),
                Err(error) => HookAnswer::internal_failure(None, &error.to_string()),
            },
            Err(error) => HookAnswer::internal_failure(None, &error.to_string()),
        };
        assert!(answer.message.chars().count() <= MAX_HOOK_MESSAGE_CHARS);
        assert_eq!(answer.status == HookStatus::Failed, answer.error_code.is_some());
    }
}

fn answer_of(request: &HookRequest, assessment: Assessment, lookup: &KeyLookup) -> HookAnswer {
    let evaluation = match assessment {
        Assessment::Decided(evaluation) => Ok(evaluation),
        Assessment::NeedsKey(pending) => pending.decide(lookup, &RuleParameters::default()),
        Assessment::NeedsCluster(_) => unreachable!("a hook resource states its own encryption"),
    };
    match evaluation {
        Ok(evaluation) => request.answer(&evaluation),
        Err(error) => HookAnswer::internal_failure(None, &error.to_string()),
    }
}
