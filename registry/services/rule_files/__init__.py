"""Rule files: the chains of Chapter 4 (agreements reached) and Chapter 2 (decision files).

Public names are re-exported here; ``chains`` reads the stored rows into the
engine's objects, ``files`` runs the actions.
"""

from registry.services.rule_files.chains import Kind
from registry.services.rule_files.files import (
    FileView,
    agreements_of,
    get_file,
    list_files,
    open_file,
    owed,
    record_event,
    record_silences,
    reports_overview,
)
from registry.services.rule_files.theses import record_theses, theses_of

__all__ = [
    "FileView",
    "Kind",
    "agreements_of",
    "get_file",
    "list_files",
    "open_file",
    "owed",
    "record_event",
    "record_silences",
    "record_theses",
    "reports_overview",
    "theses_of",
]
