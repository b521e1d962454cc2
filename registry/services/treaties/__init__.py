"""Chapter 1: the treaty register, the returns on Appendices 1–5 and MFA's Appendix 6."""

from registry.services.treaties.register import (
    Consolidation,
    Lateness,
    assess,
    conclude,
    consolidation,
    cycle_file,
    file_return,
    form_of,
    get_treaty,
    import_returns,
    list_treaties,
    open_cycle,
    register_treaty,
    returns_of,
    sign_return,
)

__all__ = [
    "Consolidation",
    "Lateness",
    "assess",
    "conclude",
    "consolidation",
    "cycle_file",
    "file_return",
    "form_of",
    "get_treaty",
    "import_returns",
    "list_treaties",
    "open_cycle",
    "register_treaty",
    "returns_of",
    "sign_return",
]
