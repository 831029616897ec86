"""The patched moto behind tests/moto/launcher.py (the entry point; README.md documents it).

Modules: ``state`` (shared state and helpers), ``config``, ``kms``, ``account``, ``rds``,
``neptune``, ``endpoints`` (custom endpoints) and ``neptune_graph`` (the patches, each checked against unpatched moto 5.1.22), ``records``
(status transitions and field overrides of RDS records), ``sts`` (AssumeRole requires
the role, when turned on), ``middleware`` (counting, latency, faults, concurrency) and
``control`` (the /_neptune_cmk/ API).
"""

from __future__ import annotations

from typing import Callable

from . import account, config, endpoints, kms, neptune, neptune_graph, rds, records, sts

PATCHES: list[Callable[[], None]] = [
    config.patch_config_put_evaluations,
    config.patch_config_get_compliance_details_by_config_rule,
    config.patch_config_get_resource_config_history,
    config.patch_config_aggregate_compliance,
    config.patch_config_rules,
    kms.patch_kms_aws_managed_keys,
    account.patch_account_list_regions,
    neptune_graph.patch_neptune_graph,
    rds.patch_rds_unique_dbi_resource_id,
    rds.patch_rds_kms_key_id,
    rds.patch_rds_paging,
    rds.patch_rds_cluster_members_index,
    rds.patch_rds_snapshot_quota,
    rds.patch_rds_reserved_tag_keys,
    rds.patch_rds_global_cluster_primary,
    neptune.patch_neptune_create_cluster,
    neptune.patch_serverless_instances,
    neptune.patch_neptune_restore_from_snapshot,
    neptune.patch_neptune_point_in_time_restore,
    neptune.patch_copy_cluster_snapshot,
    endpoints.patch_neptune_cluster_endpoints,
    records.patch_rds_transitions,
    sts.patch_sts_assume_role_requires_role,
]
_patched = False


def apply_patches() -> None:
    """Apply every patch once (idempotent)."""
    global _patched
    if _patched:
        return
    for patch in PATCHES:
        patch()
    _patched = True
