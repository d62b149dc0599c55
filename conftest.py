"""Suite-wide (tests/ and contract/): every response is checked against its declared schema.

Every JSON response of every in-process app is validated against the schema its
operation declares in the OpenAPI document the app serves (contract/response_schemas.py);
a test whose responses did not match fails, naming the operation and the bad field.
"""

from __future__ import annotations

import pytest
from flask import request_finished

from contract import response_schemas

request_finished.connect(response_schemas.check, weak=False)


@pytest.fixture(autouse=True)
def responses_match_their_schemas():
    response_schemas.take()
    yield
    bad = response_schemas.take()
    if bad:
        shown = "\n  ".join(dict.fromkeys(bad))
        pytest.fail(f"{len(bad)} response(s) do not match their declared schema:\n  {shown}", pytrace=False)
