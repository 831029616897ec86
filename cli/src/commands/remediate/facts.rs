//! What a remediation plan is computed from, in plain types: the source
//! cluster and its instances as the describe calls report them, the rule's
//! evaluation under the given parameters, and the target key. `gather` and
//! `operator` are the only code here that talks to AWS (through the rule's
//! `aws` and fact cache); everything downstream is pure.

use aws_config::SdkConfig;
use aws_sdk_neptune::types::{DbCluster, DbInstance, Filter};
use neptune_cmk_evaluator::{
    Compliance, Encryption, Evaluation, KeyLookup, KeyManager, KeyReference, NeptuneResource,
    RuleParameters, Tag, Timestamp,
};
use neptune_cmk_rule::aws::{self, failed};
use neptune_cmk_rule::fact_cache::FactCache;
use neptune_cmk_rule::records::{cluster_resource, Origin};
use neptune_cmk_rule::{Clients, Deadline};

use super::endpoints::{self, CustomEndpoint};
use crate::args::{AwsFlags, RuleFlags};
use crate::error::Error;
use crate::sdk;

/// The cluster to remediate, as DescribeDBClusters reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCluster {
    /// DBClusterIdentifier.
    pub identifier: String,
    /// DbClusterResourceId (Config's resource id).
    pub resource_id: String,
    /// Whether storage encryption is on.
    pub storage_encrypted: bool,
    /// The key that encrypts it.
    pub kms_key_id: Option<String>,
    /// Engine version.
    pub engine_version: Option<String>,
    /// Port.
    pub port: Option<i32>,
    /// DB subnet group name.
    pub subnet_group: Option<String>,
    /// VPC security group ids.
    pub security_groups: Vec<String>,
    /// DB cluster parameter group name.
    pub parameter_group: Option<String>,
    /// IAM database authentication.
    pub iam_auth: bool,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// CloudWatch Logs exports.
    pub log_exports: Vec<String>,
    /// Backup retention in days.
    pub backup_retention: Option<i32>,
    /// Preferred backup window.
    pub backup_window: Option<String>,
    /// Preferred maintenance window.
    pub maintenance_window: Option<String>,
    /// `standard` or `iopt1` (I/O-Optimized).
    pub storage_type: Option<String>,
    /// CopyTagsToSnapshot.
    pub copy_tags_to_snapshot: bool,
    /// Serverless v2 capacity range.
    pub serverless: Option<Capacity>,
    /// Writer endpoint.
    pub endpoint: Option<String>,
    /// Reader endpoint.
    pub reader_endpoint: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// IAM roles associated with the cluster (bulk load, ML, export).
    pub roles: Vec<ClusterRole>,
    /// `IPV4` or `DUAL`.
    pub network_type: Option<String>,
    /// The cluster's status, e.g. `available`, `stopped`,
    /// `inaccessible-encryption-credentials`.
    pub status: Option<String>,
}

/// An IAM role associated with a cluster (`DBCluster.AssociatedRoles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRole {
    /// The role's ARN.
    pub role_arn: String,
    /// The feature it serves, when one was named.
    pub feature_name: Option<String>,
}

/// The global database a cluster belongs to (DescribeGlobalClusters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalDatabase {
    /// GlobalClusterIdentifier.
    pub identifier: String,
    /// Its members, the writer (primary) first.
    pub members: Vec<GlobalMember>,
}

/// One cluster of a global database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalMember {
    /// DBClusterArn.
    pub arn: String,
    /// Whether it is the primary (writer) cluster.
    pub is_writer: bool,
}

impl GlobalMember {
    /// The member's region, from its ARN.
    pub fn region(&self) -> &str {
        self.arn.split(':').nth(3).unwrap_or_default()
    }

    /// The member's DBClusterIdentifier, from its ARN.
    pub fn identifier(&self) -> &str {
        self.arn.rsplit(':').next().unwrap_or_default()
    }
}

/// An event subscription that names the cluster or one of its instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// CustSubscriptionId.
    pub name: String,
    /// The source ids it names that belong to the source cluster.
    pub source_ids: Vec<String>,
}

/// A Serverless v2 capacity range, in Neptune capacity units (NCUs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// MinCapacity.
    pub min: f64,
    /// MaxCapacity.
    pub max: f64,
}

