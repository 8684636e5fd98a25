"""Central at the edge, with fixed answers, for SVG snapshots only.

The panels' behaviour is tested against the sandbox over loopback; a snapshot must not
move, and the sandbox's answers carry today's time and months. So the snapshots use the real
`Central` (snapshots, audit, the stale fallback) over an `httpx.MockTransport` that answers
contract v1 JSON fixed here, or refuses every connection when `down` is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from branch.db import Database
from branch.settings import Settings
from sync import contract as c
from sync.central import Central
from sync.client import CentralClient
from tui.testing import FIXED_NOW

NN = "9861234567"
CID = "C-7-000042"
AS_OF = "2026-03-15T07:20:00Z"

SUMMARY = {
    "contributor_id": CID,
    "insurance_number": "100234567",
    "national_number_masked": "******4567",
    "name_ar": "أحمد محمود العلي",
    "name_en": "Ahmad Mahmoud Al-Ali",
    "status": "voluntary_active",
    "coverage": ["old_age_disability_death"],
    "establishment": {
        "id": "E-311",
        "name_ar": "شركة العلي للتجارة",
        "name_en": "Al-Ali Trading Co.",
        "sector": "trade",
    },
    "insured_wage_fils": 650_000,
    "contribution_months_total": 148,
    "as_of": AS_OF,
}


def _period(month: int, status: str) -> dict[str, Any]:
    contribution = 113_750
    paid = contribution if status == "paid" else 0
    due = contribution - paid
    return {
        "period": f"2025-{month:02d}", "wage_fils": 650_000, "contribution_fils": contribution,
        "paid_fils": paid, "due_fils": due,
        "late_fee_fils": 0 if status == "paid" else 1_138 * (13 - month),
        "status": status,
    }  # fmt: skip


PERIODS = [_period(m, "paid" if m < 10 else "due") for m in range(1, 13)]
STATEMENT = {
    "contributor_id": CID,
    "from_period": "2025-01",
    "to_period": "2025-12",
    "periods": PERIODS,
    "gross_due_fils": sum(p["due_fils"] + p["late_fee_fils"] for p in PERIODS),
    "payments_applied_fils": 0,
    "total_due_fils": sum(p["due_fils"] + p["late_fee_fils"] for p in PERIODS),
    "as_of": AS_OF,
}
NAF = {
    "eligible": True,
    "score": 72,
    "monthly_aid_fils": 104_500,
    "reasons": [],
    "application_id": "N5A1C0FFEE01",
    "application_status": "under_review",
    "as_of": AS_OF,
}


@dataclass
class FixedCentral:
    down: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path.endswith("/health"):
            return httpx.Response(
                200, json={"status": "ok", "version": "1", "time": FIXED_NOW.isoformat()}
            )
        if path == "/v1/contributors:lookup":
            return httpx.Response(200, json=SUMMARY)
        if path.endswith("/contribution-statement"):
            return httpx.Response(200, json=STATEMENT)
        if path == "/v1/naf/eligibility:check":
            return httpx.Response(200, json=NAF)
        return httpx.Response(
            404,
            content=json.dumps({"title": "not found", "status": 404, "code": "not_found"}),
            headers={"content-type": c.PROBLEM_CONTENT_TYPE},
        )

    def factory(self, db: Database, settings: Settings, clock: Any) -> Any:
        transport = httpx.MockTransport(self.handler)

        def build() -> Central:
            client = CentralClient(
                {"ssc": "http://central.test"},
                timeout_s=2.0,
                read_attempts=1,
                transport=transport,
            )
            return Central(client, db, settings, clock=clock, where="counter:1")

        return build
