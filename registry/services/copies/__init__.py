"""Issuing certified paper copies and checking them in public.

``issue_copy`` gathers what the paper shows from the stored letter (its signed
XML, the verification report kept with it, its route plan) and from the custody
log, renders and seals the PDF with the registry's copy seal, and records the copy
and the ``copy:issued`` custody event in one transaction. The PDF is handed out
once and not kept: only the SHA-256 of the code and of the PDF are stored, so a
copy is recognised again without the database holding anything that would let
its reader reach ``/verify/<code>``.

``issue_record_copy`` makes the same copy of a rule file's signed record: the
paper copy of PA's electronic approval sheet of ¶32-1, the one place the Rules
name the stamp «Электрондық құжаттың көшірмесі дұрыс».

``find_copy`` and ``check_upload`` serve the public verification page; both
count failures per client address and refuse (429) once too many fall within a
window, so that even the (already infeasible) guessing of codes is slowed down.

- ``seal``: the registry's copy seal (key and certificate path);
- ``issue``: issuing and listing copies, and the console's variant;
- ``lookup``: the public checks by code and by uploaded PDF.
"""

from registry.services.copies.issue import (
    CONSOLE,
    ISSUED,
    IssuedCopy,
    configured_public_url,
    console_base_url,
    copies_of,
    issue_copy,
    issue_copy_as,
    issue_record_copy,
    issuer_name,
    list_copies,
    public_url,
)
from registry.services.copies.lookup import (
    PublicCopy,
    UploadCheck,
    check_upload,
    find_copy,
)
from registry.services.copies.seal import (
    SEAL_KEY_NAME,
    SEAL_NAME,
    SEAL_VALID_DAYS,
    CopySeal,
    ensure_copy_seal,
    load_copy_seal,
    seal_roots,
)

__all__ = [
    "CONSOLE",
    "ISSUED",
    "SEAL_KEY_NAME",
    "SEAL_NAME",
    "SEAL_VALID_DAYS",
    "CopySeal",
    "IssuedCopy",
    "PublicCopy",
    "UploadCheck",
    "check_upload",
    "configured_public_url",
    "console_base_url",
    "copies_of",
    "ensure_copy_seal",
    "find_copy",
    "issue_copy",
    "issue_copy_as",
    "issue_record_copy",
    "issuer_name",
    "list_copies",
    "load_copy_seal",
    "public_url",
    "seal_roots",
]
