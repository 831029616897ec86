"""Account patch: ListRegions, per calling account, with regions set through the control API."""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Optional

from moto.core.exceptions import JsonRESTError

from .state import STATE, decode_token, encode_token

REGION_OPT_STATUSES = ["ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT"]
# The commercial regions that need no opt-in (AWS introduced them before 20 March 2019):
# enabled in every account, they cannot be disabled. Every later region is opt-in (DISABLED
# until enabled).
ENABLED_BY_DEFAULT = [
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
]  # fmt: skip
DEFAULT_PAGE_SIZE = 20  # undocumented by AWS; small enough that the default list takes two pages
MAX_PAGE_SIZE = 50
_ACCOUNT_ID_RE = re.compile(r"\d{12}")
_TOKEN_OP = "account:ListRegions"


@functools.lru_cache(maxsize=None)
def _partition_regions() -> dict[str, list[str]]:
    """Region names per partition, from the pinned botocore's endpoint data."""
    import botocore.session

    data = botocore.session.get_session().get_data("endpoints")
    return {p["partition"]: sorted(p["regions"]) for p in data["partitions"]}


def default_regions() -> list[dict[str, str]]:
    """Every region of the ``aws`` partition: the pre-2019 ones ENABLED_BY_DEFAULT, the rest DISABLED."""
    return [
        {"RegionName": name, "RegionOptStatus": "ENABLED_BY_DEFAULT" if name in ENABLED_BY_DEFAULT else "DISABLED"}
        for name in _partition_regions()["aws"]
    ]


def regions_of(account: str) -> list[dict[str, str]]:
    """The account's regions in name order: as set through the control API, else the defaults."""
    with STATE.lock:
        chosen = STATE.account_regions.get(account)
        return [dict(r) for r in chosen] if chosen is not None else default_regions()


def set_regions(account: str, regions: Any) -> list[dict[str, str]]:
    """Replace the account's region list (control API); bad entries raise ValueError naming the fix."""
    if not isinstance(regions, list):
        raise ValueError('regions must be a list of {"RegionName", "RegionOptStatus"}')
    known = {name for names in _partition_regions().values() for name in names}
    chosen: dict[str, dict[str, str]] = {}
    for i, entry in enumerate(regions):
        if not isinstance(entry, dict) or set(entry) != {"RegionName", "RegionOptStatus"}:
            raise ValueError(f'regions[{i}] must be exactly {{"RegionName", "RegionOptStatus"}}')
        name, status = entry["RegionName"], entry["RegionOptStatus"]
        if name not in known:
            raise ValueError(f"regions[{i}].RegionName {name!r} is not a region botocore knows (e.g. eu-west-1)")
        if status not in REGION_OPT_STATUSES:
            raise ValueError(f"regions[{i}].RegionOptStatus {status!r} must be one of {', '.join(REGION_OPT_STATUSES)}")
        if name in chosen:
            raise ValueError(f"regions[{i}].RegionName {name!r} is listed twice")
        chosen[name] = {"RegionName": name, "RegionOptStatus": status}
    ordered = [chosen[name] for name in sorted(chosen)]
    with STATE.lock:
        STATE.account_regions[account] = ordered
    return [dict(r) for r in ordered]


def _validation(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


def _page_size(value: Any) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise _validation(
            f"Value '{value}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value between 1 and {MAX_PAGE_SIZE}"
        )
    return value


def _status_filter(value: Any) -> Optional[set[str]]:
    if not value:
        return None
    if not isinstance(value, list):
        raise _validation("RegionOptStatusContains must be a list of RegionOptStatus values")
    bad = [v for v in value if v not in REGION_OPT_STATUSES]
    if bad:
        raise _validation(
            f"Value '{bad[0]}' at 'regionOptStatusContains' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(REGION_OPT_STATUSES)}]"
        )
    return set(value)


def list_regions(account: str, params: dict[str, Any]) -> dict[str, Any]:
    """One ListRegions page for ``account``: filtered by status, paged by an opaque token."""
    explicit = params.get("AccountId")
    if explicit is not None and not (isinstance(explicit, str) and _ACCOUNT_ID_RE.fullmatch(explicit)):
        raise _validation(
            f"Value '{explicit}' at 'accountId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: \\d{12}"
        )
    size = _page_size(params.get("MaxResults"))
    wanted = _status_filter(params.get("RegionOptStatusContains"))
    start = 0
    if params.get("NextToken"):
        decoded = decode_token(_TOKEN_OP, params["NextToken"])
        if decoded is None:
            raise _validation("The NextToken is invalid; pass the NextToken of the previous page unchanged")
        start = decoded
    regions = [r for r in regions_of(explicit or account) if wanted is None or r["RegionOptStatus"] in wanted]
    page: dict[str, Any] = {"Regions": regions[start : start + size]}
    if start + size < len(regions):
        page["NextToken"] = encode_token(_TOKEN_OP, start + size)
    return page


def patch_account_list_regions() -> None:
    """Account: ListRegions (``POST /listRegions``), which moto 5.1.22 does not route (404).

    The account is the one moto resolves from the credentials (an assumed role's account for
    its sessions), or the request's AccountId. Its regions are the defaults above until
    ``POST /_neptune_cmk/regions`` sets them.
    """
    from moto.account import urls
    from moto.account.responses import AccountResponse
    from moto.core.responses import ActionResult

    def list_regions_action(self: Any) -> ActionResult:
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise _validation("The request body must be a JSON object")
        return ActionResult(list_regions(self.current_account, params))

    AccountResponse.list_regions = list_regions_action  # type: ignore[attr-defined]
    urls.url_paths["{0}/listRegions$"] = AccountResponse.dispatch
