"""The API contract check: Schemathesis generates requests from the app's own OpenAPI (valid ones
and ones that break the schema on purpose) and every answer must be no server error, match the documented schema and use a documented status code.
Used by tests/test_api_contract.py (bounded) and bench/api_contract.sh (≥ 3,000 cases)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Revoking the caller's own token would turn the rest of the run into 401s.
SKIP = ("/api/v1/auth/logout",)


@dataclass
class Outcome:
    cases: int = 0
    operations: int = 0
    statuses: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)


def examples_per_operation(default: int) -> int:
    return int(os.environ.get("MINZHENG_CONTRACT_EXAMPLES", default))


def run(app, *, token: str, examples: int, outcome: Outcome | None = None) -> Outcome:
    outcome = outcome or Outcome()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIP):
            continue
        outcome.operations += 1

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            )
        )
        def check(case):  # called at once below, so the loop variable is the current one
            outcome.cases += 1
            response = case.call(headers=headers)
            outcome.statuses[response.status_code] = (
                outcome.statuses.get(response.status_code, 0) + 1
            )
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a FailureGroup is a BaseExceptionGroup; record, go on
                details = "; ".join(str(e) for e in getattr(exc, "exceptions", [exc]))
                outcome.failures.append(
                    f"{operation.method.upper()} {operation.path} → {response.status_code}: {details[:1500]}"  # noqa: B023
                )

        check()
    return outcome
