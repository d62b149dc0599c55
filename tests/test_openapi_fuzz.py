"""Schemathesis over our own /api_v3/openapi.json, in-process.

Every generated request goes to a fresh namespace of the demo clinic, with the
demo's API key and a documented token, so the fuzzer reaches past authentication.
Checks: no 5xx, and every response conforms to the status codes, content type and
schema the document declares. Not checked: schemathesis' positive/negative data
checks, because VSee's business rules (a dob in the future, an unknown timezone)
answer 400 to schema-valid input, and lenient parsing accepts "200" for an int.
Bounded: a few examples per operation (VSEE_SIM_FUZZ_EXAMPLES, default 15).
"""

from __future__ import annotations

import itertools
import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from vsee_sim.app import create_app

app = create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 3})
schema = schemathesis.openapi.from_wsgi("/api_v3/openapi.json", app)
_ns = itertools.count()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("VSEE_SIM_FUZZ_EXAMPLES", "15"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # The documented X-Sim-Namespace header is the fuzzer's to vary too, but each case keeps
    # a namespace of its own: the cases must not see each other's writes.
    headers = {
        "X-ApiKey": "vclinic_api_key",
        "X-ApiToken": "6366a7018a39536a1ef4b63626f8e734",
        **(case.headers or {}),
        "X-Sim-Namespace": f"fuzz-{next(_ns)}",
    }
    response = case.call(headers=headers)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)


# The control plane: the same checks over /_sim/openapi.json. Webhook URLs the fuzzer makes
# up must not leave the machine: they are sent nowhere because the ticker is off and every
# case has a namespace of its own in which nothing happens after the registration.
control_app = create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 3,
                          "TICK_INTERVAL": 0})
control_schema = schemathesis.openapi.from_wsgi("/_sim/openapi.json", control_app)


@control_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_control_plane_conforms_to_its_openapi_document(case):
    headers = {**(case.headers or {}), "X-Sim-Namespace": f"fuzz-sim-{next(_ns)}"}
    response = case.call(headers=headers)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
