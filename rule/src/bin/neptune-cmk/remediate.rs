//! `neptune-cmk remediate plan`: the exact, ordered steps to move a cluster
//! onto a customer managed key, as runnable `aws` commands filled in from
//! the describe calls. It only reads.
//!
//! Neptune cannot change a cluster's key in place. The path is: snapshot,
//! restore into a new cluster encrypted with the customer managed key,
//! recreate the instances, cut over, delete the old cluster.

use std::fmt::Write;

use aws_sdk_neptune::types::{DbCluster, DbInstance, Filter};
use clap::Args;
use neptune_cmk_evaluator::{Compliance, KeyLookup, KeyManager, KeyState, Timestamp};
use neptune_cmk_rule::facts::FactCache;
use neptune_cmk_rule::sweep::{cluster_resource, Origin};
use neptune_cmk_rule::Clients;

use crate::{sdk_config, Status};

/// Arguments of `remediate plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// The DB cluster identifier.
    #[arg(long)]
    cluster: String,
    /// The customer managed key to move to (an ARN); default: a placeholder.
    #[arg(long, value_name = "KEY_ARN")]
    kms_key: Option<String>,
    /// The cluster's region; default: the profile's or AWS_REGION.
    #[arg(long)]
    region: Option<String>,
    /// Named profile from the AWS config files.
    #[arg(long)]
    profile: Option<String>,
}

/// Everything the plan is computed from.
pub struct Facts {
    pub region: String,
    pub cluster: DbCluster,
    pub cluster_tags: Vec<(String, String)>,
    pub instances: Vec<(DbInstance, Vec<(String, String)>)>,
    pub verdict: Compliance,
    pub annotation: String,
    pub source_key: Option<KeyLookup>,
    pub target_key: Option<String>,
    pub operator_role_arn: Option<String>,
}

pub async fn plan(args: &PlanArgs) -> Result<Status, String> {
    let config = sdk_config(args.profile.as_deref(), args.region.as_deref()).await;
    let region = config
        .region()
        .map(|region| region.to_string())
        .ok_or("no region: pass --region or set AWS_REGION / a profile region")?;
    let facts = gather(&config, &region, &args.cluster, args.kms_key.as_deref()).await?;
    print!("{}", render(&facts));
    Ok(if facts.verdict == Compliance::Compliant {
        Status::AllCompliant
    } else {
        Status::NonCompliant
    })
}

async fn gather(
    config: &aws_config::SdkConfig,
    region: &str,
    identifier: &str,
    target_key: Option<&str>,
) -> Result<Facts, String> {
    let clients = Clients::new(config);
    let cluster = clients
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier(identifier)
        .send()
        .await
        .map_err(|error| sdk_error("rds:DescribeDBClusters", identifier, error))?
        .db_clusters
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or_else(|| format!("no DB cluster {identifier} in {region}"))?;
    let arn = cluster.db_cluster_arn().unwrap_or_default().to_owned();
    let origin = Origin {
        account_id: arn.split(':').nth(4).unwrap_or_default(),
        region: Some(region),
        // A plan writes nothing, so the ordering timestamp is never used.
        ordering_timestamp: Timestamp::from_epoch_millis(0),
    };
    let (resource, _) = cluster_resource(&cluster, &origin)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| {
            let engine = cluster.engine().unwrap_or("?");
            format!("{identifier} is a {engine} cluster, not Neptune")
        })?;
    // A bare key id given with --kms-key resolves in the cluster's account and region.
    let target_subject = resource.subject.clone();
    let mut cache = FactCache::default();
    let judgement = cache
        .judge_resource(&clients, resource, &Default::default())
        .await
        .map_err(|error| error.to_string())?;

    if let Some(target) = target_key {
        let reference =
            neptune_cmk_evaluator::KeyReference::resolve(target, &target_subject, "--kms-key")
                .map_err(|error| error.to_string())?;
        match cache
            .key(&clients, &reference)
            .await
            .map_err(|error| error.to_string())?
        {
            KeyLookup::Found(facts)
                if facts.key_manager == KeyManager::Customer
                    && facts.key_state == KeyState::Enabled => {}
            KeyLookup::Found(facts) => {
                return Err(format!(
                    "--kms-key {target} must be an Enabled customer managed key; it is {:?}, {}",
                    facts.key_manager, facts.key_state
                ))
            }
            other => return Err(format!("--kms-key {target}: DescribeKey says {other:?}")),
        }
    }

    let cluster_tags = tags(&clients, &arn).await?;
    let instance_list = clients
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
        .map_err(|error| sdk_error("rds:DescribeDBInstances", identifier, error))?
        .db_instances
        .unwrap_or_default();
    let writer = cluster
        .db_cluster_members()
        .iter()
        .find(|member| member.is_cluster_writer() == Some(true))
        .and_then(|member| member.db_instance_identifier())
        .map(str::to_owned);
    let mut instances = Vec::new();
    for instance in instance_list {
        let instance_tags = tags(&clients, instance.db_instance_arn().unwrap_or_default()).await?;
        instances.push((instance, instance_tags));
    }
    // The writer is created first, as Neptune does for a new cluster.
    instances.sort_by_key(|(instance, _)| {
        (
            instance.db_instance_identifier().map(str::to_owned) != writer,
            instance.db_instance_identifier().map(str::to_owned),
        )
    });
    let operator_role_arn = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .ok()
        .and_then(|identity| identity.arn)
        .map(|arn| iam_principal(&arn));
    Ok(Facts {
        region: region.to_owned(),
        cluster,
        cluster_tags,
        instances,
        verdict: judgement.evaluation.compliance,
        annotation: judgement.evaluation.annotation.as_str().to_owned(),
        source_key: judgement.key,
        target_key: target_key.map(str::to_owned),
        operator_role_arn,
    })
}

