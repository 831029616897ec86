//! The new cluster and its instances judged by the rule's own code
//! (`records` + `FactCache::judge_resource`), with the parameters the plan
//! was built with: `apply` succeeds only when Config would agree.

use neptune_cmk_evaluator::{Compliance, NeptuneResource, RuleParameters, Timestamp};
use neptune_cmk_rule::aws::{describe_cluster, describe_instance};
use neptune_cmk_rule::fact_cache::FactCache;
use neptune_cmk_rule::records::{cluster_resource, instance_resource, Origin};
use neptune_cmk_rule::{Clients, Deadline};

use super::wait::Resource;
use crate::error::Error;

/// What was verified, for the closing summary.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    /// One line per resource: its verdict and the annotation.
    pub lines: Vec<String>,
    /// The new writer endpoint.
    pub endpoint: Option<String>,
    /// The new reader endpoint.
    pub reader_endpoint: Option<String>,
}

/// Judges `cluster` and `instances`; an error names the first that is not
/// COMPLIANT and says why, in the rule's words.
pub async fn verify(
    clients: &Clients,
    region: &str,
    cluster: &str,
    instances: &[String],
    parameters: &RuleParameters,
) -> Result<Verified, Error> {
    let record = describe_cluster(&clients.neptune, &Deadline::none(), cluster)
        .await?
        .ok_or_else(|| missing(&Resource::Cluster(cluster.to_owned())))?;
    let account_id = record
        .db_cluster_arn()
        .and_then(|arn| arn.split(':').nth(4))
        .unwrap_or_default()
        .to_owned();
    let origin = Origin {
        account_id: &account_id,
        region: Some(region),
        // Nothing is written, so the ordering timestamp is never used.
        ordering_timestamp: Timestamp::from_epoch_millis(0),
    };
    // A fresh cache: the verdict must rest on what AWS reports now.
    let mut cache = FactCache::default();
    let mut verified = Verified {
        endpoint: record.endpoint().map(str::to_owned),
        reader_endpoint: record.reader_endpoint().map(str::to_owned),
        ..Verified::default()
    };
    let resource = cluster_resource(&record, &origin)?;
    let subject = Resource::Cluster(cluster.to_owned());
    verified
        .lines
        .push(judge(clients, &mut cache, &subject, resource, parameters).await?);
    for identifier in instances {
        let subject = Resource::Instance(identifier.clone());
        let record = describe_instance(&clients.neptune, &Deadline::none(), identifier)
            .await?
            .ok_or_else(|| missing(&subject))?;
        let resource = instance_resource(&record, &origin)?;
        verified
            .lines
            .push(judge(clients, &mut cache, &subject, resource, parameters).await?);
    }
    Ok(verified)
}

async fn judge(
    clients: &Clients,
    cache: &mut FactCache,
    subject: &Resource,
    resource: Option<NeptuneResource>,
    parameters: &RuleParameters,
) -> Result<String, Error> {
    let resource = resource.ok_or_else(|| Error::NotVerified {
        resource: subject.to_string(),
        compliance: "not judged".to_owned(),
        annotation: "it is not a Neptune resource (Engine is not neptune)".to_owned(),
    })?;
    let judgement = cache.judge_resource(clients, resource, parameters).await?;
    let evaluation = judgement.evaluation;
    if evaluation.compliance() != Compliance::Compliant {
        return Err(Error::NotVerified {
            resource: subject.to_string(),
            compliance: evaluation.compliance().to_string(),
            annotation: evaluation.annotation.as_str().to_owned(),
        });
    }
    Ok(format!(
        "{subject}: {} — {}",
        evaluation.compliance(),
        evaluation.annotation.as_str()
    ))
}

fn missing(resource: &Resource) -> Error {
    Error::Unavailable {
        resource: resource.to_string(),
        status: "gone (it was deleted before it could be verified)".to_owned(),
    }
}
