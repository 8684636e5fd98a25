"""Property-based tests of the sandbox against its own OpenAPI: no 5xx, every answer as
documented (status, content type, schema), invalid requests refused. Bounded: a few dozen
examples per operation."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture
def sandbox_schema(central: Any) -> Any:
    return schemathesis.openapi.from_url(f"{central.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("sandbox_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_sandbox_conforms_to_its_openapi(case: Any) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ]
    )
