"""What a manager may do from the dashboard, each confirmed by the acting staff member's PIN.

Plain Python (the screen calls it in a thread worker): the PIN is checked by
`branch.staff.authenticate` (lockout and audit included) in a transaction of its own, then the
role, then the engine does the work in its own write transaction, audited under the staff
member's name. The engine enforces its own rules too (changing a counter's services needs a
manager; a counter still holding a ticket cannot close).

Opening a counter from the dashboard opens it *for the branch*: the manager does not sign in
at that counter (the engine signs in whoever opens a counter as its clerk, and one staff member
holds one counter), so the engine is called with an account that names the manager only for
the audit trail (`Actor.operator`), with the manager's role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from branch.errors import DomainError, PermissionDenied
from branch.i18n import gettext
from branch.models import Alert, Role
from branch.staff import Actor, authenticate

if TYPE_CHECKING:
    from counter_app.parts import CounterParts

# Who may do what from the dashboard (the engine checks again where it has a rule).
ROLES = {
    "open": Role.supervisor,
    "close": Role.supervisor,
    "services": Role.manager,
    "acknowledge": Role.supervisor,
}
CLEARS_BY_ITSELF = "This alert clears by itself when its cause is fixed"
REFUSED = "{username} is a {role}: only a {needed} may {action}"
ACTIONS = {
    "open": "open a counter",
    "close": "close a counter",
    "services": "change a counter's services",
    "acknowledge": "acknowledge an alert",
}


class Refused(PermissionDenied):
    """A role refusal with its msgid, so the screen shows it in Arabic too (exit 4 in a CLI)."""

    def __init__(self, actor: Actor, action: str) -> None:
        self.params = {
            "username": actor.username or "-",
            "role": actor.role.value,
            "needed": ROLES[action].value,
            "action": ACTIONS[action],
        }
        super().__init__(REFUSED.format(**self.params))

    def in_lang(self, lang: str) -> str:
        shown = {k: gettext(v, lang) if k != "username" else v for k, v in self.params.items()}
        return gettext(REFUSED, lang).format(**shown)


def may(actor: Actor, action: str) -> bool:
    return actor.role.level >= ROLES[action].level


class DashboardActions:
    """The dashboard's manager actions on the real parts (database, engine, clock)."""

    def __init__(self, parts: CounterParts) -> None:
        self.parts = parts

    def confirm(self, username: str, pin: str, action: str) -> Actor:
        """The acting staff member, PIN checked (`AuthRefused`) and allowed (`Refused`)."""
        with self.parts.db.write() as s:
            actor = authenticate(s, username, pin, self.parts.clock(), where="dashboard")
        if not may(actor, action):
            raise Refused(actor, action)
        return actor

    def open_counter(self, username: str, pin: str, counter: int) -> str:
        actor = self.confirm(username, pin, "open")
        for_branch = Actor(None, actor.role, operator=actor.username)
        self.parts.engine.open_counter(counter, for_branch)
        return "counter {counter} opened"

    def close_counter(self, username: str, pin: str, counter: int) -> str:
        actor = self.confirm(username, pin, "close")
        self.parts.engine.close_counter(counter, actor)
        return "counter {counter} closed"

    def set_services(self, username: str, pin: str, counter: int, services: list[str]) -> str:
        actor = self.confirm(username, pin, "services")
        self.parts.engine.set_counter_services(counter, services, actor)
        return "counter {counter} serves today: {services}"

    def acknowledge(self, username: str, pin: str, kind: str, source: str) -> str:
        """Acknowledge the open stored alert with this kind and source (the engine audits it).
        A derived alert has no row: it goes when its cause does."""
        with self.parts.db.read() as s:
            alert = s.exec(
                select(Alert.id).where(
                    Alert.kind == kind, Alert.source == source, col(Alert.cleared_at).is_(None)
                )
            ).first()
        if alert is None:
            raise DomainError(CLEARS_BY_ITSELF)
        actor = self.confirm(username, pin, "acknowledge")
        self.parts.engine.acknowledge_alert(alert, actor)
        return "alert acknowledged"
