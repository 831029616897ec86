"""Checks `neptune-cmk ... --format asff` output the way the AWS CLI would send it.

Usage: asff_check.py ENDPOINT FILE

Every line of FILE is one BatchImportFindings request. Each is validated by
botocore's own parameter validator against the Security Hub service model (what
`aws securityhub batch-import-findings` does before sending), then imported into
moto's Security Hub with credentials of the findings' account, in their region
(the default product ARN lets only that account import them). Prints
{"batches", "findings", "imported", "failed"} as JSON; exits 1 on any error.
"""

import json
import sys

import boto3
from botocore.validate import ParamValidator


def credentials(endpoint: str, account: str) -> dict:
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    # Not the audit role: the test denies that one in an account on purpose.
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/SecurityHubImporter",
                            RoleSessionName="asff-check")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def main() -> int:
    endpoint, path = sys.argv[1], sys.argv[2]
    shape = boto3.client("securityhub", region_name="us-east-1").meta.service_model \
        .operation_model("BatchImportFindings").input_shape
    totals = {"batches": 0, "findings": 0, "imported": 0, "failed": 0}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            request = json.loads(line)
            report = ParamValidator().validate(request, shape)
            if report.has_errors():
                print(f"line {number}: {report.generate_report()}", file=sys.stderr)
                return 1
            findings = request["Findings"]
            account, region = findings[0]["AwsAccountId"], findings[0]["Region"]
            client = boto3.client("securityhub", endpoint_url=endpoint, region_name=region,
                                  **credentials(endpoint, account))
            answer = client.batch_import_findings(**request)
            totals["batches"] += 1
            totals["findings"] += len(findings)
            totals["imported"] += answer["SuccessCount"]
            totals["failed"] += answer["FailedCount"]
    print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
