"""Config patches: PutEvaluations, the compliance reads (per account and through an
aggregator), GetResourceConfigHistory for RDS types, and DescribeConfigRules fixes."""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from typing import Any, Callable, Iterator, Optional

from moto.core.exceptions import JsonRESTError

from .state import (
    COMPLIANCE_TYPES,
    STATE,
    check_length,
    encode_token,
    now,
    page_start,
    parse_limit,
    request_local,
    to_epoch,
    validation_error,
)

# ---------------------------------------------------------------------------
# PutEvaluations and the per-account compliance reads
# ---------------------------------------------------------------------------


def patch_config_put_evaluations() -> None:
    """Config PutEvaluations: validate, accept TestMode true/false, and keep what was sent.

    moto 5.1 raises NotImplementedError (HTTP 500) unless TestMode=True, accepts anything
    (101 evaluations, INSUFFICIENT_DATA, missing fields), stores nothing and never fails
    an evaluation. AWS instead: ResultToken required, 0..100 evaluations, each with
    ComplianceResourceType (1..256), ComplianceResourceId (1..768), ComplianceType and
    OrderingTimestamp required, Annotation 1..256; model violations -> ValidationException;
    INSUFFICIENT_DATA -> InvalidParameterValueException; empty token ->
    InvalidResultTokenException.

    Every accepted call is appended to the call log (GET /_neptune_cmk/put_evaluations).
    Unless TestMode, the accepted evaluations are also upserted (keyed by resource type +
    id, last arrival wins) into the compliance store of the rule the result token was
    mapped to with POST /_neptune_cmk/result_tokens; unmapped tokens only reach the log.
    A queued ``failed_evaluations`` fault makes the first N evaluations come back in
    FailedEvaluations instead of being stored.
    """
    from moto.config.responses import ConfigResponse

    def put_evaluations(self: Any) -> str:
        token = self._get_param("ResultToken")
        evaluations = self._get_param("Evaluations")
        test_mode = bool(self._get_param("TestMode") or False)
        errors: list[str] = []
        if token is None:
            errors.append("Value null at 'resultToken' failed to satisfy constraint: Member must not be null")
        if evaluations is None:
            evaluations = []
        if not isinstance(evaluations, list):
            raise validation_error(["Value at 'evaluations' failed to satisfy constraint: Member must be a list"])
        if len(evaluations) > 100:
            errors.append(
                f"Value '[...{len(evaluations)} items]' at 'evaluations' failed to satisfy constraint: "
                "Member must have length less than or equal to 100"
            )
        for i, ev in enumerate(evaluations, 1):
            p = f"evaluations.{i}.member"
            if not isinstance(ev, dict):
                errors.append(f"Value at '{p}' failed to satisfy constraint: Member must be a structure")
                continue
            check_length(errors, f"{p}.complianceResourceType", ev.get("ComplianceResourceType"), 1, 256)
            check_length(errors, f"{p}.complianceResourceId", ev.get("ComplianceResourceId"), 1, 768)
            ctype = ev.get("ComplianceType")
            if ctype is None:
                errors.append(f"Value null at '{p}.complianceType' failed to satisfy constraint: Member must not be null")
            elif ctype not in COMPLIANCE_TYPES:
                errors.append(
                    f"Value '{ctype}' at '{p}.complianceType' failed to satisfy constraint: "
                    f"Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]"
                )
            if ev.get("OrderingTimestamp") is None:
                errors.append(
                    f"Value null at '{p}.orderingTimestamp' failed to satisfy constraint: Member must not be null"
                )
            else:
                try:
                    to_epoch(ev["OrderingTimestamp"])
                except ValueError:
                    raise JsonRESTError("SerializationException", "Unable to parse OrderingTimestamp")
            if "Annotation" in ev and ev["Annotation"] is not None:
                check_length(errors, f"{p}.annotation", ev["Annotation"], 1, 256)
        if errors:
            raise validation_error(errors)
        if token == "":
            raise JsonRESTError("InvalidResultTokenException", "The result token is invalid.")
        if any(ev["ComplianceType"] == "INSUFFICIENT_DATA" for ev in evaluations):
            raise JsonRESTError(
                "InvalidParameterValueException",
                "AWS Config does not accept INSUFFICIENT_DATA as the value for ComplianceType "
                "from a PutEvaluations request.",
            )

        n_failed = int(getattr(request_local, "failed_evaluations", 0) or 0)
        failed, accepted = evaluations[:n_failed], evaluations[n_failed:]

        def as_received(ev: dict[str, Any]) -> dict[str, Any]:
            return {
                "ComplianceResourceType": ev["ComplianceResourceType"],
                "ComplianceResourceId": ev["ComplianceResourceId"],
                "ComplianceType": ev["ComplianceType"],
                "Annotation": ev.get("Annotation"),
                "OrderingTimestamp": ev["OrderingTimestamp"],
            }

        account, region = self.current_account, self.region
        received = now()
        with STATE.lock:
            rule = STATE.token_rules.get(token)
            STATE.put_calls.append(
                {
                    "resultToken": token,
                    "testMode": test_mode,
                    "configRuleName": rule,
                    "accountId": account,
                    "region": region,
                    "evaluations": [as_received(ev) for ev in accepted],
                    "failed": [as_received(ev) for ev in failed],
                }
            )
            if rule is not None and not test_mode:
                store = STATE.compliance.setdefault((account, region, rule), OrderedDict())
                for ev in accepted:
                    store[(ev["ComplianceResourceType"], ev["ComplianceResourceId"])] = {
                        "complianceType": ev["ComplianceType"],
                        "annotation": ev.get("Annotation"),
                        "orderingTimestamp": to_epoch(ev["OrderingTimestamp"]),
                        "resultRecordedTime": received,
                        "configRuleInvokedTime": received,
                    }

        def api_shape(ev: dict[str, Any]) -> dict[str, Any]:
            out = {k: ev[k] for k in ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType")}
            if ev.get("Annotation") is not None:
                out["Annotation"] = ev["Annotation"]
            out["OrderingTimestamp"] = to_epoch(ev["OrderingTimestamp"])
            return out

        return json.dumps({"FailedEvaluations": [api_shape(ev) for ev in failed]})

    ConfigResponse.put_evaluations = put_evaluations  # type: ignore[method-assign]


def evaluation_result(rule: str, rtype: str, rid: str, rec: dict[str, Any]) -> dict[str, Any]:
    """One stored result in the EvaluationResult shape (timestamps as epoch seconds)."""
    result: dict[str, Any] = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule,
                "ResourceType": rtype,
                "ResourceId": rid,
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": rec["orderingTimestamp"],
        },
        "ComplianceType": rec["complianceType"],
        "ResultRecordedTime": rec["resultRecordedTime"],
        "ConfigRuleInvokedTime": rec["configRuleInvokedTime"],
    }
    if rec.get("annotation") is not None:
        result["Annotation"] = rec["annotation"]
    return result


