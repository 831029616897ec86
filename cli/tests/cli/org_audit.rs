//! `neptune-cmk audit --organization`: every account and region, each row
//! with its account, a denied account as one error row that aborts
//! nothing, and `--all-regions` over each account's own enabled regions.

use std::collections::{BTreeMap, BTreeSet};

use neptune_cmk_testing::{Fleet, Moto, ACCOUNT};
use serde_json::{json, Value};

use crate::audit::{set_regions, trap_region, untouched_traps};
use crate::organization::{self, audit_org, expected_key, Expected, AUDIT_ROLE};
use crate::{stderr, stdout};

/// Makes `account`'s audit role impossible to assume, for good.
pub fn deny_assume_role(moto: &Moto, account: &str) {
    moto.fault(json!({
        "service": "sts",
        "operation": "AssumeRole",
        "match": {"params": {"RoleArn": format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}")}},
        "error_code": "AccessDenied",
        "status": 403,
        "message": "User is not authorized to perform: sts:AssumeRole",
        "count": "unlimited",
    }));
}

#[tokio::test]
async fn organization_audit_gets_every_resource_right_with_its_account() {
    let moto = Moto::start();
    let org = organization::seeded(&moto, &["dev", "prod", "shared"], &["locked"]).await;
    let locked = org.members[3].clone();
    deny_assume_role(&moto, &locked.id);

    let run = audit_org(&moto, "json", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let (errors, judged): (Vec<&Value>, Vec<&Value>) =
        rows.iter().partition(|row| row["compliance"] == "ERROR");

    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors[0];
    assert_eq!(error["accountId"], locked.id.as_str());
    assert_eq!(error["accountName"], "locked");
    assert_eq!(error["region"], Value::Null);
    let message = error["annotation"].as_str().unwrap();
    assert!(
        message.contains("sts:AssumeRole failed")
            && message.contains("AccessDenied")
            && message.contains("--exclude-accounts"),
        "{message}"
    );
    assert!(stderr(&run).contains(&format!("{} (locked)", locked.id)));

    let names: BTreeMap<&str, &str> = org
        .members
        .iter()
        .map(|member| (member.id.as_str(), member.name.as_str()))
        .collect();
    let mut seen = BTreeMap::new();
    for row in &judged {
        let key = expected_key(row);
        let found = Expected::of(row);
        assert_eq!(Some(&found), org.expected.get(&key), "{key:?}: {row:#}");
        assert_eq!(row["accountName"], names[key.0.as_str()], "{row:#}");
        let arn = row["arn"].as_str().unwrap();
        assert!(
            arn.starts_with(&format!("arn:aws:rds:{}:{}:", key.1, key.0)),
            "{arn}"
        );
        seen.insert(key, found);
    }
    assert_eq!(seen, org.expected, "every resource, once, nothing else");
    assert_eq!(judged.len(), org.expected.len());

    // Skipping the locked account: no failure left, some resources are not compliant.
    let without_locked = audit_org(&moto, "json", &["--exclude-accounts", &locked.id]);
    assert_eq!(
        without_locked.status.code(),
        Some(1),
        "{}",
        stderr(&without_locked)
    );
    let rows: Vec<Value> = serde_json::from_str(&stdout(&without_locked)).unwrap();
    assert_eq!(rows.len(), org.expected.len());
    assert!(rows.iter().all(|row| row["compliance"] != "ERROR"));

    // One target at a time finds exactly the same.
    let serial = audit_org(
        &moto,
        "json",
        &["--concurrency", "1", "--exclude-accounts", &locked.id],
    );
    let serial_rows: Vec<Value> = serde_json::from_str(&stdout(&serial)).unwrap();
    assert_eq!(
        serial_rows.iter().map(expected_key).collect::<Vec<_>>(),
        rows.iter().map(expected_key).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn organization_audit_narrows_accounts_and_prints_them_in_every_format() {
    let moto = Moto::start();
    let org = organization::seeded(&moto, &["dev", "prod"], &[]).await;
    let (dev, prod) = (&org.members[0], &org.members[1]);

    let csv_run = audit_org(&moto, "csv", &["--accounts", &dev.id]);
    assert_eq!(csv_run.status.code(), Some(1), "{}", stderr(&csv_run));
    let csv = stdout(&csv_run);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "account_id,account_name,region,type,identifier,resource_id,arn,encrypted,key_arn,key_manager,key_state,verdict,reason,annotation"
    );
    let body: Vec<&str> = lines.collect();
    let dev_count = org.expected.keys().filter(|key| key.0 == dev.id).count();
    assert_eq!(body.len(), dev_count, "{csv}");
    assert!(
        body.iter()
            .all(|line| line.starts_with(&format!("{},dev,", dev.id))),
        "{csv}"
    );

    let table_run = audit_org(
        &moto,
        "table",
        &["--accounts", &format!("{},{}", dev.id, prod.id)],
    );
    let table = stdout(&table_run);
    assert!(table.starts_with("ACCOUNT "), "{table}");
    assert!(table.contains(&format!("{} (prod)", prod.id)), "{table}");
    assert!(
        table.contains(&format!("{} resource(s)", org.expected.len())),
        "{table}"
    );

    // An account that is not in the organization is an error row, not a crash.
    let stranger = audit_org(
        &moto,
        "json",
        &["--accounts", &format!("{},999999999999", dev.id)],
    );
    assert_eq!(stranger.status.code(), Some(2));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&stranger)).unwrap();
    let error: Vec<&Value> = rows
        .iter()
        .filter(|row| row["compliance"] == "ERROR")
        .collect();
    assert_eq!(error.len(), 1);
    assert_eq!(error[0]["accountId"], "999999999999");
    assert!(error[0]["annotation"]
        .as_str()
        .unwrap()
        .contains("not an ACTIVE account"));
    assert_eq!(rows.len(), dev_count + 1);

    // Flag mistakes are caught before any call.
    let bad_id = crate::neptune_cmk(&moto, &["audit", "--organization", "--accounts", "12345"]);
    assert_eq!(bad_id.status.code(), Some(2));
    assert!(
        stderr(&bad_id).contains("is not a 12-digit AWS account id"),
        "{}",
        stderr(&bad_id)
    );
    let no_org = crate::neptune_cmk(&moto, &["audit", "--accounts", &dev.id]);
    assert_eq!(no_org.status.code(), Some(2));
    assert!(
        stderr(&no_org).contains("--organization"),
        "{}",
        stderr(&no_org)
    );
    let everything_excluded = audit_org(
        &moto,
        "json",
        &["--accounts", &dev.id, "--exclude-accounts", &dev.id],
    );
    assert_eq!(everything_excluded.status.code(), Some(2));
    assert!(stderr(&everything_excluded).contains("no account is left to audit"));

    // Without Organizations access: the named accounts are still audited,
    // without names; with none named, the error says what to do.
    moto.fault(json!({
        "service": "organizations",
        "operation": "ListAccounts",
        "error_code": "AccessDeniedException",
        "message": "not the management account",
        "count": "unlimited",
    }));
    let named = audit_org(&moto, "json", &["--accounts", &dev.id]);
    assert_eq!(named.status.code(), Some(1), "{}", stderr(&named));
    assert!(
        stderr(&named).contains("without names"),
        "{}",
        stderr(&named)
    );
    let rows: Vec<Value> = serde_json::from_str(&stdout(&named)).unwrap();
    assert_eq!(rows.len(), dev_count);
    assert!(rows
        .iter()
        .all(|row| row["accountId"] == dev.id.as_str() && row["accountName"].is_null()));
    let unnamed = audit_org(&moto, "json", &[]);
    assert_eq!(unnamed.status.code(), Some(2));
    assert!(
        stderr(&unnamed).contains("organizations:ListAccounts failed")
            && stderr(&unnamed).contains("name the accounts with --accounts"),
        "{}",
        stderr(&unnamed)
    );
}

#[tokio::test]
async fn organization_audit_reports_region_failures_per_target() {
    let moto = Moto::start();
    let org = organization::seeded(&moto, &["dev", "prod"], &[]).await;
    let dev = &org.members[0];
    // A region that is disabled for one account: every describe there fails.
    moto.fault(json!({
        "service": "rds",
        "operation": "DescribeDBClusters",
        "match": {"account": dev.id, "region": "eu-west-1"},
        "error_code": "InvalidClientTokenId",
        "status": 403,
        "message": "The security token included in the request is invalid",
        "count": "unlimited",
    }));
    let run = audit_org(&moto, "json", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let errors: Vec<&Value> = rows
        .iter()
        .filter(|row| row["compliance"] == "ERROR")
        .collect();
    assert!(
        errors
            .iter()
            .all(|row| row["accountId"] == dev.id.as_str() && row["region"] == "eu-west-1"),
        "{errors:#?}"
    );
    // The listing that failed, once; and each instance, whose cluster could
    // not be described, as a resource not judged.
    let listing: Vec<&&Value> = errors
        .iter()
        .filter(|row| row["identifier"].is_null())
        .collect();
    assert_eq!(listing.len(), 1, "{errors:#?}");
    assert!(listing[0]["annotation"]
        .as_str()
        .unwrap()
        .contains("rds:DescribeDBClusters failed"));
    let unjudged: Vec<&str> = errors
        .iter()
        .filter_map(|row| row["identifier"].as_str())
        .collect();
    assert_eq!(unjudged, ["graph-good-1", "graph-plain-1"], "{errors:#?}");
    // Each failure is a finding of its own, under its own id.
    let asff = stdout(&audit_org(&moto, "asff", &[]));
    let ids: Vec<String> = asff
        .lines()
        .flat_map(|line| {
            let request: Value = serde_json::from_str(line).unwrap();
            let findings = request["Findings"].as_array().unwrap().clone();
            findings
                .into_iter()
                .map(|f| f["Id"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(ids.len(), rows.len());
    assert_eq!(
        ids.iter().collect::<std::collections::BTreeSet<_>>().len(),
        ids.len(),
        "{ids:#?}"
    );
    // Every other account and region is complete.
    let complete = |account: &str, region: &str| {
        let want = org
            .expected
            .keys()
            .filter(|k| k.0 == account && k.1 == region)
            .count();
        let got = rows
            .iter()
            .filter(|row| {
                row["accountId"] == account
                    && row["region"] == region
                    && row["compliance"] != "ERROR"
            })
            .count();
        (want, got)
    };
    let (want, got) = complete(&dev.id, "us-east-1");
    assert_eq!(want, got);
    for region in organization::REGIONS {
        let (want, got) = complete(&org.members[1].id, region);
        assert_eq!(want, got, "{region}");
    }
    // `--all-regions` asks each account (with its assumed role) for its regions;
    // when that fails, the account is one error row and the others go on.
    moto.fault(json!({
        "service": "account",
        "operation": "ListRegions",
        "error_code": "AccessDeniedException",
        "status": 403,
        "message": "not authorized",
        "count": "unlimited",
    }));
    let all_regions = crate::neptune_cmk(
        &moto,
        &[
            "audit",
            "--organization",
            "--all-regions",
            "--format",
            "json",
        ],
    );
    assert_eq!(all_regions.status.code(), Some(2));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&all_regions)).unwrap();
    // The management account and both members.
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows.iter().all(|row| row["compliance"] == "ERROR"
        && row["annotation"]
            .as_str()
            .unwrap()
            .contains("account:ListRegions")));
}

#[tokio::test]
async fn organization_audit_all_regions_scans_each_accounts_enabled_regions() {
    let moto = Moto::start();
    let members = organization::create(&moto, &["dev", "prod"]).await;
    let (dev, prod) = (&members[0], &members[1]);
    // Each member's own regions; the management account keeps the
    // launcher's defaults (the 17 regions enabled by default, the opt-in
    // ones DISABLED).
    set_regions(
        &moto,
        Some(&dev.id),
        &[
            ("us-east-1", "ENABLED_BY_DEFAULT"),
            ("eu-south-1", "ENABLED"),
            ("ap-east-1", "DISABLED"),
        ],
    );
    set_regions(
        &moto,
        Some(&prod.id),
        &[
            ("eu-west-1", "ENABLED_BY_DEFAULT"),
            ("ap-east-1", "ENABLED"),
            ("eu-south-1", "DISABLED"),
        ],
    );
    // (account, name, regions scanned, regions not scanned)
    let plan = [
        (&dev.id, "dev", ["us-east-1", "eu-south-1"], "ap-east-1"),
        (&prod.id, "prod", ["eu-west-1", "ap-east-1"], "eu-south-1"),
        (
            &ACCOUNT.to_owned(),
            "master",
            ["ap-southeast-2", "eu-north-1"],
            "af-south-1",
        ),
    ];
    let mut expected = BTreeSet::new();
    let mut traps = BTreeSet::new();
    for (account, name, enabled, not_enabled) in &plan {
        for region in enabled {
            let fleet = Fleet::new(&organization::assumed(&moto, account, region).await);
            let key = fleet.customer_key().await;
            let cluster = format!("{name}-{region}");
            fleet.cluster(&cluster, "neptune", key.arn()).await;
            fleet.instance(&format!("{cluster}-1"), &cluster).await;
            for identifier in [
                cluster.clone(),
                format!("{cluster}-1"),
                format!("rds:{cluster}"),
            ] {
                expected.insert(((*account).clone(), (*region).to_owned(), identifier));
            }
        }
        // Unencrypted, so a scan there would show; the trap proves none.
        let fleet = Fleet::new(&organization::assumed(&moto, account, not_enabled).await);
        fleet
            .cluster(&format!("{name}-{not_enabled}"), "neptune", None)
            .await;
        trap_region(&moto, account, not_enabled);
        traps.insert(((*account).clone(), (*not_enabled).to_owned()));
    }

    let run = crate::neptune_cmk(
        &moto,
        &[
            "audit",
            "--organization",
            "--all-regions",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&run),
        stdout(&run)
    );
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let found: BTreeSet<_> = rows.iter().map(expected_key).collect();
    assert_eq!(found, expected, "{rows:#?}");
    assert_eq!(rows.len(), expected.len(), "each resource once");
    let names: BTreeMap<&str, &str> = plan
        .iter()
        .map(|(account, name, ..)| (account.as_str(), *name))
        .collect();
    for row in &rows {
        let (account, region, identifier) = expected_key(row);
        assert_eq!(row["compliance"], "COMPLIANT", "{row:#}");
        assert_eq!(row["accountName"], names[account.as_str()], "{row:#}");
        // Every resource is named after the account and region it was made in.
        let name = names[account.as_str()];
        let stem = identifier.trim_start_matches("rds:");
        assert!(stem.starts_with(&format!("{name}-{region}")), "{row:#}");
        let arn = row["arn"].as_str().unwrap();
        assert!(
            arn.starts_with(&format!("arn:aws:rds:{region}:{account}:")),
            "{arn}"
        );
    }
    assert_eq!(untouched_traps(&moto), traps, "no call reached them");
    // Once per account, each with its own assumed credentials.
    assert_eq!(moto.calls("account:ListRegions"), 3);
}
