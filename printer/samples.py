"""Sample tickets and receipts for `tabour printer test|bench` and the tests.

They use the branch's own config when there is one (so a test print shows the real header
and service names) and the demo config otherwise, so the commands need no setup.
"""

from __future__ import annotations

from datetime import UTC, datetime

from branch.settings import BranchConfig, Lang, Priority, demo_config_text, parse_config
from printer.layout import ReceiptData, TicketData

SAMPLE_ISSUED_AT = datetime(2025, 3, 1, 6, 41, tzinfo=UTC)  # 09:41 in Amman


def demo_config() -> BranchConfig:
    return parse_config(demo_config_text(), "demo_branch.toml")


def sample_ticket(
    config: BranchConfig | None = None,
    lang: Lang = "ar",
    *,
    service_code: str | None = None,
    number: int = 23,
    priority: Priority = "normal",
    people_ahead: int = 7,
    wait_s: int = 14 * 60,
    issued_at: datetime = SAMPLE_ISSUED_AT,
) -> TicketData:
    config = config or demo_config()
    service = config.service(service_code) if service_code else config.services[0]
    return TicketData(
        code=f"{service.prefix}{number:03d}",
        service_code=service.code,
        service_name_ar=service.name_ar,
        service_name_en=service.name_en,
        priority=priority,
        people_ahead=people_ahead,
        estimated_wait_s=wait_s,
        issued_at=issued_at,
        lang=lang,
        business_day=issued_at.astimezone(config.branch.tz).date(),
        branch_code=config.branch.code,
        branch_name_ar=config.branch.name_ar,
        branch_name_en=config.branch.name_en,
        timezone=config.branch.timezone,
    )


def sample_receipt(config: BranchConfig | None = None, lang: Lang = "ar") -> ReceiptData:
    config = config or demo_config()
    return ReceiptData(
        branch_code=config.branch.code,
        branch_name_ar=config.branch.name_ar,
        branch_name_en=config.branch.name_en,
        contributor_ref="9981234567",
        purpose_ar="اشتراك اختياري عن 3 أشهر",
        purpose_en="Voluntary contributions",
        periods=("2025-01", "2025-02", "2025-03"),
        amount_fils=157_500,
        provisional_receipt_no="P-AMM-000123",
        central_receipt_no="2025-0048213",
        verification_code="7F3K-92QD",
        issued_at=SAMPLE_ISSUED_AT,
        lang=lang,
        timezone=config.branch.timezone,
    )