def patch_config_get_compliance_details_by_config_rule() -> None:
    """Config GetComplianceDetailsByConfigRule: implement it (moto 5.1 answers HTTP 500).

    Serves the per-rule compliance store filled by non-TestMode PutEvaluations (token
    mapped to the rule) and POST /_neptune_cmk/compliance. ConfigRuleName required
    (unknown rule -> NoSuchConfigRuleException; a rule is known once it has results, a
    mapped result token, or exists in moto's own Config backend); ComplianceTypes filter
    (max 3, default all of COMPLIANT/NON_COMPLIANT/NOT_APPLICABLE; INSUFFICIENT_DATA ->
    InvalidParameterValueException); Limit 0..100 (0 = default 10); opaque NextToken.
    Output follows botocore's model, timestamps as epoch seconds.
    """
    from moto.config.responses import ConfigResponse

    op = "GetComplianceDetailsByConfigRule"

    def get_compliance_details_by_config_rule(self: Any) -> str:
        rule = self._get_param("ConfigRuleName")
        types = self._get_param("ComplianceTypes")
        next_token = self._get_param("NextToken")
        errors: list[str] = []
        check_length(errors, "configRuleName", rule, 1, 64)
        if types is not None:
            if not isinstance(types, list) or len(types) > 3:
                errors.append(
                    "Value at 'complianceTypes' failed to satisfy constraint: "
                    "Member must have length less than or equal to 3"
                )
                types = []
            for i, t in enumerate(types, 1):
                if t not in COMPLIANCE_TYPES:
                    errors.append(
                        f"Value '{t}' at 'complianceTypes.{i}.member' failed to satisfy constraint: "
                        f"Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]"
                    )
        limit = parse_limit(errors, "limit", self._get_param("Limit"))
        if errors:
            raise validation_error(errors)
        if types and "INSUFFICIENT_DATA" in types:
            raise JsonRESTError(
                "InvalidParameterValueException",
                "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.",
            )
        wanted = set(types or ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"])
        start = page_start(op, next_token)
        account, region = self.current_account, self.region
        with STATE.lock:
            moto_rules = getattr(self.config_backend, "config_rules", {}) or {}
            if not STATE.known_rule(account, region, rule) and rule not in moto_rules:
                raise JsonRESTError(
                    "NoSuchConfigRuleException",
                    f"The ConfigRule '{rule}' provided in the request is invalid. "
                    "Please check the configRule name.",
                )
            store = STATE.compliance.get((account, region, rule), OrderedDict())
            matching = [(k, v) for k, v in store.items() if v["complianceType"] in wanted]
        page = matching[start : start + limit]
        results = [evaluation_result(rule, rtype, rid, rec) for (rtype, rid), rec in page]
        body: dict[str, Any] = {"EvaluationResults": results}
        if start + limit < len(matching):
            body["NextToken"] = encode_token(op, start + limit)
        return json.dumps(body)

    ConfigResponse.get_compliance_details_by_config_rule = get_compliance_details_by_config_rule  # type: ignore[attr-defined]


def patch_config_get_resource_config_history() -> None:
    """Config GetResourceConfigHistory: serve registered items for any resource type.

    moto 5.1 only knows a few resource types (not AWS::RDS::*), answering
    ResourceNotDiscoveredException. Items registered with POST /_neptune_cmk/config_history
    are served API-style (``configuration`` a JSON string, timestamps epoch seconds) with
    laterTime (captured at or before), earlierTime (at or after; later < earlier ->
    InvalidTimeRangeException), chronologicalOrder (default Reverse = newest first),
    limit 0..100 (0 = default 10) and an opaque nextToken. Resources never registered fall
    through to moto (ResourceNotDiscoveredException for unknown ones).
    """
    from moto.config.responses import ConfigResponse

    original = ConfigResponse.get_resource_config_history
    op = "GetResourceConfigHistory"

    @functools.wraps(original)
    def get_resource_config_history(self: Any) -> str:
        rtype = self._get_param("resourceType")
        rid = self._get_param("resourceId")
        key = (self.current_account, self.region, rtype, rid)
        with STATE.lock:
            items = list(STATE.history.get(key, [])) if key in STATE.history else None
        if items is None:
            return original(self)
        errors: list[str] = []
        limit = parse_limit(errors, "limit", self._get_param("limit"))
        order = self._get_param("chronologicalOrder") or "Reverse"
        if order not in ("Reverse", "Forward"):
            errors.append(
                f"Value '{order}' at 'chronologicalOrder' failed to satisfy constraint: "
                "Member must satisfy enum value set: [Reverse, Forward]"
            )
        if errors:
            raise validation_error(errors)
        try:
            later = self._get_param("laterTime")
            earlier = self._get_param("earlierTime")
            later_t = to_epoch(later) if later is not None else None
            earlier_t = to_epoch(earlier) if earlier is not None else None
        except ValueError:
            raise JsonRESTError("SerializationException", "Unable to parse laterTime/earlierTime")
        if later_t is not None and earlier_t is not None and earlier_t > later_t:
            raise JsonRESTError(
                "InvalidTimeRangeException",
                "The specified time range is not valid. The earlier time is not chronologically "
                "before the later time.",
            )
        start = page_start(op, self._get_param("nextToken"))
        selected = [
            it
            for it in items
            if (later_t is None or it["configurationItemCaptureTime"] <= later_t)
            and (earlier_t is None or it["configurationItemCaptureTime"] >= earlier_t)
        ]
        selected.sort(key=lambda it: it["configurationItemCaptureTime"], reverse=(order == "Reverse"))
        body: dict[str, Any] = {"configurationItems": selected[start : start + limit]}
        if start + limit < len(selected):
            body["nextToken"] = encode_token(op, start + limit)
        return json.dumps(body)

    ConfigResponse.get_resource_config_history = get_resource_config_history  # type: ignore[method-assign]



# ---------------------------------------------------------------------------
# Aggregator reads (served from the same per-account compliance store)
# ---------------------------------------------------------------------------

AGGREGATE_TYPES = ["COMPLIANT", "NON_COMPLIANT"]  # the only values the aggregate shapes support
CONTRIBUTOR_CAP = 100  # inferred: AWS documents a cap on CappedCount, not its value
_ACCOUNT_RE = re.compile(r"\d{12}")
_AGGREGATOR_NAME_RE = re.compile(r"[\w\-]+")


def _check_aggregator_name(errors: list[str], name: Any) -> None:
    check_length(errors, "configurationAggregatorName", name, 1, 256)
    if isinstance(name, str) and name and not _AGGREGATOR_NAME_RE.fullmatch(name):
        errors.append(
            f"Value '{name}' at 'configurationAggregatorName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w\\-]+"
        )


def _check_account(errors: list[str], path: str, value: Any, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not _ACCOUNT_RE.fullmatch(value):
        shown = "null" if value is None else f"'{value}'"
        errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: Member must satisfy regular "
                      "expression pattern: \\d{12}")


def _check_aggregate_type(errors: list[str], path: str, value: Any) -> None:
    if value is None:
        return
    if value not in COMPLIANCE_TYPES:
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]")
    elif value not in AGGREGATE_TYPES:
        # Documented: the aggregate shapes support only COMPLIANT and NON_COMPLIANT. The
        # error code for the other two is inferred.
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      "Config supports only COMPLIANT and NON_COMPLIANT here")


