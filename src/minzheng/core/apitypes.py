"""Types shared by every API router: bounded ids, plausible dates, months, phone numbers, names,
enumerations and open records. One definition here, so a bad value is a 422 naming the field
everywhere, never a 500 from the database or the calendar."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OpenRecord(BaseModel):
    """A record documented as an object whose keys the operation's description names (entitlement
    and booking rows carry many nested parts that change with the programme)."""

    model_config = ConfigDict(extra="allow")
