"""Every model module, imported here so that Alembic and the app see all tables."""

from registry.models.accounts import Agency, ApiToken, LoginThrottle, User
from registry.models.copies import CertifiedCopy, CopyLookupThrottle
from registry.models.custody import CustodyCheckpoint, CustodyEntry, CustodyHead, CustodyNode
from registry.models.keys import RegistryKey, TrustAnchor
from registry.models.letters import Deadline, Letter, RegistryNumber, RegistrySequence
from registry.models.rule_files import RuleFile, RuleFileEvent

__all__ = [
    "Agency",
    "ApiToken",
    "CertifiedCopy",
    "CopyLookupThrottle",
    "CustodyCheckpoint",
    "CustodyEntry",
    "CustodyHead",
    "CustodyNode",
    "Deadline",
    "Letter",
    "LoginThrottle",
    "RegistryKey",
    "RegistryNumber",
    "RegistrySequence",
    "RuleFile",
    "RuleFileEvent",
    "TrustAnchor",
    "User",
]