def _limit(value: Any, default: int, maximum: int) -> int:
    """Aggregate Limit: 0 (or absent) = default; outside 0..maximum -> InvalidLimitException."""
    if value is None:
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise validation_error([f"Value '{value}' at 'limit' failed to satisfy constraint: Member must be an integer"])
    if not 0 <= limit <= maximum:
        raise JsonRESTError(
            "InvalidLimitException",
            f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value "
            f"{'less than or equal to ' + str(maximum) if limit > maximum else 'greater than or equal to 0'}",
        )
    return limit or default


def aggregator_covers(config_backend: Any, name: str) -> Callable[[str, str], bool]:
    """Predicate over (account, region) for an aggregator of the caller's account and region.

    AccountAggregationSources: the listed accounts, in AllAwsRegions or the listed
    AwsRegions. OrganizationAggregationSource: every account (the launcher does not check
    organization membership), in AllAwsRegions or the listed AwsRegions.
    """
    from moto.config.exceptions import NoSuchConfigurationAggregatorException

    aggregator = config_backend.config_aggregators.get(name)
    if aggregator is None:
        raise NoSuchConfigurationAggregatorException()

    def region_ok(source: Any, region: str) -> bool:
        return bool(source.all_aws_regions) or region in (source.aws_regions or [])

    sources = aggregator.account_aggregation_sources
    if sources:
        return lambda account, region: any(
            account in (s.account_ids or []) and region_ok(s, region) for s in sources
        )
    org = aggregator.organization_aggregation_source
    return lambda account, region: region_ok(org, region)


