"""vsee_sim/lazy_imports.py: work deferred from import to first use changes no result."""

from __future__ import annotations

import re
import sys

import pytest
from marshmallow import ValidationError, fields

from vsee_sim import lazy_imports
from vsee_sim.lazy_imports import DeferredPattern


def test_the_finder_is_installed_once():
    lazy_imports.install()
    assert sum(isinstance(f, lazy_imports._Finder) for f in sys.meta_path) == 1


@pytest.mark.parametrize("value, ok", [("a@b.example.com", True), ("nurse@clínica.es", True),
                                       ("a@[10.0.0.1]", True), ("nope@", False), ("a@b", False)])
def test_marshmallow_email_validates_as_before(value, ok):
    field = fields.Email()
    if ok:
        assert field.deserialize(value) == value
    else:
        with pytest.raises(ValidationError):
            field.deserialize(value)


def test_a_deferred_pattern_matches_as_the_compiled_one():
    pattern, flags = "(?:[A-Z\u00a1-\uffff]{2,})\\Z", re.IGNORECASE
    deferred = DeferredPattern(pattern, flags)
    for text in ("ab", "é", "Ωμ", "a1", ""):
        assert bool(deferred.match(text)) == bool(re.compile(pattern, flags).match(text)), text
    assert deferred.pattern == pattern


def test_a_deferred_pattern_is_not_taken_for_what_it_is_not():
    deferred = DeferredPattern("x\uffff", 0)
    with pytest.raises(AttributeError):
        deferred.__isabstractmethod__  # noqa: B018 (abc asks this of every class attribute)
    assert deferred._compiled is None  # asking did not compile it


def test_pyyaml_still_works_when_first_used():
    import yaml

    assert yaml.safe_load(yaml.safe_dump({"a": [1, "b"]})) == {"a": [1, "b"]}


def test_marshmallow_was_imported_under_the_finder():
    # the root conftest imports vsee_sim before anything imports marshmallow, as the server does
    from marshmallow import validate

    assert isinstance(validate.Email.DOMAIN_REGEX, DeferredPattern)
