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
