"""A bulk edit's change, and what it makes of one account (pure rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.entities import Account
from chalicelib.domain.errors import UnprocessableError

MAX_TAGS = 20  # what an account may carry (the models' MAX_TAGS and MAX_TEAM: a PATCH sends at most these)
MAX_TEAM = 20


@dataclass(frozen=True, slots=True)
class BulkChange:
    add_tags: Sequence[str]
    remove_tags: Sequence[str]
    add_team: Sequence[str]
    remove_team: Sequence[str]
    type: str | None

    def fields_for(self, account: Account) -> dict[str, Any]:
        """The fields this change sets on ``account``: only those that differ
        (an account already as asked is left alone, so a retry writes nothing).
        Tags and team members keep their order; added ones come last."""
        changed: dict[str, Any] = {}
        tags = _edited(account.tags, self.add_tags, self.remove_tags)
        team = _edited(account.team_member_ids, self.add_team, self.remove_team)
        if len(tags) > MAX_TAGS and tags != account.tags:
            raise UnprocessableError(f"An account has at most {MAX_TAGS} tags.", code="too_many_tags")
        if len(team) > MAX_TEAM and team != account.team_member_ids:
            raise UnprocessableError(f"An account has at most {MAX_TEAM} team members.", code="too_many_team_members")
        if tags != account.tags:
            changed["tags"] = tags
        if team != account.team_member_ids:
            changed["team_member_ids"] = team
        if self.type is not None and self.type != account.type:
            changed["type"] = self.type
        return changed


def _edited(current: Sequence[str], add: Sequence[str], remove: Sequence[str]) -> list[str]:
    kept = [i for i in current if i not in remove]
    return kept + [i for i in add if i not in kept]
