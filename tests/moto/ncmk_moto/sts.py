"""STS patch: AssumeRole requires the role to exist, as IAM does (when turned on)."""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any, Optional

from .state import STATE

# arn:<partition>:iam::<account>:role/<path/><name>
_ROLE_ARN_RE = re.compile(r"arn:(aws[a-zA-Z-]*):iam::(\d{12}):role/.+")
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


def set_assume_role_check_default(on: bool) -> None:
    """Server configuration (launcher flag / env): the check's value now and after POST reset."""
    with STATE.lock:
        STATE.iam_check_defaults["assumeRole"] = bool(on)
        STATE.iam_checks["assumeRole"] = bool(on)


def role_exists(role_arn: str) -> Optional[bool]:
    """Whether the IAM role ``role_arn`` exists in moto's IAM backend of its account (by its
    exact ARN, path included); None when ``role_arn`` is not an IAM role ARN."""
    from moto.iam.models import iam_backends

    m = _ROLE_ARN_RE.fullmatch(role_arn or "")
    if not m:
        return None
    partition, account = m.group(1), m.group(2)
    return any(role.arn == role_arn for role in iam_backends[account][partition].get_roles())


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def access_denied(caller_arn: str, role_arn: str) -> tuple[str, dict[str, Any]]:
    """STS's answer to an AssumeRole the caller may not make: HTTP 403, Sender, AccessDenied.
    (moto puts its own request id in the body and the x-amzn-RequestId header.)"""
    request_id = str(uuid.uuid4())
    message = f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    body = (
        f'<ErrorResponse xmlns="{STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
        f"<Message>{_xml_escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return body, {"status": 403, "Content-Type": "text/xml"}


def patch_sts_assume_role_requires_role() -> None:
    """STS AssumeRole of a role that does not exist -> AccessDenied (HTTP 403), when turned on.

    moto 5.1 hands out credentials for any RoleArn ("the role does not need to exist"; its
    maintainers keep it so on purpose: in server mode it is how one reaches another
    account). AWS answers a RoleArn that names no role as it answers a role the caller may
    not assume (inferred from observed answers; README.md has the sources): 403,
    ``<Type>Sender</Type><Code>AccessDenied</Code>``, "User: <caller ARN> is not authorized
    to perform: sts:AssumeRole on resource: <RoleArn>".
    With ``POST /_neptune_cmk/iam_checks {"assumeRole": true}`` (or the launcher's
    ``--check-assume-role``), a RoleArn of the form ``arn:<partition>:iam::<account>:role/...``
    must name a role of moto's IAM in that account, path included. Trust policies are not
    evaluated: any caller may assume any role that exists. Other RoleArn values, and
    AssumeRoleWithWebIdentity / AssumeRoleWithSAML, are left to moto.
    """
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    @functools.wraps(original)
    def assume_role(self: Any) -> Any:
        with STATE.lock:
            check = STATE.iam_checks.get("assumeRole", False)
        role_arn = self._get_param("RoleArn")
        if check and role_exists(role_arn) is False:
            _, caller_arn, _ = self.backend.get_caller_identity(self.get_access_key(), self.region)
            return access_denied(caller_arn, role_arn)
        return original(self)

    TokenResponse.assume_role = assume_role  # type: ignore[method-assign]
