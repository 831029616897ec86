//! Each plan [`Action`] as the SDK call that performs it: the same fields
//! `render` prints as `aws` options, so what `apply` does is what `plan`
//! shows. These calls only create; finding what exists is `run`'s job.

use aws_sdk_neptune::types::{ServerlessV2ScalingConfiguration, Tag as SdkTag};
use aws_sdk_neptune::Client;
use neptune_cmk_evaluator::Tag;
use neptune_cmk_rule::aws::failed;

use crate::commands::remediate::facts::{ClusterRole, SourceCluster};
use crate::commands::remediate::plan::{
    ClusterSettings, NewCluster, NewInstance, RestoreSource, TargetKey,
};
use crate::error::Error;

/// CreateDBClusterSnapshot.
pub async fn create_snapshot(neptune: &Client, cluster: &str, snapshot: &str) -> Result<(), Error> {
    neptune
        .create_db_cluster_snapshot()
        .db_cluster_identifier(cluster)
        .db_cluster_snapshot_identifier(snapshot)
        .send()
        .await
        .map_err(|error| failed("rds:CreateDBClusterSnapshot", snapshot, &error))?;
    Ok(())
}

/// RestoreDBClusterFromSnapshot or RestoreDBClusterToPointInTime (a
/// full-copy clone at the latest restorable time), with every setting of
/// the source a restore can take.
pub async fn restore(neptune: &Client, new: &NewCluster) -> Result<(), Error> {
    let TargetKey::Arn(key) = &new.key else {
        return Err(Error::Usage {
            flag: "--kms-key",
            message: "apply needs the key to restore with; it creates no keys".to_owned(),
        });
    };
    match &new.source {
        RestoreSource::Snapshot(snapshot) => from_snapshot(neptune, new, snapshot, key).await,
        RestoreSource::PointInTime(source) => to_point_in_time(neptune, new, source, key).await,
    }
}

/// Sets, on either restore builder (they share these setters but no type),
/// the source's settings a restore can carry.
macro_rules! carry_settings {
    ($builder:expr, $settings:expr) => {{
        let settings: &SourceCluster = $settings;
        $builder
            .set_port(settings.port)
            .set_db_subnet_group_name(settings.subnet_group.clone())
            .set_vpc_security_group_ids(non_empty(&settings.security_groups))
            .set_db_cluster_parameter_group_name(settings.parameter_group.clone())
            .enable_iam_database_authentication(settings.iam_auth)
            .deletion_protection(settings.deletion_protection)
            .set_enable_cloudwatch_logs_exports(non_empty(&settings.log_exports))
            .set_storage_type(settings.storage_type.clone())
            .set_network_type(settings.network_type.clone())
            .set_serverless_v2_scaling_configuration(scaling(settings))
            .set_tags(tags(&settings.tags))
    }};
}

async fn from_snapshot(
    neptune: &Client,
    new: &NewCluster,
    snapshot: &str,
    key: &str,
) -> Result<(), Error> {
    let settings = &new.settings;
    let request = neptune
        .restore_db_cluster_from_snapshot()
        .db_cluster_identifier(&new.identifier)
        .snapshot_identifier(snapshot)
        .engine("neptune")
        .set_engine_version(settings.engine_version.clone())
        .kms_key_id(key)
        // Only this restore takes CopyTagsToSnapshot; a clone gets it from
        // the plan's Modify step.
        .copy_tags_to_snapshot(settings.copy_tags_to_snapshot);
    carry_settings!(request, settings)
        .send()
        .await
        .map_err(|error| failed("rds:RestoreDBClusterFromSnapshot", &new.identifier, &error))?;
    Ok(())
}

async fn to_point_in_time(
    neptune: &Client,
    new: &NewCluster,
    source: &str,
    key: &str,
) -> Result<(), Error> {
    let request = neptune
        .restore_db_cluster_to_point_in_time()
        .source_db_cluster_identifier(source)
        .db_cluster_identifier(&new.identifier)
        // A copy-on-write clone would share the source's storage and key.
        .restore_type("full-copy")
        .use_latest_restorable_time(true)
        .kms_key_id(key);
    carry_settings!(request, &new.settings)
        .send()
        .await
        .map_err(|error| failed("rds:RestoreDBClusterToPointInTime", &new.identifier, &error))?;
    Ok(())
}

/// ModifyDBCluster with what a restore cannot set, applied now.
pub async fn modify(neptune: &Client, settings: &ClusterSettings) -> Result<(), Error> {
    neptune
        .modify_db_cluster()
        .db_cluster_identifier(&settings.cluster)
        .set_backup_retention_period(settings.backup_retention)
        .set_preferred_backup_window(settings.backup_window.clone())
        .set_preferred_maintenance_window(settings.maintenance_window.clone())
        .set_copy_tags_to_snapshot(settings.copy_tags_to_snapshot)
        .apply_immediately(true)
        .send()
        .await
        .map_err(|error| failed("rds:ModifyDBCluster", &settings.cluster, &error))?;
    Ok(())
}

/// CreateDBInstance in the new cluster, mirroring a source instance.
pub async fn create_instance(neptune: &Client, instance: &NewInstance) -> Result<(), Error> {
    let settings = &instance.settings;
    neptune
        .create_db_instance()
        .db_instance_identifier(&instance.identifier)
        .db_cluster_identifier(&instance.cluster)
        .engine("neptune")
        .set_db_instance_class(settings.class.clone())
        .set_db_parameter_group_name(settings.parameter_group.clone())
        .set_availability_zone(settings.availability_zone.clone())
        .set_promotion_tier(settings.promotion_tier)
        .set_auto_minor_version_upgrade(settings.auto_minor_version_upgrade)
        .set_preferred_maintenance_window(settings.maintenance_window.clone())
        .set_tags(tags(&settings.tags))
        .send()
        .await
        .map_err(|error| failed("rds:CreateDBInstance", &instance.identifier, &error))?;
    Ok(())
}

/// AddRoleToDBCluster: one of the source's IAM roles, with its feature.
pub async fn add_role(neptune: &Client, cluster: &str, role: &ClusterRole) -> Result<(), Error> {
    neptune
        .add_role_to_db_cluster()
        .db_cluster_identifier(cluster)
        .role_arn(&role.role_arn)
        .set_feature_name(role.feature_name.clone())
        .send()
        .await
        .map_err(|error| failed("rds:AddRoleToDBCluster", cluster, &error))?;
    Ok(())
}

fn non_empty(values: &[String]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.to_vec())
}

fn scaling(settings: &SourceCluster) -> Option<ServerlessV2ScalingConfiguration> {
    settings.serverless.map(|capacity| {
        ServerlessV2ScalingConfiguration::builder()
            .min_capacity(capacity.min)
            .max_capacity(capacity.max)
            .build()
    })
}

fn tags(tags: &[Tag]) -> Option<Vec<SdkTag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|tag| SdkTag::builder().key(&tag.key).value(&tag.value).build())
            .collect()
    })
}
