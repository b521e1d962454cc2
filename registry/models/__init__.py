"""Every model module, imported here so that Alembic and the app see all tables."""

from registry.models.accounts import ActingFirstHead, Agency, ApiToken, User
from registry.models.cases import CaseFile
from registry.models.copies import CertifiedCopy
from registry.models.custody import (
    CustodyCheckpoint,
    CustodyEntry,
    CustodyHead,
    CustodyNode,
    CustodyRefusalReason,
)
from registry.models.custody_verification import CustodyMark, CustodyVerification
from registry.models.generation import GENERATION  # and its listener on every flush
from registry.models.keys import RegistryKey, RegistrySetting, TrustAnchor
from registry.models.letters import (
    Deadline,
    Letter,
    LetterParty,
    RegistryNumber,
    RegistrySequence,
)
from registry.models.notifications import NotificationSent
from registry.models.proof import Cosignature, Evidence, WitnessState
from registry.models.rule_files import PeriodicReport, RuleFile, RuleFileEvent, ThesisCheck
from registry.models.throttles import Throttle
from registry.models.treaties import Treaty, TreatyReturn, TreatySummary

__all__ = [
    "GENERATION",
    "ActingFirstHead",
    "Agency",
    "ApiToken",
    "CaseFile",
    "CertifiedCopy",
    "Cosignature",
    "CustodyCheckpoint",
    "CustodyEntry",
    "CustodyHead",
    "CustodyMark",
    "CustodyNode",
    "CustodyRefusalReason",
    "CustodyVerification",
    "Deadline",
    "Evidence",
    "Letter",
    "LetterParty",
    "NotificationSent",
    "PeriodicReport",
    "RegistryKey",
    "RegistryNumber",
    "RegistrySequence",
    "RegistrySetting",
    "RuleFile",
    "RuleFileEvent",
    "ThesisCheck",
    "Throttle",
    "Treaty",
    "TreatyReturn",
    "TreatySummary",
    "TrustAnchor",
    "User",
    "WitnessState",
]
