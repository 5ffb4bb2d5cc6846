"""Types shared by every API router: bounded ids, plausible dates, months, phone numbers, names,
enumerations and open records. One definition here, so a bad value is a 422 naming the field
everywhere, never a 500 from the database or the calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from . import validators

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _check(check):
    def run(value: Any) -> Any:
        message = check(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(run)


def _month(value: str) -> str:
    if value and not validators.EARLIEST_DATE.year <= int(value[:4]) <= validators.LATEST_DATE.year:
        raise ValueError(validators.date_error(dt.date(1, 1, 1)))
    return value


Id = Annotated[int, Field(ge=1, le=validators.INT64_MAX)]
Date = Annotated[dt.date, _check(validators.date_error)]
DateTime = Annotated[dt.datetime, _check(validators.date_error)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM"), AfterValidator(_month)]
OptionalMonth = Annotated[
    str,
    Field(pattern=f"({MONTH_PATTERN})|^$", description="YYYY-MM，可留空"),
    AfterValidator(_month),
]
Phone = Annotated[str, Field(max_length=20), _check(validators.phone_error)]
Name = Annotated[str, Field(min_length=1, max_length=64), _check(validators.name_error)]
# Money in fen: 100 million yuan is above any programme's cap or any payroll line.
Fen = Annotated[int, Field(ge=0, le=10_000_000_000)]


def choice(values) -> Any:
    """A field that takes one of a fixed set, documented as an enum in the OpenAPI."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


class RegionRef(BaseModel):
    code: str
    name: str


class OpenRecord(BaseModel):
    """A record documented as an object whose keys the operation's description names (entitlement
    and booking rows carry many nested parts that change with the programme)."""

    model_config = ConfigDict(extra="allow")