async fn tags(clients: &Clients, arn: &str) -> Result<Vec<(String, String)>, String> {
    let output = clients
        .neptune
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|error| sdk_error("rds:ListTagsForResource", arn, error))?;
    Ok(output
        .tag_list()
        .iter()
        .filter_map(|tag| {
            Some((
                tag.key()?.to_owned(),
                tag.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect())
}

/// An SDK error as one line naming the call and its target.
fn sdk_error<E, R>(
    operation: &str,
    target: &str,
    error: aws_sdk_neptune::error::SdkError<E, R>,
) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    format!(
        "{operation} {target}: {}",
        aws_sdk_neptune::error::DisplayErrorContext(error)
    )
}

/// `arn:aws:sts::1:assumed-role/Name/session` → `arn:aws:iam::1:role/Name`,
/// the principal a key policy names.
fn iam_principal(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if let [_, partition, "sts", _, account, resource] = parts.as_slice() {
        if let Some(rest) = resource.strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            return format!("arn:{partition}:iam::{account}:role/{role}");
        }
    }
    arn.to_owned()
}

/// Quotes a value for a POSIX shell when it needs it.
fn quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=@,+".contains(c))
    {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

fn tag_args(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let list: Vec<String> = tags
        .iter()
        .map(|(key, value)| quote(&format!("Key={key},Value={value}")))
        .collect();
    format!(" \\\n    --tags {}", list.join(" "))
}

/// The plan as text: deterministic for the same facts.
pub fn render(facts: &Facts) -> String {
    let cluster = &facts.cluster;
    let id = cluster.db_cluster_identifier().unwrap_or_default();
    let region = &facts.region;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Remediation plan for Neptune cluster {id} ({region})"
    );
    let _ = writeln!(
        out,
        "# Current verdict: {} — {}",
        facts.verdict, facts.annotation
    );
    let _ = writeln!(
        out,
        "# This plan changes nothing; run the commands yourself, in order."
    );
    if facts.verdict == Compliance::Compliant {
        let _ = writeln!(out, "\nNothing to do: the cluster is already compliant.");
        return out;
    }
    // A customer managed key that is merely not Enabled is fixed on the key.
    if let Some(KeyLookup::Found(key)) = &facts.source_key {
        if key.key_manager == KeyManager::Customer && key.key_state != KeyState::Enabled {
            let key_id = quote(&key.arn);
            let _ = writeln!(out, "\nThe data is already under a customer managed key; repair the key instead of migrating.");
            match key.key_state {
                KeyState::PendingDeletion | KeyState::PendingReplicaDeletion => {
                    let _ = writeln!(out, "\n## 1. Cancel the scheduled deletion (the key returns as Disabled)\naws kms cancel-key-deletion --key-id {key_id} --region {region}");
                    let _ = writeln!(out, "\n## 2. Enable the key\naws kms enable-key --key-id {key_id} --region {region}");
                }
                KeyState::Disabled => {
                    let _ = writeln!(out, "\n## 1. Enable the key\naws kms enable-key --key-id {key_id} --region {region}");
                }
                _ => {
                    let _ = writeln!(out, "\n## 1. Make the key usable (state {}): see https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html", key.key_state);
                }
            }
            let _ = writeln!(out, "\n## Verify\nneptune-cmk audit --region {region}");
            return out;
        }
    }
    if matches!(facts.source_key, Some(KeyLookup::NotFound)) {
        let _ = writeln!(out, "\nThe cluster's key no longer exists: its data cannot be decrypted, so no snapshot can be restored.");
        let _ = writeln!(out, "Recover from an export or a backup encrypted with another key, then delete this cluster.");
        return out;
    }

    let encrypted = cluster.storage_encrypted().unwrap_or(false);
    let key = facts
        .target_key
        .clone()
        .unwrap_or_else(|| "$CMK_ARN".to_owned());
    // The placeholder is a shell variable set by the first step.
    let key_arg = match &facts.target_key {
        Some(key) => quote(key),
        None => "\"$CMK_ARN\"".to_owned(),
    };
    let new_id = format!("{id}-cmk");
    let snapshot = format!("{id}-cmk-migration");
    let rekeyed = format!("{snapshot}-rekeyed");
    let mut step = 0;
    let mut next = |title: &str, out: &mut String| {
        step += 1;
        let _ = writeln!(out, "\n## {step}. {title}");
    };

    if facts.target_key.is_none() {
        next(
            "Create a customer managed key (or pass --kms-key to use an existing one)",
            &mut out,
        );
        let _ = writeln!(out, "CMK_ARN=$(aws kms create-key --region {region} --description 'Neptune {id}' --query KeyMetadata.Arn --output text)");
        let _ = writeln!(out, "aws kms create-alias --region {region} --alias-name alias/neptune-{id} --target-key-id \"$CMK_ARN\"");
    }
    next(
        "Let the operator use the key through Neptune (key policy statement)",
        &mut out,
    );
    let principal = facts
        .operator_role_arn
        .clone()
        .unwrap_or_else(|| "<ARN of the role that runs these commands>".to_owned());
    let _ = writeln!(
        out,
        "# Add this statement to the key policy of {key} (aws kms get-key-policy / put-key-policy):\n\
         # {{\"Sid\": \"NeptuneRestoreWithThisKey\", \"Effect\": \"Allow\",\n\
         #  \"Principal\": {{\"AWS\": \"{principal}\"}},\n\
         #  \"Action\": [\"kms:CreateGrant\", \"kms:DescribeKey\", \"kms:Decrypt\", \"kms:Encrypt\",\n\
         #             \"kms:GenerateDataKey*\", \"kms:ReEncrypt*\"],\n\
         #  \"Resource\": \"*\",\n\
         #  \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"rds.{region}.amazonaws.com\"}}}}}}\n\
         # Neptune creates grants on the key for the new cluster; keep the key Enabled for its lifetime."
    );

    next(
        "Stop writes, then snapshot the cluster (writes after this point are not carried over)",
        &mut out,
    );
    let _ = writeln!(out, "aws neptune create-db-cluster-snapshot --region {region} \\\n    --db-cluster-identifier {} --db-cluster-snapshot-identifier {}", quote(id), quote(&snapshot));
    let _ = writeln!(out, "until [ \"$(aws neptune describe-db-cluster-snapshots --region {region} --db-cluster-snapshot-identifier {} --query 'DBClusterSnapshots[0].Status' --output text)\" = available ]; do sleep 30; done", quote(&snapshot));

    let restore_from = if encrypted {
        next(
            "Copy the snapshot, re-encrypting it with the customer managed key",
            &mut out,
        );
        let _ = writeln!(
            out,
            "# The source is encrypted with {}: a copy can change the key.",
            source_key_text(facts)
        );
        let _ = writeln!(out, "aws neptune copy-db-cluster-snapshot --region {region} \\\n    --source-db-cluster-snapshot-identifier {} --target-db-cluster-snapshot-identifier {} \\\n    --kms-key-id {key_arg}", quote(&snapshot), quote(&rekeyed));
        let _ = writeln!(out, "until [ \"$(aws neptune describe-db-cluster-snapshots --region {region} --db-cluster-snapshot-identifier {} --query 'DBClusterSnapshots[0].Status' --output text)\" = available ]; do sleep 30; done", quote(&rekeyed));
        rekeyed.clone()
    } else {
        let _ = writeln!(out, "\n# The source is NOT encrypted. Neptune cannot encrypt an unencrypted snapshot when copying it.");
        let _ = writeln!(out, "# The next step restores it with --kms-key-id; the Neptune API reference does not state that this");
        let _ = writeln!(out, "# encrypts an unencrypted snapshot. Verify StorageEncrypted=true after the restore (step \"Verify\").");
        let _ = writeln!(out, "# If the restore is rejected or the new cluster is not encrypted, the only path is to export the data");
        let _ = writeln!(out, "# (neptune-export) and bulk-load it into a new cluster created with --storage-encrypted --kms-key-id.");
        snapshot.clone()
    };

    next(
        "Restore a new cluster from the snapshot, encrypted with the customer managed key",
        &mut out,
    );
    let mut restore = format!(
        "aws neptune restore-db-cluster-from-snapshot --region {region} \\\n    --db-cluster-identifier {} --snapshot-identifier {} \\\n    --engine neptune",
        quote(&new_id),
        quote(&restore_from)
    );
    if let Some(version) = cluster.engine_version() {
        let _ = write!(restore, " --engine-version {}", quote(version));
    }
    if let Some(port) = cluster.port() {
        let _ = write!(restore, " --port {port}");
    }
    if let Some(group) = cluster.db_subnet_group() {
        let _ = write!(restore, " \\\n    --db-subnet-group-name {}", quote(group));
    }
    let security_groups: Vec<String> = cluster
        .vpc_security_groups()
        .iter()
        .filter_map(|group| group.vpc_security_group_id())
        .map(quote)
        .collect();
    if !security_groups.is_empty() {
        let _ = write!(
            restore,
            " \\\n    --vpc-security-group-ids {}",
            security_groups.join(" ")
        );
    }
    if let Some(group) = cluster.db_cluster_parameter_group() {
        let _ = write!(
            restore,
            " \\\n    --db-cluster-parameter-group-name {}",
            quote(group)
        );
    }
    if cluster.iam_database_authentication_enabled() == Some(true) {
        restore += " \\\n    --enable-iam-database-authentication";
    }
    if cluster.deletion_protection() == Some(true) {
        restore += " \\\n    --deletion-protection";
    }
    let exports = cluster.enabled_cloudwatch_logs_exports();
    if !exports.is_empty() {
        let _ = write!(
            restore,
            " \\\n    --enable-cloudwatch-logs-exports {}",
            exports
                .iter()
                .map(|e| quote(e))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let _ = write!(
        restore,
        " \\\n    --kms-key-id {key_arg}{}",
        tag_args(&facts.cluster_tags)
    );
    let _ = writeln!(out, "{restore}");
    let _ = writeln!(out, "until [ \"$(aws neptune describe-db-clusters --region {region} --db-cluster-identifier {} --query 'DBClusters[0].Status' --output text)\" = available ]; do sleep 30; done", quote(&new_id));
    let mut settings = Vec::new();
    if let Some(days) = cluster.backup_retention_period() {
        settings.push(format!("--backup-retention-period {days}"));
    }
    if let Some(window) = cluster.preferred_backup_window() {
        settings.push(format!("--preferred-backup-window {}", quote(window)));
    }
    if let Some(window) = cluster.preferred_maintenance_window() {
        settings.push(format!("--preferred-maintenance-window {}", quote(window)));
    }
    if !settings.is_empty() {
        let _ = writeln!(out, "aws neptune modify-db-cluster --region {region} --db-cluster-identifier {} \\\n    {} --apply-immediately", quote(&new_id), settings.join(" "));
    }

    next(
        "Recreate the instances in the new cluster (same class, parameter group, zone, tier, tags)",
        &mut out,
    );
    if facts.instances.is_empty() {
        let _ = writeln!(
            out,
            "# {id} has no instances; create at least one writer to use the new cluster."
        );
    }
    for (instance, instance_tags) in &facts.instances {
        let name = format!(
            "{}-cmk",
            instance.db_instance_identifier().unwrap_or_default()
        );
        let mut create = format!(
            "aws neptune create-db-instance --region {region} \\\n    --db-instance-identifier {} --db-cluster-identifier {} --engine neptune",
            quote(&name),
            quote(&new_id)
        );
        if let Some(class) = instance.db_instance_class() {
            let _ = write!(create, " \\\n    --db-instance-class {}", quote(class));
        }
        if let Some(group) = instance
            .db_parameter_groups()
            .first()
            .and_then(|group| group.db_parameter_group_name())
        {
            let _ = write!(create, " --db-parameter-group-name {}", quote(group));
        }
        if let Some(zone) = instance.availability_zone() {
            let _ = write!(create, " \\\n    --availability-zone {}", quote(zone));
        }
        if let Some(tier) = instance.promotion_tier() {
            let _ = write!(create, " --promotion-tier {tier}");
        }
        match instance.auto_minor_version_upgrade() {
            Some(true) => create += " --auto-minor-version-upgrade",
            Some(false) => create += " --no-auto-minor-version-upgrade",
            None => {}
        }
        create += &tag_args(instance_tags);
        let _ = writeln!(out, "{create}");
        let _ = writeln!(
            out,
            "aws neptune wait db-instance-available --region {region} --db-instance-identifier {}",
            quote(&name)
        );
    }

    next(
        "Verify the new cluster is encrypted with the customer managed key",
        &mut out,
    );
    let _ = writeln!(out, "aws neptune describe-db-clusters --region {region} --db-cluster-identifier {} \\\n    --query 'DBClusters[0].[StorageEncrypted,KmsKeyId,Endpoint,ReaderEndpoint]'", quote(&new_id));
    let _ = writeln!(out, "neptune-cmk audit --region {region}");

    next(
        "Cut over: point applications at the new endpoints",
        &mut out,
    );
    let _ = writeln!(
        out,
        "# old writer endpoint: {}",
        cluster.endpoint().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "# old reader endpoint: {}",
        cluster.reader_endpoint().unwrap_or("-")
    );
    let _ = writeln!(out, "# new endpoints: from the Verify step. Update application settings (or the DNS CNAME they use),");
    let _ = writeln!(out, "# then re-enable writes against {new_id}.");

    next(
        "Delete the old cluster once the new one serves traffic",
        &mut out,
    );
    for (instance, _) in &facts.instances {
        let _ = writeln!(
            out,
            "aws neptune delete-db-instance --region {region} --db-instance-identifier {}",
            quote(instance.db_instance_identifier().unwrap_or_default())
        );
    }
    if cluster.deletion_protection() == Some(true) {
        let _ = writeln!(out, "aws neptune modify-db-cluster --region {region} --db-cluster-identifier {} --no-deletion-protection --apply-immediately", quote(id));
    }
    let _ = writeln!(out, "aws neptune delete-db-cluster --region {region} --db-cluster-identifier {} --skip-final-snapshot", quote(id));
    if encrypted {
        let _ = writeln!(out, "# {snapshot} is still under the old key (non-compliant): delete it. Keep {rekeyed} only as long as you need it.");
    } else {
        let _ = writeln!(out, "# {snapshot} is unencrypted (non-compliant): delete it once the new cluster is verified.");
    }
    let _ = writeln!(out, "aws neptune delete-db-cluster-snapshot --region {region} --db-cluster-snapshot-identifier {}", quote(&snapshot));
    out
}

fn source_key_text(facts: &Facts) -> String {
    match &facts.source_key {
        Some(KeyLookup::Found(key)) if key.key_manager == KeyManager::Aws => {
            format!("the AWS managed key aws/rds ({})", key.arn)
        }
        Some(KeyLookup::Found(key)) => format!("key {} (not acceptable to the rule)", key.arn),
        _ => format!("key {}", facts.cluster.kms_key_id().unwrap_or("?")),
    }
}
