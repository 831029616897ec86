#!/usr/bin/env python3
"""Seed the patched moto launcher with Neptune fleets (clusters, and for demo, Analytics graphs).

    python tests/moto/seed.py --endpoint http://127.0.0.1:PORT --fleet demo
    python tests/moto/seed.py --fleet sweep --clusters 10000 --keys 5      # AWS_ENDPOINT_URL
    python tests/moto/seed.py --fleet org --members 3 --regions us-east-1,eu-west-1 --clusters 100 [--roles A,B]

Prints one JSON summary of what it created to stdout. Importable: ``seed_demo(endpoint)``,
``seed_sweep(endpoint, clusters, keys)`` and ``seed_org(endpoint, ...)`` return the same dicts.

moto quirk kept in mind: ScheduleKeyDeletion/DisableKey fail (HTTP 500) when given a
key ARN, so those calls pass the key id.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from typing import Any, Optional

import boto3

ACCOUNT_ID = "123456789012"
# The role seed_org assumes in each member, and the one Organizations CreateAccount puts in
# every new member account (trusting the management account), on AWS as in moto.
MEMBER_ROLE = "NeptuneCmkMember"
ORG_ACCESS_ROLE = "OrganizationAccountAccessRole"
# Above this many clusters the sweep uses POST /_neptune_cmk/bulk_clusters: the API path
# runs at ~200 clusters/s (10,000 take ~50 s) against ~10,000/s in-process.
BULK_THRESHOLD = 1000


def clients(endpoint: str, region: str = "us-east-1") -> dict[str, Any]:
    kw = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return {
        "kms": boto3.client("kms", **kw),
        "neptune": boto3.client("neptune", **kw),  # signs as "rds", like aws-sdk-neptune
        "rds": boto3.client("rds", **kw),  # for the non-Neptune (aurora-postgresql) cluster
        "neptune-graph": boto3.client("neptune-graph", **kw),  # Neptune Analytics (ncmk_moto/neptune_graph.py)
    }


def _key(kms: Any, description: str, alias: Optional[str] = None) -> dict[str, str]:
    meta = kms.create_key(Description=description, KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")[
        "KeyMetadata"
    ]
    if alias:
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    return {"KeyId": meta["KeyId"], "Arn": meta["Arn"], "Alias": alias or ""}


def _cluster_summary(c: dict[str, Any], scenario: str) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "DBClusterIdentifier": c["DBClusterIdentifier"],
        "DBClusterArn": c["DBClusterArn"],
        "DbClusterResourceId": c["DbClusterResourceId"],
        "Engine": c["Engine"],
        "StorageEncrypted": c.get("StorageEncrypted", False),
        "KmsKeyId": c.get("KmsKeyId"),
    }


def _graph_summary(g: dict[str, Any], scenario: str) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "id": g["id"],
        "name": g["name"],
        "arn": g["arn"],
        "status": g.get("status"),
        # The key ARN, or what the API reports for an AWS owned key ("AWS_OWNED_KEY").
        "kmsKeyIdentifier": g.get("kmsKeyIdentifier"),
    }


def seed_demo(endpoint: str, region: str = "us-east-1") -> dict[str, Any]:
    """One Neptune cluster per encryption scenario, one instance each, one manual snapshot,
    a non-Neptune (aurora-postgresql) cluster that a Neptune rule must ignore, and two
    Neptune Analytics graphs: one on an AWS owned key, one on the demo CMK."""
    c = clients(endpoint, region)
    kms, neptune, rds = c["kms"], c["neptune"], c["rds"]

    cmk = _key(kms, "neptune-cmk demo: enabled customer managed key", "alias/neptune-cmk-demo")
    doomed = _key(kms, "neptune-cmk demo: key pending deletion", "alias/neptune-cmk-doomed")
    aws_rds = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]

    specs = [
        ("neptune-cmk", "cmk-enabled", {"StorageEncrypted": True, "KmsKeyId": cmk["Arn"]}),
        ("neptune-aws-managed", "aws-managed-key", {"StorageEncrypted": True}),  # no key -> aws/rds
        ("neptune-unencrypted", "unencrypted", {"StorageEncrypted": False}),
        ("neptune-cmk-pending-deletion", "cmk-pending-deletion", {"StorageEncrypted": True, "KmsKeyId": doomed["Arn"]}),
    ]
    clusters, instances = [], []
    for cid, scenario, extra in specs:
        cl = neptune.create_db_cluster(DBClusterIdentifier=cid, Engine="neptune", **extra)["DBCluster"]
        inst = neptune.create_db_instance(
            DBInstanceIdentifier=f"{cid}-1",
            DBInstanceClass="db.r5.large",
            Engine="neptune",
            DBClusterIdentifier=cid,
        )["DBInstance"]
        clusters.append(_cluster_summary(cl, scenario))
        instances.append(
            {
                "scenario": scenario,
                "DBInstanceIdentifier": inst["DBInstanceIdentifier"],
                "DBInstanceArn": inst["DBInstanceArn"],
                "DbiResourceId": inst["DbiResourceId"],
                "DBClusterIdentifier": cid,
            }
        )
    # Key goes to PendingDeletion only after its cluster exists (AWS refuses new clusters on it).
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)  # key id: moto 500s on ARN

    pg = rds.create_db_cluster(
        DBClusterIdentifier="aurora-postgres",
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword="not-a-real-password-1",
        StorageEncrypted=False,
    )["DBCluster"]
    clusters.append(_cluster_summary(pg, "non-neptune"))

    snap = neptune.create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier="neptune-cmk-manual-1", DBClusterIdentifier="neptune-cmk"
    )["DBClusterSnapshot"]

    graph_api = c["neptune-graph"]
    graphs = [
        _graph_summary(graph_api.create_graph(graphName="analytics-aws-owned", provisionedMemory=16), "aws-owned-key"),
        _graph_summary(graph_api.create_graph(graphName="analytics-cmk", provisionedMemory=16,
                                              kmsKeyIdentifier=cmk["Arn"]), "cmk-enabled"),
    ]
    for g in graphs:  # the create answer says CREATING; report what a read says now
        g["status"] = graph_api.get_graph(graphIdentifier=g["id"])["status"]

    return {
        "fleet": "demo",
        "endpoint": endpoint,
        "region": region,
        "accountId": ACCOUNT_ID,
        "keys": {
            "cmk": {**cmk, "KeyState": "Enabled", "KeyManager": "CUSTOMER"},
            "pending_deletion": {**doomed, "KeyState": "PendingDeletion", "KeyManager": "CUSTOMER"},
            "aws_rds": {"KeyId": aws_rds["KeyId"], "Arn": aws_rds["Arn"], "Alias": "alias/aws/rds",
                        "KeyState": aws_rds["KeyState"], "KeyManager": aws_rds["KeyManager"]},
        },
        "clusters": clusters,
        "instances": instances,
        "snapshots": [
            {
                "DBClusterSnapshotIdentifier": snap["DBClusterSnapshotIdentifier"],
                "DBClusterSnapshotArn": snap["DBClusterSnapshotArn"],
                "DBClusterIdentifier": snap["DBClusterIdentifier"],
                "SnapshotType": snap.get("SnapshotType", "manual"),
                "StorageEncrypted": snap.get("StorageEncrypted"),
                "KmsKeyId": snap.get("KmsKeyId"),
            }
        ],
        "graphs": graphs,
        "note": "moto also makes one automated snapshot (rds:<cluster>-<time>) per cluster",
    }


def _post(endpoint: str, path: str, body: Any) -> Any:
    req = urllib.request.Request(
        endpoint.rstrip("/") + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=600) as resp:
        return json.load(resp)


def seed_sweep(
    endpoint: str,
    clusters: int,
    keys: int,
    region: str = "us-east-1",
    method: str = "auto",
    prefix: str = "sweep-",
) -> dict[str, Any]:
    """``clusters`` encrypted Neptune clusters spread round-robin over ``keys`` customer keys.

    method: "api" (CreateDBCluster per cluster), "bulk" (control endpoint), or "auto"
    (bulk above BULK_THRESHOLD clusters).
    """
    if keys < 1:
        raise ValueError("--keys must be >= 1")
    c = clients(endpoint, region)
    key_list = [_key(c["kms"], f"neptune-cmk sweep key {i}") for i in range(keys)]
    arns = [k["Arn"] for k in key_list]
    use_bulk = method == "bulk" or (method == "auto" and clusters > BULK_THRESHOLD)
    if use_bulk:
        created = _post(
            endpoint,
            "/_neptune_cmk/bulk_clusters",
            {"count": clusters, "prefix": prefix, "kmsKeyIds": arns, "engine": "neptune", "region": region},
        )["clusters"]
    else:
        width = max(5, len(str(clusters)))
        created = []
        for i in range(clusters):
            cl = c["neptune"].create_db_cluster(
                DBClusterIdentifier=f"{prefix}{i:0{width}d}",
                Engine="neptune",
                StorageEncrypted=True,
                KmsKeyId=arns[i % len(arns)],
            )["DBCluster"]
            created.append(
                {k: cl.get(k) for k in ("DBClusterIdentifier", "DBClusterArn", "DbClusterResourceId",
                                        "StorageEncrypted", "KmsKeyId")}
            )
    return {
        "fleet": "sweep",
        "endpoint": endpoint,
        "region": region,
        "accountId": ACCOUNT_ID,
        "method": "bulk" if use_bulk else "api",
        "keys": key_list,
        "clusters": created,
    }


def assumed_credentials(endpoint: str, account: str, role: str = MEMBER_ROLE) -> dict[str, str]:
    """Credentials for ``role`` in ``account``, assumed from the management account.

    The role must exist when the launcher checks AssumeRole (``--check-assume-role``, POST
    iam_checks); moto alone does not require it. Every call signed with these credentials
    lands in ``account``'s backends.
    """
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="neptune-cmk-seed")[
        "Credentials"
    ]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def create_roles(endpoint: str, account: str, roles: tuple[str, ...]) -> None:
    """IAM roles in ``account`` that trust the management account, created through the
    member's OrganizationAccountAccessRole (with the plain test keys in the management
    account itself); roles that already exist are kept."""
    creds = ({"aws_access_key_id": "testing", "aws_secret_access_key": "testing"} if account == ACCOUNT_ID
             else assumed_credentials(endpoint, account, ORG_ACCESS_ROLE))
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", **creds)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}]})
    for role in roles:
        try:
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        except iam.exceptions.EntityAlreadyExistsException:
            pass


def seed_org(
    endpoint: str,
    members: int = 2,
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1"),
    clusters: int = 3,
    instances: int = 1,
    roles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An organization (management account 123456789012) with ``members`` member accounts.

    In every member account the IAM role NeptuneCmkMember, and in every account (the
    management account too) any further ``roles`` (e.g. the CLI's NeptuneCmkAuditRole),
    each trusting the management account: created through OrganizationAccountAccessRole,
    so this works whether or not the launcher checks that assumed roles exist. In every
    member account and region: one customer managed key (KMS API, through the assumed
    member role) and ``clusters`` Neptune clusters encrypted with it, each with
    ``instances`` instances (bulk_clusters with accountId/region).
    """
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing")
    org = boto3.client("organizations", **kw)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    existing = {a["Name"]: a["Id"] for a in org.list_accounts()["Accounts"]}
    create_roles(endpoint, ACCOUNT_ID, roles)
    summary: dict[str, Any] = {"fleet": "org", "endpoint": endpoint, "managementAccountId": ACCOUNT_ID, "members": []}
    for m in range(members):
        name = f"member-{m}"
        account = existing.get(name) or org.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"]["AccountId"]
        create_roles(endpoint, account, (MEMBER_ROLE, *roles))
        creds = assumed_credentials(endpoint, account)
        member: dict[str, Any] = {"AccountId": account, "Name": name, "regions": {}}
        for region in regions:
            kms = boto3.client("kms", endpoint_url=endpoint, region_name=region, **creds)
            key = _key(kms, f"neptune-cmk org key {name} {region}")
            created = _post(endpoint, "/_neptune_cmk/bulk_clusters", {
                "count": clusters, "prefix": "graph-", "kmsKeyIds": [key["Arn"]], "instancesPerCluster": instances,
                "accountId": account, "region": region})
            member["regions"][region] = {"key": key, **created}
        summary["members"].append(member)
    return summary


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Seed the neptune-cmk moto launcher.")
    p.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"), help="default: $AWS_ENDPOINT_URL")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--fleet", choices=["demo", "sweep", "org"], required=True)
    p.add_argument("--clusters", type=int, default=100, help="sweep: Neptune clusters; org: per member and region")
    p.add_argument("--members", type=int, default=2, help="org: member accounts")
    p.add_argument("--regions", default="us-east-1,eu-west-1", help="org: comma-separated regions")
    p.add_argument("--instances", type=int, default=1, help="org: instances per cluster")
    p.add_argument("--roles", default="", help=f"org: comma-separated IAM roles to create in every account "
                   f"(the management account too; members also get {MEMBER_ROLE}), trusting the management account")
    p.add_argument("--keys", type=int, default=1, help="sweep: number of customer managed keys")
    p.add_argument("--method", choices=["auto", "api", "bulk"], default="auto", help="sweep: how to create")
    args = p.parse_args(argv)
    if not args.endpoint:
        p.error("give --endpoint or set AWS_ENDPOINT_URL")
    if args.fleet == "demo":
        summary = seed_demo(args.endpoint, args.region)
    elif args.fleet == "org":
        regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
        roles = tuple(r.strip() for r in args.roles.split(",") if r.strip())
        summary = seed_org(args.endpoint, args.members, regions, args.clusters, args.instances, roles)
    else:
        summary = seed_sweep(args.endpoint, args.clusters, args.keys, args.region, args.method)
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
