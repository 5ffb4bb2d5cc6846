"""The OpenAPI tells the truth: one schema per component name (before, eight classes shared a
name and the last one won, so POST /payrolls was documented with the verification run input),
enumerations where a field takes a fixed set, and every error status an operation can answer."""

from __future__ import annotations

import collections
import typing

import pytest
from pydantic import BaseModel

from minzheng.api.main import api
from minzheng.api.openapi import _operations

pytestmark = pytest.mark.db_independent


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema()


def _models_of(annotation, found: dict) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if id(annotation) in found:
            return
        found[id(annotation)] = annotation
        for field in annotation.model_fields.values():
            _models_of(field.annotation, found)
    else:
        for arg in typing.get_args(annotation):
            _models_of(arg, found)


def test_every_component_name_belongs_to_one_class(schema):
    found: dict[int, type] = {}
    for operation in _operations(api).values():
        for model in operation.models:
            _models_of(model, found)
        for response in operation.response_models.values():
            if isinstance(response, type):
                _models_of(response, found)
    by_name = collections.defaultdict(dict)
    for model in found.values():
        # Ninja builds one Paged… class per list operation; identical ones may share a name.
        by_name[model.__name__][repr(model.model_json_schema())] = (
            f"{model.__module__}.{model.__qualname__}"
        )
    components = set(schema["components"]["schemas"])
    assert {
        name: list(where.values())
        for name, where in by_name.items()
        if len(where) > 1 and name in components
    } == {}


def _body(schema, path, method="post") -> dict:
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_payroll_and_verification_runs_are_documented_with_their_own_inputs(schema):
    assert set(_body(schema, "/api/v1/assistance/payments/payrolls")["properties"]) == {
        "county",
        "month",
    }
    assert "engine" in _body(schema, "/api/v1/verification/runs")["properties"]
    queued = schema["paths"]["/api/v1/assistance/payments/recompute"]["post"]["responses"][202]
    assert queued["content"]["application/json"]["schema"]["$ref"].endswith("/QueuedJobOut")


def _enum(schema, component, field) -> list:
    prop = schema["components"]["schemas"][component]["properties"][field]
    options = prop.get("anyOf", [prop])
    return next(o["enum"] for o in options if "enum" in o)


def test_fixed_sets_are_enums(schema):
    assert _enum(schema, "PersonIn", "hukou_type") == ["urban", "rural"]
    assert _enum(schema, "PersonPatch", "hukou_type") == ["urban", "rural"]
    assert "dibao_urban" in _enum(schema, "CaseIn", "programme")
    assert "old_age_allowance" in _enum(schema, "EntitlementFilter", "programme")
    assert {"open", "county_review", "approved"} <= set(_enum(schema, "ListFilter", "state"))
    assert _enum(schema, "VerificationRunIn", "kind") == [
        "application",
        "applications",
        "recheck",
        "households",
    ]
    assert _enum(schema, "VerificationRunIn", "engine") == ["duckdb", "spark"]
    assert _enum(schema, "ObjectionResolveIn", "outcome") == ["upheld", "dismissed"]


def test_every_operation_declares_the_errors_it_can_answer(schema):
    missing = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            declared = {str(code) for code in spec["responses"]}
            expected = set()
            if spec.get("security"):
                expected |= {"401", "403", "404"}
            if method != "get":
                expected.add("409")
            if "requestBody" in spec:
                expected |= {"413", "422"}
            if spec.get("parameters"):
                expected.add("422")
            if expected - declared:
                missing.append((method.upper(), path, sorted(expected - declared)))
            for code, response in spec["responses"].items():
                if (
                    int(code) >= 400
                ):  # a JSON body, described (ErrorOut unless the operation says otherwise)
                    assert response["content"]["application/json"]["schema"], (method, path, code)
    assert missing == []
