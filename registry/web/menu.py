"""What the menu of every page adds: the count of due items beside the inbox link.

One cheap query (``notifications.due_count``, over the indexed ``deadlines.by_party``
and ``deadlines.due``), made only when a page shows the link (once per page).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from registry.permissions import Action, Role, allowed
from registry.services.deadlines import today_kz
from registry.services.notifications import due_count
from registry.web.database import get_session


def _due_count() -> int:
    """Letters with a step the person's party owes that is overdue or due soon (0: none)."""
    if not (
        current_user.is_authenticated
        and current_user.agency_code is not None
        and allowed(Role(current_user.role), Action.INBOX_VIEW)
    ):
        return 0
    return due_count(
        get_session(),
        current_user.agency_code,
        today_kz(),
        int(current_app.config["ARNA_DUE_SOON_WORKDAYS"]),
    )


def init_app(app: Flask) -> None:
    @app.context_processor
    def _menu() -> dict[str, Any]:
        return {"due_count": _due_count}
