#!/usr/bin/env python3
"""Copies the SSM documents of CloudFormation templates, Content parsed, for cfn-lint's E3051.

The remediation runbook is an AWS::SSM::Document whose Content is YAML text
(DocumentFormat YAML). cfn-lint 1.58.0 cannot check a string Content in a JSON
template: its libyaml loader refuses the str subclass its JSON decoder makes
("Template could not be parsed: a string or stream input is required"), so
E3051 reports every such document as invalid (aws/aws-cdk#28341 reports the
same E3051 on string Content that deploys fine). check.sh therefore ignores
E3051 on the templates as they are (cdk/.cfnlintrc) and lints these copies
instead: one template per input that has SSM documents, holding only them,
each Content parsed with PyYAML (YAML 1.1, a parser independent of the one that
wrote the text), so E3051 validates the document itself.

Usage: ssm-documents.py OUT_DIR TEMPLATE...
Prints the copies written, one a line. Fails when no template has an SSM
document, or a Content does not parse to a mapping.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main(out_dir: str, templates: list[str]) -> int:
    out, written = Path(out_dir), 0
    for name in templates:
        template = json.loads(Path(name).read_text())
        documents = {}
        for logical_id, resource in (template.get("Resources") or {}).items():
            if resource.get("Type") != "AWS::SSM::Document":
                continue
            properties = dict(resource.get("Properties") or {})
            content = properties.get("Content")
            if isinstance(content, str):
                content = yaml.safe_load(content)
                if not isinstance(content, dict):
                    print(f"ssm-documents.py: {name}: {logical_id}: Content is not a YAML mapping", file=sys.stderr)
                    return 1
                properties["Content"] = content
            # The copy has no Conditions section: the resource's Condition is dropped.
            documents[logical_id] = {"Type": "AWS::SSM::Document", "Properties": properties}
        if documents:
            copy = out / f"{Path(name).name.removesuffix('.json')}.ssm.json"
            copy.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": documents}, indent=1))
            print(copy)
            written += len(documents)
    if written == 0:
        print("ssm-documents.py: no AWS::SSM::Document in the templates: nothing for E3051 to check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
