"""The custody log's action tags (docs/architecture.md): what an event says happened."""

from __future__ import annotations

from enum import StrEnum


class Tag(StrEnum):
    """An action recorded in the log; a refused attempt is recorded as ``tag.refused``."""

    LETTER_REGISTERED = "letter:registered"
    LETTER_SIGNED = "letter:signed"
    LETTER_SUBMITTED = "letter:submitted"
    LETTER_RECEIVED = "letter:received"
    LETTER_FORWARDED = "letter:forwarded"
    LETTER_DISPATCHED = "letter:dispatched"
    LETTER_RETURNED = "letter:returned"
    LETTER_CLOSED = "letter:closed"
    LETTER_NOTICE_FILED = "letter:notice-filed"  # ¶44
    LETTER_DEADLINE_MET = "letter:deadline-met"
    LETTER_CASE_OPENED = "letter:case-opened"  # a court's request opens a case file (Ch. 5)
    LETTER_CASE_JOINED = "letter:case-joined"  # a reply joins the request's case file
    LETTER_PUBLICATION_RECORDED = "letter:publication-recorded"  # OHCHR's, ¶14-8 part 2
    COPY_ISSUED = "copy:issued"  # ¶32-1
    FILE_OPENED = "file:opened"  # an agreement reached (¶30) or a decision file (¶10) opened
    FILE_EVENT_RECORDED = "file:event-recorded"  # a step of its chain done, by its party
    FILE_DEEMED_AGREED = "file:deemed-agreed"  # ¶32: silence after 2 wd counts as consent
    FILE_THESES_CHECKED = "file:theses-checked"  # ¶23: theses initialled on every page?
    TREATY_REGISTERED = "treaty:registered"  # a treaty entered in the register (Ch.1)
    TREATY_RETURN_FILED = "treaty:return-filed"  # a body's return on App.1-5 (¶2)
    TREATY_RETURN_SIGNED = "treaty:return-signed"  # the body signed its return (XAdES)
    TREATY_ASSESSED = "treaty:assessed"  # MFA's foreign-policy assessment of a return (¶4)
    LOG_EXPORTED = "log:exported"
    BIN_RECORDED = "identity:bin-recorded"  # an agency's BIN set by the administrator
    IIN_RECORDED = "identity:iin-recorded"  # an account's IIN set by the administrator
    ACTING_FIRST_HEAD_RECORDED = "identity:acting-first-head-recorded"  # ¶14-7, ¶14-8
    ANCHOR_SCOPED = "trust:anchor-scoped"  # what an imported CA may vouch for (issue 11 M4)
    LETTERS_EXPORTED = "letters:exported"  # the letter list downloaded (CSV, XLSX)
    LETTER_REPORT_EXPORTED = "letter:report-exported"  # a verification report downloaded

    @property
    def refused(self) -> str:
        """The tag of a refused attempt at this action (``letter:submitted-refused``)."""
        return f"{self.value}-refused"