/// One instance of the source cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceInstance {
    /// DBInstanceIdentifier.
    pub identifier: String,
    /// Instance class, e.g. `db.r6g.large` or `db.serverless`.
    pub class: Option<String>,
    /// DB parameter group name.
    pub parameter_group: Option<String>,
    /// Availability zone.
    pub availability_zone: Option<String>,
    /// Promotion tier.
    pub promotion_tier: Option<i32>,
    /// AutoMinorVersionUpgrade.
    pub auto_minor_version_upgrade: Option<bool>,
    /// Preferred maintenance window.
    pub maintenance_window: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Whether it is the cluster's writer.
    pub is_writer: bool,
}

/// Who runs the commands, as a key policy must name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The IAM principal ARN (a role with its path, or a user).
    pub principal_arn: String,
    /// Set when the ARN could not be read exactly, saying why.
    pub caveat: Option<String>,
}

/// Everything a plan is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The cluster's region.
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The cluster's account.
    pub account_id: String,
    /// The cluster.
    pub cluster: SourceCluster,
    /// Its instances, the writer first.
    pub instances: Vec<SourceInstance>,
    /// The rule's evaluation of the cluster under `parameters`.
    pub evaluation: Evaluation,
    /// What DescribeKey said about the cluster's key, when encrypted.
    pub source_key: Option<KeyLookup>,
    /// The customer managed key to move to, already checked acceptable.
    pub target_key: Option<String>,
    /// Who runs the commands.
    pub operator: Option<Operator>,
    /// The rule's parameters the verdicts were reached with.
    pub parameters: RuleParameters,
    /// The global database the cluster is a member of.
    pub global: Option<GlobalDatabase>,
    /// Event subscriptions that name the cluster or its instances.
    pub subscriptions: Vec<Subscription>,
    /// The cluster's custom endpoints.
    pub custom_endpoints: Vec<CustomEndpoint>,
}

/// The SDK configuration a plan was gathered with, and the facts.
pub struct Gathered {
    /// `--region` and `--profile`, resolved.
    pub config: SdkConfig,
    /// What the plan is computed from, the operator included.
    pub facts: Facts,
}

/// What `remediate plan` and `remediate apply` start from: the facts of
/// `cluster` in the flags' region, judged with the flags' parameters, with
/// `kms_key` as the target key, and who runs the commands.
pub async fn gather_for(
    aws: &AwsFlags,
    rule: &RuleFlags,
    cluster: &str,
    kms_key: Option<&str>,
) -> Result<Gathered, Error> {
    let config = sdk::for_flags(aws).await?;
    let region = sdk::region_of(&config)?;
    let parameters = rule.rule_parameters()?;
    let mut facts = gather(&config, &region, cluster, kms_key, &parameters).await?;
    facts.operator = operator(&config).await;
    Ok(Gathered { config, facts })
}

/// Reads the cluster, its instances and tags, judges the cluster with the
/// rule's own code, and checks the target key the same way.
async fn gather(
    config: &SdkConfig,
    region: &str,
    identifier: &str,
    target_key: Option<&str>,
    parameters: &RuleParameters,
) -> Result<Facts, Error> {
    let clients = Clients::new(config);
    let cluster = aws::describe_cluster(&clients.neptune, &Deadline::none(), identifier)
        .await?
        .ok_or_else(|| {
            Error::Refused(format!("there is no DB cluster {identifier} in {region}"))
        })?;
    let arn = cluster.db_cluster_arn().unwrap_or_default().to_owned();
    let account_id = arn.split(':').nth(4).unwrap_or_default().to_owned();
    let origin = Origin {
        account_id: &account_id,
        region: Some(region),
        // A plan writes nothing, so the ordering timestamp is never used.
        ordering_timestamp: Timestamp::from_epoch_millis(0),
    };
    let resource = cluster_resource(&cluster, &origin)?.ok_or_else(|| {
        let engine = cluster.engine().unwrap_or("unknown");
        Error::Refused(format!(
            "{identifier} is a {engine} cluster, not Neptune; neptune-cmk remediates Neptune \
             clusters only"
        ))
    })?;
    let partition = resource.subject.partition.clone();
    let mut cache = FactCache::default();
    let target_key = match target_key {
        None => None,
        Some(key) => {
            Some(check_target_key(&clients, &mut cache, &resource, key, region, parameters).await?)
        }
    };
    let judgement = cache.judge_resource(&clients, resource, parameters).await?;
    let mut source = source_cluster(&cluster);
    source.tags = aws::tags(&clients.neptune, &Deadline::none(), &arn).await?;
    let instances = instances(&clients, &cluster).await?;
    let global = global_database(&clients, &arn).await?;
    let subscriptions = subscriptions(&clients, &source, &instances).await?;
    let custom_endpoints = endpoints::of_cluster(&clients.neptune, &source.identifier).await?;
    Ok(Facts {
        region: region.to_owned(),
        partition,
        account_id,
        cluster: source,
        instances,
        evaluation: judgement.evaluation,
        source_key: judgement.key.map(|key| key.lookup),
        target_key,
        operator: None,
        parameters: parameters.clone(),
        global,
        subscriptions,
        custom_endpoints,
    })
}

