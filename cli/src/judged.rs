//! A [`Judgement`] of the rule's fact cache as a report [`Row`]: the verdict,
//! and what was learnt about the key it rests on. One conversion for every
//! resource an audit judges, databases (`scan`) and graphs (`graphs`) alike.

use neptune_cmk_evaluator::KeyLookup;
use neptune_cmk_rule::fact_cache::Judgement;

use crate::rows::{Account, Row, RowVerdict};

/// Where a judged resource is and what people call it.
pub struct Judged<'a> {
    /// Its account.
    pub account: &'a Account,
    /// Its region.
    pub region: &'a str,
    /// Its ARN, when known.
    pub arn: Option<String>,
    /// Its name (the DB identifier, the graph's name).
    pub identifier: String,
}

impl Judged<'_> {
    /// The row of `judgement` for this resource.
    pub fn row(self, judgement: Judgement) -> Row {
        let (key_arn, lookup) = match judgement.key {
            Some(key) => (Some(key.arn), Some(key.lookup)),
            None => (None, None),
        };
        let (key_manager, key_state) = match &lookup {
            Some(KeyLookup::Found(facts)) => (
                Some(facts.key_manager.as_str().to_owned()),
                Some(facts.key_state.as_str().to_owned()),
            ),
            // Otherwise the lookup's own name says what is known.
            Some(KeyLookup::NotFound) => (None, Some("NotFound".to_owned())),
            Some(KeyLookup::AccessDenied) => (None, Some("AccessDenied".to_owned())),
            Some(KeyLookup::KeyPolicyDenied) => (None, Some("KeyPolicyDenied".to_owned())),
            None => (None, None),
        };
        let evaluation = judgement.evaluation;
        Row {
            account: self.account.clone(),
            region: self.region.to_owned(),
            arn: self.arn,
            resource_type: evaluation.resource_type,
            identifier: self.identifier,
            resource_id: evaluation.resource_id,
            encrypted: judgement.encrypted,
            key_arn,
            key_manager,
            key_state,
            verdict: RowVerdict::Judged(evaluation.reason.compliance()),
            reason: Some(evaluation.reason),
            annotation: evaluation.annotation.as_str().to_owned(),
        }
    }
}
