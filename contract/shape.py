"""Compare a response with a documented example by shape, not by value.

The documented values are someone's data on some day; what a client relies on is the
shape: which keys exist, which are objects or lists, and which scalars are booleans,
numbers or text. The real service is PHP and sends numbers both ways ("201" and 201,
sometimes in the same object), so a documented number or numeric string accepts either.
"""

from __future__ import annotations

import re

__all__ = ["shape_errors"]

_NUMERIC = re.compile(r"-?\d+(?:\.\d+)?")


def shape_errors(documented, actual, path: str = "data", optional_keys=(),
                 allow_empty: bool = False, nullable_keys=(), text_keys=(), ignore_keys=()) -> list[str]:
    """Every place where ``actual`` does not have the documented shape, as ``"path: problem"``.

    - documented ``null``: anything goes;
    - bool: a bool; number or numeric string: a number or numeric string; other text: text;
    - object: every documented key present (unless its path is in ``optional_keys``), each
      compared in turn; extra keys are fine;
    - list: each of our items is compared with the documented first item, or, where the
      documented items differ in shape, with the one it fits best; our list may be empty
      only if the documented one is, or with ``allow_empty``.

    Paths look like ``data.user.id`` and ``data.slots[2].slot_id``; ``optional_keys`` name
    them with list indexes written ``[]`` (``data.slots[].group_id``), and so do:
    - ``nullable_keys``: documented with a value, but null in the state the example asks
      about (the call of a visit that has not started has no start time);
    - ``text_keys``: documented text that happens to look numeric (a last name "01");
    - ``ignore_keys``: not compared, where the documentation contradicts itself.
    """
    rules = _Rules({_generic(p) for p in optional_keys}, allow_empty, {_generic(p) for p in nullable_keys},
                   {_generic(p) for p in text_keys}, {_generic(p) for p in ignore_keys})
    errors: list[str] = []
    _compare(documented, actual, path, rules, rules.allow_empty, errors)
    return errors


class _Rules(set):
    """The optional paths (a set, as before) plus the other per-example allowances."""

    def __init__(self, optional, allow_empty, nullable, text, ignore):
        super().__init__(optional)
        self.allow_empty, self.nullable, self.text, self.ignore = allow_empty, nullable, text, ignore


def _compare(doc, ours, path, optional, allow_empty, errors) -> None:
    generic = _generic(path)
    if doc is None or generic in optional.ignore or (ours is None and generic in optional.nullable):
        return
    if generic in optional.text:
        if not isinstance(ours, str):
            errors.append(f"{path}: expected a string, got {_kind(ours)}")
        return
    if isinstance(doc, dict):
        if isinstance(ours, list) and not ours and not doc:
            return  # PHP's json_encode writes an empty object as []
        if not isinstance(ours, dict):
            errors.append(f"{path}: expected an object, got {_kind(ours)}")
            return
        for key, value in doc.items():
            sub = f"{path}.{key}"
            if key not in ours:
                if _generic(sub) not in optional:
                    errors.append(f"{sub}: missing")
                continue
            _compare(value, ours[key], sub, optional, allow_empty, errors)
    elif isinstance(doc, list):
        if isinstance(ours, dict) and not ours and not doc:
            return  # the same PHP quirk the other way round
        if not isinstance(ours, list):
            errors.append(f"{path}: expected a list, got {_kind(ours)}")
            return
        if not doc:
            return
        if not ours:
            if not allow_empty:
                errors.append(f"{path}: empty list, the documented one is not (set allow_empty)")
            return
        for i, item in enumerate(ours):
            errors += _best_match(doc, item, f"{path}[{i}]", optional, allow_empty)
    elif isinstance(doc, bool):
        if not isinstance(ours, bool):
            errors.append(f"{path}: expected a boolean, got {_kind(ours)}")
    elif _is_number(doc):
        if not _is_number(ours):
            errors.append(f"{path}: expected a number or numeric string, got {_kind(ours)}")
    elif isinstance(doc, str) and not isinstance(ours, str):
        errors.append(f"{path}: expected a string, got {_kind(ours)}")


def _best_match(doc_items: list, item, path, optional, allow_empty) -> list[str]:
    """Errors of ``item`` against the documented item it fits best (the first, on a tie).

    Most documented lists hold one item or items of one shape; some mix shapes (the
    account's intake steps), and an item of ours only has to fit one of them.
    """
    best: list[str] | None = None
    for doc_item in doc_items:
        errs: list[str] = []
        _compare(doc_item, item, path, optional, allow_empty, errs)
        if best is None or len(errs) < len(best):
            best = errs
        if not best:
            break
    return best or []


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and _NUMERIC.fullmatch(value) is not None


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value[:30]!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "an object"
