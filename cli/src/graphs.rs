//! Neptune Analytics graphs in an audit. Config records no graph, so the
//! rule's sweep never sees one: the CLI lists them itself (ListGraphs,
//! paged; GetGraph for a graph whose summary does not name its key) and
//! judges each through the evaluator's `Graph` kind with the rule's fact
//! cache. A graph without a customer managed key is encrypted with an AWS
//! owned key, which is NON_COMPLIANT.
//!
//! Neptune Analytics is not offered in every region, and the SDK builds an
//! endpoint for any region: there the call fails before any answer (the
//! host does not resolve). That is a note on stderr, not a failed audit; a
//! service's refusal (AccessDenied and the like) is an error row.

use aws_config::SdkConfig;
use aws_sdk_neptunegraph::error::SdkError;
use neptune_cmk_evaluator::{
    Encryption, KeyReference, NeptuneResource, ResourceKind, RuleParameters, Subject, Timestamp,
};
use neptune_cmk_rule::aws::failed;
use neptune_cmk_rule::fact_cache::FactCache;
use neptune_cmk_rule::{Clients, Deadline};

use crate::judged::Judged;
use crate::rows::{Account, Row};

/// ListGraphs' largest page (the API's `maxResults` maximum).
const PAGE_SIZE: i32 = 100;

/// One account and region's graphs, and the clients to judge them with.
pub struct Graphs<'a> {
    /// Credentials and region.
    pub config: &'a SdkConfig,
    /// The rule's clients (KMS for the keys).
    pub clients: &'a Clients,
    /// The account.
    pub account: &'a Account,
    /// The region.
    pub region: &'a str,
}

/// A graph as listed: who it is and what names its key.
struct Listed {
    id: String,
    name: String,
    arn: String,
    kms_key_identifier: Option<String>,
}

impl Graphs<'_> {
    /// One row per graph; one error row when the graphs could not be listed;
    /// nothing (and a note) where the service cannot be reached.
    pub async fn rows(&self, parameters: &RuleParameters) -> Vec<Row> {
        let client = aws_sdk_neptunegraph::Client::new(self.config);
        let listed = match self.list(&client).await {
            Ok(listed) => listed,
            Err(Unlisted::Unreachable(message)) => {
                eprintln!(
                    "neptune-cmk: note: {} {}: Neptune Analytics cannot be reached there ({message}); \
                     it is not offered in every region, so no graphs were audited in it",
                    self.account.label(),
                    self.region
                );
                return Vec::new();
            }
            Err(Unlisted::Failed(error)) => {
                return vec![Row::error(
                    self.account,
                    Some(self.region),
                    error.to_string(),
                )]
            }
        };
        let mut cache = FactCache::new(Deadline::none());
        let mut rows = Vec::with_capacity(listed.len());
        for graph in listed {
            rows.push(self.judge(&mut cache, graph, parameters).await);
        }
        rows
    }

    /// Every graph, its key read with GetGraph when the summary lacks it.
    async fn list(&self, client: &aws_sdk_neptunegraph::Client) -> Result<Vec<Listed>, Unlisted> {
        let mut pages = client
            .list_graphs()
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send();
        let mut listed = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| self.unlisted("neptune-graph:ListGraphs", &error))?;
            for graph in page.graphs() {
                listed.push(Listed {
                    id: graph.id().to_owned(),
                    name: graph.name().to_owned(),
                    arn: graph.arn().to_owned(),
                    kms_key_identifier: graph.kms_key_identifier().map(str::to_owned),
                });
            }
        }
        for graph in listed.iter_mut().filter(|g| g.kms_key_identifier.is_none()) {
            let got = client.get_graph().graph_identifier(&graph.id).send().await;
            let got = got.map_err(|error| self.unlisted("neptune-graph:GetGraph", &error))?;
            graph.kms_key_identifier = got.kms_key_identifier().map(str::to_owned);
        }
        Ok(listed)
    }

    fn unlisted<E, R>(&self, operation: &'static str, error: &SdkError<E, R>) -> Unlisted
    where
        E: aws_sdk_neptunegraph::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let error_row = failed(operation, "the Neptune Analytics graphs", error);
        match error {
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                Unlisted::Unreachable(error_row.to_string())
            }
            _ => Unlisted::Failed(error_row),
        }
    }

    /// The row of one graph: its verdict, or an error row when its key
    /// could not be looked up or its key identifier makes no sense.
    async fn judge(
        &self,
        cache: &mut FactCache,
        graph: Listed,
        parameters: &RuleParameters,
    ) -> Row {
        let subject = Subject::new(
            ResourceKind::Graph,
            graph.id.clone(),
            self.account.id.clone(),
            Some(self.region.to_owned()),
            Some(&graph.arn),
            // Audits write nothing, so the ordering timestamp is never used.
            Timestamp::from_epoch_millis(0),
        )
        .with_identifier(Some(graph.name.clone()));
        let judged = match graph_encryption(graph.kms_key_identifier.as_deref(), &subject) {
            Ok(encryption) => {
                let resource = NeptuneResource {
                    subject,
                    encryption,
                };
                cache
                    .judge_resource(self.clients, resource, parameters)
                    .await
                    .map_err(|error| error.to_string())
            }
            Err(error) => Err(error.to_string()),
        };
        match judged {
            Ok(judgement) => Judged {
                account: self.account,
                region: self.region,
                arn: Some(graph.arn),
                identifier: graph.name,
            }
            .row(judgement),
            Err(message) => {
                let mut row = Row::error(self.account, Some(self.region), message);
                row.resource_type = ResourceKind::Graph.config_type().to_owned();
                row.identifier = graph.name;
                row.resource_id = graph.id;
                row.arn = Some(graph.arn);
                row
            }
        }
    }
}

/// Why the graphs of a region were not listed.
enum Unlisted {
    /// No answer at all: the service is not offered in the region.
    Unreachable(String),
    /// The service answered with an error (denied, throttled past retries).
    Failed(neptune_cmk_rule::Error),
}

/// A graph's encryption from its `kmsKeyIdentifier`. The API types it as a
/// plain string and reports no key ARN (nothing, or a marker such as
/// `AWS_OWNED_KEY`) for a graph created without one: only a KMS ARN names a
/// key; anything else is an AWS owned key.
fn graph_encryption(
    kms_key_identifier: Option<&str>,
    subject: &Subject,
) -> Result<Encryption, neptune_cmk_evaluator::Error> {
    match kms_key_identifier {
        Some(key) if key.starts_with("arn:") && key.contains(":kms:") => {
            KeyReference::resolve(key, subject, "kmsKeyIdentifier").map(Encryption::On)
        }
        _ => Ok(Encryption::AwsOwnedKey),
    }
}