def rule_compliance(results: Iterator[dict[str, Any]]) -> tuple[str, int]:
    """(ComplianceType, NON_COMPLIANT count) of a rule from its stored per-resource results.

    Documented (DescribeComplianceByConfigRule): NON_COMPLIANT if any resource is
    NON_COMPLIANT, COMPLIANT if all evaluated resources comply, INSUFFICIENT_DATA when
    there are no current results, including when every result is NOT_APPLICABLE.
    """
    counts = {"COMPLIANT": 0, "NON_COMPLIANT": 0}
    for rec in results:
        if rec["complianceType"] in counts:
            counts[rec["complianceType"]] += 1
    if counts["NON_COMPLIANT"]:
        return "NON_COMPLIANT", counts["NON_COMPLIANT"]
    if counts["COMPLIANT"]:
        return "COMPLIANT", 0
    return "INSUFFICIENT_DATA", 0


def patch_config_aggregate_compliance() -> None:
    """Config GetAggregateComplianceDetailsByConfigRule and DescribeAggregateComplianceByConfigRules.

    moto 5.1 implements neither (HTTP 500). Both read the per-(account, region, rule)
    compliance store (PutEvaluations with a mapped token, POST /_neptune_cmk/compliance)
    through an aggregator that must exist in the caller's account and region (moto's
    PutConfigurationAggregator), else NoSuchConfigurationAggregatorException. Only COMPLIANT
    and NON_COMPLIANT results are reported (the aggregate shapes support no other value).
    """
    from moto.config.responses import ConfigResponse

    details_op = "GetAggregateComplianceDetailsByConfigRule"
    summary_op = "DescribeAggregateComplianceByConfigRules"

    def get_aggregate_compliance_details_by_config_rule(self: Any) -> str:
        name = self._get_param("ConfigurationAggregatorName")
        rule = self._get_param("ConfigRuleName")
        account = self._get_param("AccountId")
        region = self._get_param("AwsRegion")
        ctype = self._get_param("ComplianceType")
        errors: list[str] = []
        _check_aggregator_name(errors, name)
        check_length(errors, "configRuleName", rule, 1, 128)
        _check_account(errors, "accountId", account, required=True)
        check_length(errors, "awsRegion", region, 1, 64)
        _check_aggregate_type(errors, "complianceType", ctype)
        if errors:
            raise validation_error(errors)
        limit = _limit(self._get_param("Limit"), default=50, maximum=100)
        start = page_start(details_op, self._get_param("NextToken"))
        covers = aggregator_covers(self.config_backend, name)
        wanted = {ctype} if ctype else set(AGGREGATE_TYPES)
        with STATE.lock:
            store = STATE.compliance.get((account, region, rule), OrderedDict()) if covers(account, region) else {}
            matching = [(k, v) for k, v in store.items() if v["complianceType"] in wanted]
        results = []
        for (rtype, rid), rec in matching[start : start + limit]:
            result = evaluation_result(rule, rtype, rid, rec)
            result.update(AccountId=account, AwsRegion=region)
            results.append(result)
        body: dict[str, Any] = {"AggregateEvaluationResults": results}
        if start + limit < len(matching):
            body["NextToken"] = encode_token(details_op, start + limit)
        return json.dumps(body)

    def describe_aggregate_compliance_by_config_rules(self: Any) -> str:
        name = self._get_param("ConfigurationAggregatorName")
        filters = self._get_param("Filters") or {}
        errors: list[str] = []
        _check_aggregator_name(errors, name)
        if not isinstance(filters, dict):
            errors.append("Value at 'filters' failed to satisfy constraint: Member must be a structure")
            filters = {}
        _check_account(errors, "filters.accountId", filters.get("AccountId"), required=False)
        _check_aggregate_type(errors, "filters.complianceType", filters.get("ComplianceType"))
        if errors:
            raise validation_error(errors)
        limit = _limit(self._get_param("Limit"), default=1000, maximum=1000)
        start = page_start(summary_op, self._get_param("NextToken"))
        covers = aggregator_covers(self.config_backend, name)
        rows = []
        with STATE.lock:
            for (account, region, rule), store in sorted(STATE.compliance.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
                if not store or not covers(account, region):
                    continue  # "Does not display rules that do not have compliance results."
                if any(filters.get(k) not in (None, v) for k, v in
                       (("ConfigRuleName", rule), ("AccountId", account), ("AwsRegion", region))):
                    continue
                ctype, non_compliant = rule_compliance(iter(store.values()))
                if filters.get("ComplianceType") not in (None, ctype):
                    continue
                compliance: dict[str, Any] = {"ComplianceType": ctype}
                if non_compliant:
                    compliance["ComplianceContributorCount"] = {
                        "CappedCount": min(non_compliant, CONTRIBUTOR_CAP),
                        "CapExceeded": non_compliant > CONTRIBUTOR_CAP,
                    }
                rows.append({"ConfigRuleName": rule, "Compliance": compliance, "AccountId": account, "AwsRegion": region})
        body: dict[str, Any] = {"AggregateComplianceByConfigRules": rows[start : start + limit]}
        if start + limit < len(rows):
            body["NextToken"] = encode_token(summary_op, start + limit)
        return json.dumps(body)

    ConfigResponse.get_aggregate_compliance_details_by_config_rule = get_aggregate_compliance_details_by_config_rule  # type: ignore[attr-defined]
    ConfigResponse.describe_aggregate_compliance_by_config_rules = describe_aggregate_compliance_by_config_rules  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Config rules: DescribeConfigRules and the rule registration used by the control API
# ---------------------------------------------------------------------------


def patch_config_rules() -> None:
    """Config rules as DescribeConfigRules reports them.

    moto 5.1: (1) DescribeConfigRules with a ConfigRuleNames entry that does not exist
    answers ``[]`` while the account has no rules at all (NoSuchConfigRuleException once
    any rule exists; AWS always raises it); (2) a tag Scope (TagKey/TagValue) is kept but
    serialized as ``"Tags": {key: value}``, which is not in the Scope shape, so SDKs see
    an empty Scope. Also installs the hook that lets POST /_neptune_cmk/config_rules
    register a CUSTOM_LAMBDA rule whose function does not exist in moto (PutConfigRule
    refuses that with InsufficientPermissionsException, as AWS does).
    """
    import moto.awslambda.utils as lambda_utils
    from moto.config.exceptions import NoSuchConfigRuleException
    from moto.config.models import ConfigBackend, Scope

    original_describe = ConfigBackend.describe_config_rules

    @functools.wraps(original_describe)
    def describe_config_rules(self: Any, config_rule_names: Optional[list[str]], next_token: Optional[str]) -> Any:
        for name in config_rule_names or []:
            if name not in self.config_rules:
                raise NoSuchConfigRuleException(name)
        return original_describe(self, config_rule_names, next_token)

    ConfigBackend.describe_config_rules = describe_config_rules  # type: ignore[method-assign]

    original_to_dict = Scope.to_dict

    @functools.wraps(original_to_dict)
    def scope_to_dict(self: Any) -> dict[str, Any]:
        data = original_to_dict(self)
        data.pop("Tags", None)
        for key, value in (self.tags or {}).items():
            data["TagKey"] = key
            if value is not None:
                data["TagValue"] = value
        return data

    Scope.to_dict = scope_to_dict  # type: ignore[method-assign]

    original_get_backend = lambda_utils.get_backend

    class _AnyFunction:
        def get_function(self, *_: Any, **__: Any) -> bool:
            return True

    @functools.wraps(original_get_backend)
    def get_backend(account_id: str, region: str) -> Any:
        if getattr(request_local, "skip_lambda_check", False):
            return _AnyFunction()
        return original_get_backend(account_id, region)

    lambda_utils.get_backend = get_backend  # type: ignore[assignment]


def register_config_rule(body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """PutConfigRule through moto's own backend, minus the Lambda-function existence check."""
    from moto.config.models import config_backends

    name = body["configRuleName"]
    function_arn = body.get("lambdaFunctionArn") or f"arn:aws:lambda:{region}:{account}:function:neptune-cmk-rule"
    source = body.get("source") or {
        "Owner": "CUSTOM_LAMBDA",
        "SourceIdentifier": function_arn,
        "SourceDetails": [
            {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"},
            {"EventSource": "aws.config", "MessageType": "OversizedConfigurationItemChangeNotification"},
            {"EventSource": "aws.config", "MessageType": "ScheduledNotification",
             "MaximumExecutionFrequency": "TwentyFour_Hours"},
        ],
    }
    rule: dict[str, Any] = {"ConfigRuleName": name, "Source": source}
    if body.get("scope") is not None:
        rule["Scope"] = body["scope"]
    params = body.get("inputParameters")
    if params is not None:
        rule["InputParameters"] = params if isinstance(params, str) else json.dumps(params)
    if body.get("description"):
        rule["Description"] = body["description"]
    backend = config_backends[account][region]
    request_local.skip_lambda_check = True
    try:
        backend.put_config_rule(rule, body.get("tags"))
    finally:
        request_local.skip_lambda_check = False
    stored = backend.config_rules[name]
    return {"ConfigRuleName": name, "ConfigRuleArn": stored.config_rule_arn, "ConfigRuleId": stored.config_rule_id}
