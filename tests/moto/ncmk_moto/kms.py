"""KMS patch: AWS managed keys (behind reserved ``alias/aws/*`` aliases) look like AWS's."""

from __future__ import annotations

from typing import Any, Optional

AWS_MANAGED_KEY_DESCRIPTIONS = {
    "alias/aws/rds": "Default key that protects my RDS database volumes when no other key is defined",
}


def patch_kms_aws_managed_keys() -> None:
    """KMS: keys behind reserved ``alias/aws/*`` aliases report KeyManager AWS.

    moto 5.1 creates the key for a reserved alias lazily on first use
    (``_generate_default_keys``) as an ordinary key (KeyManager CUSTOMER, random id). AWS
    reports KeyManager AWS for AWS managed keys however they are addressed (alias, alias
    ARN, key id, key ARN). The key is also given the id moto's ListAliases already
    advertises for that alias, so ListAliases and DescribeKey agree.
    """
    from moto.kms.models import KmsBackend
    from moto.kms.utils import RESERVED_ALIASE_TARGET_KEY_IDS, RESERVED_ALIASES

    def _generate_default_keys(self: Any, alias_name: str) -> Optional[str]:
        if alias_name not in RESERVED_ALIASES:
            return None
        description = AWS_MANAGED_KEY_DESCRIPTIONS.get(alias_name, "Default key")
        key = self.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        fixed_id = RESERVED_ALIASE_TARGET_KEY_IDS.get(alias_name)
        if fixed_id and fixed_id not in self.keys:
            del self.keys[key.id]
            key.arn = key.arn.rsplit(":key/", 1)[0] + f":key/{fixed_id}"
            key.id = fixed_id
            self.keys[fixed_id] = key
        key.key_manager = "AWS"
        self.create_alias(key.id, alias_name)
        return key.id

    KmsBackend._generate_default_keys = _generate_default_keys  # type: ignore[method-assign]


def aws_managed_key_arn(account: str, region: str, alias: str = "alias/aws/rds") -> str:
    """ARN of an AWS managed key, created the way KMS (and the patched moto) would on first use."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    key_id = kms.get_key_id_from_alias(alias)
    assert key_id is not None, alias
    return kms.keys[key_id].arn


def set_key_state(key_id: str, state: str, account: str, region: str) -> dict[str, str]:
    """Control API ``POST kms_key_state``: put one key in any KMS KeyState.

    moto 5.1 only moves keys between Enabled, Disabled and PendingDeletion; AWS also has
    Creating, PendingImport, PendingReplicaDeletion, Unavailable and Updating (botocore's
    KMS ``KeyState`` enum, checked here). Only ``KeyState`` and ``Enabled`` change;
    ``DeletionDate`` is left as it is. KMS operations keep moto's behaviour (for example
    CancelKeyDeletion then leaves the key Disabled whatever its state was).
    """
    import botocore.session
    from moto.kms.models import kms_backends

    states = botocore.session.get_session().get_service_model("kms").shape_for("KeyState").enum
    if state not in states:
        raise ValueError(f"keyState must be one of {', '.join(states)}, not {state!r}")
    backend = kms_backends[account][region]
    try:
        key = backend.keys.get(backend.any_id_to_key_id(key_id))
    except AttributeError:  # an alias that names no key
        key = None
    if key is None:
        raise LookupError(f"no KMS key {key_id!r} in account {account} region {region}")
    key.key_state = state
    key.enabled = state == "Enabled"
    return {"KeyId": key.id, "KeyState": state}