/// The global database whose members include `arn`, if any. Read with
/// DescribeGlobalClusters rather than the cluster's own field, which
/// Neptune documents as the user-supplied identifier only.
async fn global_database(clients: &Clients, arn: &str) -> Result<Option<GlobalDatabase>, Error> {
    let mut pages = clients
        .neptune
        .describe_global_clusters()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| failed("rds:DescribeGlobalClusters", arn, &error))?;
        for global in page.global_clusters() {
            let mut members: Vec<GlobalMember> = global
                .global_cluster_members()
                .iter()
                .map(|member| GlobalMember {
                    arn: member.db_cluster_arn().unwrap_or_default().to_owned(),
                    is_writer: member.is_writer() == Some(true),
                })
                .collect();
            if members.iter().any(|member| member.arn == arn) {
                members.sort_by(|a, b| (!a.is_writer, &a.arn).cmp(&(!b.is_writer, &b.arn)));
                return Ok(Some(GlobalDatabase {
                    identifier: global
                        .global_cluster_identifier()
                        .unwrap_or_default()
                        .to_owned(),
                    members,
                }));
            }
        }
    }
    Ok(None)
}

/// The account's event subscriptions in the region that name the cluster
/// or one of its instances by id: they do not follow a new cluster.
async fn subscriptions(
    clients: &Clients,
    cluster: &SourceCluster,
    instances: &[SourceInstance],
) -> Result<Vec<Subscription>, Error> {
    let ours = |id: &str| {
        id.eq_ignore_ascii_case(&cluster.identifier)
            || instances
                .iter()
                .any(|instance| id.eq_ignore_ascii_case(&instance.identifier))
    };
    let mut found = Vec::new();
    let mut pages = clients
        .neptune
        .describe_event_subscriptions()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            failed(
                "rds:DescribeEventSubscriptions",
                &cluster.identifier,
                &error,
            )
        })?;
        for subscription in page.event_subscriptions_list() {
            let source_ids: Vec<String> = subscription
                .source_ids_list()
                .iter()
                .filter(|id| ours(id))
                .cloned()
                .collect();
            if !source_ids.is_empty() {
                found.push(Subscription {
                    name: subscription
                        .cust_subscription_id()
                        .unwrap_or_default()
                        .to_owned(),
                    source_ids,
                });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// The target key as the new cluster would be judged with it, by its key
/// ARN (a key id, alias name or alias ARN is resolved with DescribeKey, in
/// the fact cache): refused, with the rule's own words, unless the rule
/// would find it COMPLIANT, and refused by name when AWS manages it. It
/// must also be Enabled (a restore with any other key fails) and in the
/// cluster's region (keys are regional).
async fn check_target_key(
    clients: &Clients,
    cache: &mut FactCache,
    source: &NeptuneResource,
    key: &str,
    region: &str,
    parameters: &RuleParameters,
) -> Result<String, Error> {
    let reference = KeyReference::resolve(key, &source.subject, "--kms-key")?;
    let key_region = reference.arn().split(':').nth(3).unwrap_or_default();
    if key_region != region {
        return Err(Error::Usage {
            flag: "--kms-key",
            message: format!(
                "{key} is in {key_region}, but the cluster is in {region}; KMS keys are regional, \
                 so create or replicate the key in {region}"
            ),
        });
    }
    let lookup = cache.key(clients, &reference).await?;
    let canonical = match &lookup {
        // An AWS managed key (alias/aws/rds) is what the rule flags: say so
        // before any judging, in words that name the alias.
        KeyLookup::Found(facts) if facts.key_manager == KeyManager::Aws => {
            return Err(Error::Usage {
                flag: "--kms-key",
                message: format!(
                    "{key} is an AWS managed key ({}), so the new cluster would itself be \
                     NON_COMPLIANT: such keys are what the rule flags. Name a customer managed \
                     key (aws kms create-key), or omit --kms-key for `remediate plan` to create \
                     one",
                    facts.arn
                ),
            })
        }
        KeyLookup::NotFound => {
            return Err(Error::Usage {
                flag: "--kms-key",
                message: format!(
                    "{key} was not found in {region} (kms:DescribeKey {}); name an existing key \
                     by its ARN, key id, alias/NAME or alias ARN (aws kms list-aliases --region \
                     {region})",
                    reference.arn()
                ),
            })
        }
        KeyLookup::Found(facts) if facts.key_state.as_str() != "Enabled" => {
            return Err(Error::Usage {
                flag: "--kms-key",
                message: format!(
                    "{key} is {}; a restore needs an Enabled key",
                    facts.key_state
                ),
            })
        }
        KeyLookup::Found(facts) => facts.arn.clone(),
        _ => reference.arn().to_owned(),
    };
    let new_cluster = NeptuneResource {
        subject: source.subject.clone(),
        encryption: Encryption::On(reference),
    };
    let judgement = cache
        .judge_resource(clients, new_cluster, parameters)
        .await?;
    if judgement.evaluation.compliance() != Compliance::Compliant {
        return Err(Error::Usage {
            flag: "--kms-key",
            message: format!(
                "{key} would itself be {}: the new cluster would be {}",
                judgement.evaluation.compliance(),
                judgement.evaluation.annotation
            ),
        });
    }
    Ok(canonical)
}

/// The SDK record in plain types (tags are read separately).
pub fn source_cluster(cluster: &DbCluster) -> SourceCluster {
    SourceCluster {
        identifier: cluster
            .db_cluster_identifier()
            .unwrap_or_default()
            .to_owned(),
        resource_id: cluster
            .db_cluster_resource_id()
            .unwrap_or_default()
            .to_owned(),
        storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
        kms_key_id: cluster.kms_key_id().map(str::to_owned),
        engine_version: cluster.engine_version().map(str::to_owned),
        port: cluster.port(),
        subnet_group: cluster.db_subnet_group().map(str::to_owned),
        security_groups: cluster
            .vpc_security_groups()
            .iter()
            .filter_map(|group| group.vpc_security_group_id())
            .map(str::to_owned)
            .collect(),
        parameter_group: cluster.db_cluster_parameter_group().map(str::to_owned),
        iam_auth: cluster.iam_database_authentication_enabled() == Some(true),
        deletion_protection: cluster.deletion_protection() == Some(true),
        log_exports: cluster.enabled_cloudwatch_logs_exports().to_vec(),
        backup_retention: cluster.backup_retention_period(),
        backup_window: cluster.preferred_backup_window().map(str::to_owned),
        maintenance_window: cluster.preferred_maintenance_window().map(str::to_owned),
        storage_type: cluster.storage_type().map(str::to_owned),
        copy_tags_to_snapshot: cluster.copy_tags_to_snapshot() == Some(true),
        serverless: cluster
            .serverless_v2_scaling_configuration()
            .and_then(|scaling| {
                Some(Capacity {
                    min: scaling.min_capacity()?,
                    max: scaling.max_capacity()?,
                })
            }),
        endpoint: cluster.endpoint().map(str::to_owned),
        reader_endpoint: cluster.reader_endpoint().map(str::to_owned),
        tags: Vec::new(),
        roles: cluster
            .associated_roles()
            .iter()
            .filter_map(|role| {
                Some(ClusterRole {
                    role_arn: role.role_arn()?.to_owned(),
                    feature_name: role.feature_name().map(str::to_owned),
                })
            })
            .collect(),
        network_type: cluster.network_type().map(str::to_owned),
        status: cluster.status().map(str::to_owned),
    }
}

/// The cluster's instances with their tags, the writer first (a new cluster
/// gets its writer first, as Neptune does).
async fn instances(clients: &Clients, cluster: &DbCluster) -> Result<Vec<SourceInstance>, Error> {
    let identifier = cluster.db_cluster_identifier().unwrap_or_default();
    let writer = cluster
        .db_cluster_members()
        .iter()
        .find(|member| member.is_cluster_writer() == Some(true))
        .and_then(|member| member.db_instance_identifier());
    let records = clients
        .neptune
        .describe_db_instances()
        .filters(
            Filter::builder()
                .name("db-cluster-id")
                .values(identifier)
                .build(),
        )
        .send()
        .await
        .map_err(|error| failed("rds:DescribeDBInstances", identifier, &error))?
        .db_instances
        .unwrap_or_default();
    let mut instances = Vec::new();
    for record in &records {
        let mut instance = source_instance(record);
        instance.is_writer = writer == Some(instance.identifier.as_str());
        let arn = record.db_instance_arn().unwrap_or_default();
        instance.tags = aws::tags(&clients.neptune, &Deadline::none(), arn).await?;
        instances.push(instance);
    }
    instances.sort_by(|a, b| (!a.is_writer, &a.identifier).cmp(&(!b.is_writer, &b.identifier)));
    Ok(instances)
}

/// The SDK record in plain types (tags and the writer flag are set after).
pub fn source_instance(instance: &DbInstance) -> SourceInstance {
    SourceInstance {
        identifier: instance
            .db_instance_identifier()
            .unwrap_or_default()
            .to_owned(),
        class: instance.db_instance_class().map(str::to_owned),
        parameter_group: instance
            .db_parameter_groups()
            .first()
            .and_then(|group| group.db_parameter_group_name())
            .map(str::to_owned),
        availability_zone: instance.availability_zone().map(str::to_owned),
        promotion_tier: instance.promotion_tier(),
        auto_minor_version_upgrade: instance.auto_minor_version_upgrade(),
        maintenance_window: instance.preferred_maintenance_window().map(str::to_owned),
        tags: Vec::new(),
        is_writer: false,
    }
}

/// The caller as a key policy names it. An assumed role's session ARN lacks
/// the role's path (SSO roles live under `aws-reserved/sso.amazonaws.com/`),
/// so the role is read with iam:GetRole; when that is denied, the path of an
/// SSO role is inferred from its name and the plan says so.
async fn operator(config: &SdkConfig) -> Option<Operator> {
    let arn = sdk::caller(config).await.ok()?.arn;
    let Some(role) = AssumedRole::parse(&arn) else {
        return Some(Operator {
            principal_arn: arn,
            caveat: None,
        });
    };
    let exact = aws_sdk_iam::Client::new(config)
        .get_role()
        .role_name(&role.name)
        .send()
        .await
        .ok()
        .and_then(|output| output.role.map(|role| role.arn));
    Some(match exact {
        Some(principal_arn) => Operator {
            principal_arn,
            caveat: None,
        },
        None => role.inferred(),
    })
}

/// `arn:<partition>:sts::<account>:assumed-role/<name>/<session>`.
#[derive(Debug, PartialEq, Eq)]
struct AssumedRole {
    partition: String,
    account: String,
    name: String,
}

impl AssumedRole {
    fn parse(arn: &str) -> Option<Self> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, "sts", _, account, resource] = parts.as_slice() else {
            return None;
        };
        let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
        Some(Self {
            partition: (*partition).to_owned(),
            account: (*account).to_owned(),
            name: name.to_owned(),
        })
    }

    /// The role ARN without iam:GetRole: SSO permission-set roles are always
    /// created under `/aws-reserved/sso.amazonaws.com/`.
    fn inferred(&self) -> Operator {
        let (path, caveat) = if self.name.starts_with("AWSReservedSSO_") {
            (
                "aws-reserved/sso.amazonaws.com/",
                "iam:GetRole was denied; the path of this IAM Identity Center role was inferred \
                 from its name",
            )
        } else {
            (
                "",
                "iam:GetRole was denied; if the role has a path, insert it after role/",
            )
        };
        Operator {
            principal_arn: format!(
                "arn:{}:iam::{}:role/{path}{}",
                self.partition, self.account, self.name
            ),
            caveat: Some(caveat.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sso_role_path_is_inferred_from_the_session_arn() {
        let role = AssumedRole::parse(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/jane@example.com",
        )
        .unwrap();
        assert_eq!(
            role.inferred().principal_arn,
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123abcd"
        );
        let plain = AssumedRole::parse("arn:aws-cn:sts::111122223333:assumed-role/Ops/s").unwrap();
        assert_eq!(
            plain.inferred().principal_arn,
            "arn:aws-cn:iam::111122223333:role/Ops"
        );
        assert!(AssumedRole::parse("arn:aws:iam::111122223333:user/jane").is_none());
    }
}
