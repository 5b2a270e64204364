"""A bounded Schemathesis run against the served API (Chalice's local server
on DynamoDB Local, the demo firm, its owner's token): no 5xx, and every
response conforms to /openapi.json. ``make fuzz`` runs a longer campaign.
Then the harness's own Hypothesis campaigns (devtools/fuzz_inputs.py): deeply
nested JSON bodies, and look-alike e-mail addresses. One stack serves the
three (tests/conftest.py runs this file on one worker)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.handlers.http.routing import load_all
from devtools import fuzz_inputs
from devtools.fuzz import CHECKS, Stack, schemathesis, served

ROUTES = load_all()  # every route the handlers declare

pytestmark = pytest.mark.integration
SEED = 20261127


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    workdir = tmp_path_factory.mktemp("fuzz")
    with served(workdir) as running:
        yield running, workdir


@pytest.fixture(scope="module")
def target(stack: tuple[Stack, Path]) -> fuzz_inputs.Target:
    running, _ = stack
    return fuzz_inputs.Target(running.base_url, running.token, running.ids["account_id"], running.ids["contact_id"])


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(stack: tuple[Stack, Path]) -> None:
    running, workdir = stack
    run = schemathesis(running, workdir, max_examples=4, seed=SEED, report_dir=workdir / "report", capture=True)
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-4000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    assert selected and tested and selected.group(1) == selected.group(2) == tested.group(1)  # all operations
    assert int(tested.group(1)) >= len(ROUTES) - 1  # Schemathesis does not test the document's own route
    assert "not_a_server_error" in CHECKS and "response_schema_conformance" in CHECKS


def test_bodies_nested_1000_to_50000_deep_never_get_a_5xx(target: fuzz_inputs.Target) -> None:
    fuzz_inputs.deep_nesting(target, max_examples=30, seed=SEED)


def test_look_alike_addresses_are_refused_or_taken_and_a_refusal_writes_nothing(target: fuzz_inputs.Target) -> None:
    fuzz_inputs.addresses(target, max_examples=60, seed=SEED)
