"""Problems (errors), health, pipelines and credit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from chalicelib.domain.models.base import (
    Description,
    Id,
    InputModel,
    Money,
    Name,
    OutputModel,
    PatchModel,
)
from chalicelib.domain.models.people import (
    MemberRef,
    SignerOut,
)

# --- lists and errors -------------------------------------------------------


class ErrorDetail(OutputModel):
    loc: list[str | int]
    msg: str
    code: str = Field(description="a stable snake_case code per field: too_short, not_an_email, out_of_range, ...")


class Problem(OutputModel):
    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="a stable snake_case kind of error; the route's codes are listed per status")
    errors: list[ErrorDetail]
    next_signers: list[SignerOut] | None = Field(
        default=None, description="Only with code not_your_turn (sequential signing): the signers whose turn it is."
    )


class HealthOut(OutputModel):
    status: Literal["ok"]
    table: str


# --- pipelines ----------------------------------------------------------------

MAX_STAGES = 30
StageName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class StageIn(InputModel):
    id: Id | None = None
    name: StageName


class PipelineCreate(InputModel):
    name: Name
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=MAX_STAGES)]


class PipelinePatch(PatchModel):
    name: Name | None = None
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=MAX_STAGES)] | None = Field(
        default=None,
        description="The full ordered list: existing stages by id (renamed or moved), new ones without an id. "
        "A stage cannot be removed, since jobs may be in it.",
    )


class StageOut(OutputModel):
    id: str
    name: str


class PipelineOut(OutputModel):
    id: str
    name: str
    stages: list[StageOut]
    created_at: str
    updated_at: str
    version: int


# --- credit -------------------------------------------------------------------


class CreditCreate(InputModel):
    amount: Money = Field(
        description="Decimal string in the account's currency (at most its minor units), more than zero."
    )
    note: Description = ""


class CreditOut(OutputModel):
    id: str
    kind: Literal["credit", "applied"] = Field(description="credit: added; applied: spent on an invoice.")
    amount: str
    currency: str
    note: str
    invoice_id: str | None
    created_at: str
    created_by: MemberRef | None
