"""National Aid Fund and Decent Housing answers, rendered for the special counter."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from counter_app.widgets.contributor_card import lines
from counter_app.widgets.money import money
from sync import contract as c
from tui import bidi
from tui.lang import language_of

NAF_STATUS = {
    "submitted": "submitted",
    "under_review": "under review",
    "approved": "approved",
    "rejected": "rejected",
    "appealed": "appealed",
    "suspended": "suspended",
    "closed": "closed",
}
HOUSING_STATUS = {
    "received": "received",
    "eligibility_check": "eligibility check",
    "eligible": "eligible",
    "ineligible": "ineligible",
    "waiting_list": "waiting list",
    "allocated": "allocated",
    "handed_over": "handed over",
    "withdrawn": "withdrawn",
}
NAF_REASONS = {
    "insured wage above the aid threshold": "insured wage above the aid threshold",
    "welfare score below the cut-off": "welfare score below the cut-off",
}


class NafCard(Static):
    """An eligibility check, an application's status, or an appeal just filed."""

    def show_eligibility(self, e: c.NafEligibility) -> None:
        lang = language_of(self)
        pairs = [
            ("Eligible", lang.t("yes") if e.eligible else lang.t("no")),
            ("Score", f"{e.score}/100"),
            ("Monthly aid", money(e.monthly_aid_fils, lang.lang)),
        ]
        if e.reasons:
            pairs.append(("Reasons", "; ".join(lang.t(NAF_REASONS.get(r, r)) for r in e.reasons)))
        if e.application_id:
            status = e.application_status.value if e.application_status else "-"
            pairs.append(("Application", e.application_id))
            pairs.append(("Application status", lang.t(NAF_STATUS.get(status, status))))
        self.update(lines(lang, pairs))

    def show_application(self, a: c.NafApplication) -> None:
        lang = language_of(self)
        pairs = [
            ("Application", a.id),
            ("Application status", lang.t(NAF_STATUS.get(a.status.value, a.status.value))),
            ("Household size", str(a.household_size)),
            ("Monthly aid", money(a.monthly_aid_fils, lang.lang)),
            ("Submitted on", a.submitted_on.isoformat()),
            ("Decided on", a.decided_on.isoformat() if a.decided_on else "-"),
            ("Appeals", str(a.appeals)),
        ]
        self.update(lines(lang, pairs))

    def show_appeal(self, appeal: c.NafAppeal) -> None:
        lang = language_of(self)
        pairs = [
            ("Appeal", appeal.id),
            ("Application", appeal.application_id),
            ("Appeal status", lang.t(appeal.status.replace("_", " "))),
            ("Filed on", appeal.filed_on.isoformat()),
        ]
        self.update(lines(lang, pairs))

    def clear(self) -> None:
        self.update("")


class HousingTable(DataTable):
    COLUMNS = (
        ("id", "Application"),
        ("status", "Status"),
        ("governorate", "Governorate"),
        ("project", "Project"),
        ("position", "Waiting list position"),
        ("submitted", "Submitted on"),
    )

    def show(self, items: list[c.HousingApplication]) -> None:
        lang = language_of(self)
        rows = [
            (
                a.id,
                [
                    a.id,
                    lang.t(HOUSING_STATUS.get(a.status.value, a.status.value)),
                    a.governorate,
                    a.project or "-",
                    str(a.waiting_list_position) if a.waiting_list_position else "-",
                    a.submitted_on.isoformat(),
                ],
            )
            for a in items
        ]
        bidi.fill_table(self, [(k, lang.t(v)) for k, v in self.COLUMNS], rows, lang.lang, lang.bidi)


class HousingCard(Static):
    def show(self, a: c.HousingApplication) -> None:
        lang = language_of(self)
        pairs = [
            ("Application", a.id),
            ("Status", lang.t(HOUSING_STATUS.get(a.status.value, a.status.value))),
            ("Governorate", a.governorate),
            ("Project", a.project or "-"),
            ("Household size", str(a.household_size)),
            (
                "Waiting list position",
                str(a.waiting_list_position) if a.waiting_list_position else "-",
            ),
            ("Submitted on", a.submitted_on.isoformat()),
        ]
        self.update(lines(lang, pairs))


__all__ = ["HousingCard", "HousingTable", "NafCard"]
