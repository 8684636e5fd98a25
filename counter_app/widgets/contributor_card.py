"""The contributor summary, the dues and the contribution statement, rendered from a
`LoadedContributor`. The national number is shown in full here, in the panel that asked,
and nowhere else (DESIGN §7)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from counter_app.contributor_lookup import KIND_LABELS, LoadedContributor
from counter_app.widgets.money import money
from sync import contract as c
from tui import bidi
from tui.lang import Language, language_of

STATUS_LABELS = {
    "active": "Active",
    "voluntary_active": "Voluntary (active)",
    "inactive": "Inactive",
    "pensioner": "Pensioner",
    "deceased": "Deceased",
}
COVERAGE_LABELS = {
    "old_age_disability_death": "Old age, disability and death",
    "work_injuries": "Work injuries",
    "maternity": "Maternity",
    "unemployment": "Unemployment",
    "pension": "Pension",
}
PERIOD_LABELS = {"paid": "paid", "due": "due", "partial": "partial", "none": "none"}


def lines(lang: Language, pairs: list[tuple[str, str | tuple[str, ...]]]) -> Text:
    """`Label: value` lines (values in logical order), mirrored and right-aligned in Arabic.
    A tuple value is several parts kept apart (a name and a masked number: inside one Arabic
    run the bidi algorithm would move the number's stars to its other side)."""

    def line(label: str, value: str | tuple[str, ...]) -> str:
        if isinstance(value, tuple):
            return lang.row([f"{lang.t(label)}:", *value], sep=" ")
        return lang.label_value(label, value)

    return Text(
        "\n".join(line(label, value) for label, value in pairs),
        justify="right" if lang.is_rtl else "left",
    )


class ContributorCard(Static):
    """Who the person is, as central (or the branch's copy) says."""

    def show(self, loaded: LoadedContributor | None) -> None:
        lang = language_of(self)
        if loaded is None:
            self.update(
                bidi.block(
                    lang.t("Type a number and press Enter to look the contributor up."),
                    lang.lang,
                    lang.bidi,
                )
            )
            return
        v = loaded.summary.value
        nn = loaded.identifier if loaded.kind == "national_number" else v.national_number_masked
        pairs = [
            ("Name", v.name_ar if lang.is_rtl else v.name_en),
            ("National number", nn),
            ("Insurance number", v.insurance_number),
            ("Status", lang.t(STATUS_LABELS.get(v.status.value, v.status.value))),
            (
                "Coverage",
                ("، " if lang.is_rtl else ", ").join(
                    lang.t(COVERAGE_LABELS.get(x, x)) for x in v.coverage
                )
                or "-",
            ),
            (
                "Establishment",
                (v.establishment.name_ar if lang.is_rtl else v.establishment.name_en)
                if v.establishment
                else "-",
            ),
            ("Insured wage", money(v.insured_wage_fils, lang.lang)),
            ("Contribution months", str(v.contribution_months_total)),
        ]
        if loaded.kind != "national_number":
            pairs.insert(1, (KIND_LABELS[loaded.kind], loaded.identifier))
        self.update(lines(lang, pairs))


class DuesCard(Static):
    """What the person owes now: the total, and each period with something due."""

    def show(self, loaded: LoadedContributor | None, error: str | None = None) -> None:
        lang = language_of(self)
        if loaded is None:
            self.update("")
            return
        if loaded.statement is None:
            self.update(
                bidi.block(
                    error or lang.t("The statement could not be read."), lang.lang, lang.bidi
                )
            )
            return
        st = loaded.statement.value
        pairs = [
            ("Total due", money(st.total_due_fils, lang.lang)),
            ("Gross due", money(st.gross_due_fils, lang.lang)),
            ("Payments applied", money(st.payments_applied_fils, lang.lang)),
            ("Periods due", str(len(loaded.dues()))),
        ]
        self.update(lines(lang, pairs))


class StatementTable(DataTable):
    """The contribution statement, one row per month, mirrored in Arabic."""

    COLUMNS = (
        ("period", "Period"),
        ("wage", "Wage"),
        ("contribution", "Contribution"),
        ("paid", "Paid"),
        ("due", "Due"),
        ("late_fee", "Late fee"),
        ("status", "Status"),
    )

    def show(self, statement: c.Statement | None) -> None:
        lang = language_of(self)
        columns = [(k, lang.t(label)) for k, label in self.COLUMNS]
        rows = []
        for x in statement.periods if statement else []:
            rows.append(
                (
                    x.period,
                    [
                        x.period,
                        _amount(x.wage_fils),
                        _amount(x.contribution_fils),
                        _amount(x.paid_fils),
                        _amount(x.due_fils),
                        _amount(x.late_fee_fils),
                        lang.t(PERIOD_LABELS.get(x.status.value, x.status.value)),
                    ],
                )
            )
        bidi.fill_table(self, columns, rows, lang.lang, lang.bidi)


def _amount(fils: int) -> str:
    return f"{fils // 1000:,}.{fils % 1000:03d}"


__all__ = ["ContributorCard", "DuesCard", "StatementTable"]
