"""Extract the documented request/response examples from the VSee Clinic API wiki page.

    python -m contract.extract [--areas settings,users,accounts|all] [--out contract/examples]
                               [--doc PATH] [--check]

Writes ``<out>/<area>.json`` (a JSON list of examples) for the chosen areas and
``<out>/README.md`` (counts and the blocks that could not become replayable examples).
Without ``--areas`` it refreshes the areas already present in ``--out``. ``--check``
writes nothing and fails if any file would change: the examples are generated, never
edited by hand. Per-example settings that the doc cannot give (``optional_keys``,
``allow_empty``) live in ``OVERRIDES`` below, so regenerating never loses them.

The page is an export: a section heading per endpoint (``POST /users/login.json
[public access]``) and code blocks as three lines, ``Code Block |``, ``---|`` and the
flattened block text ending in `` |``. A block holds one or more curl commands each
followed by a JSON response; a command without its own response shares the next one
(``users/login``: two commands, one response). A block of JSON alone gets a request
built from its heading when the heading has no ``:param``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from contract.curl import CurlError, parse_curl
from contract.lenient_json import LenientJSONError, loads


def _default_doc() -> str:
    """The team's copy of the documentation: $VSEE_API_DOC, else ../shared beside the repo."""
    if os.environ.get("VSEE_API_DOC"):
        return os.environ["VSEE_API_DOC"]
    beside = Path(__file__).resolve().parents[2] / "shared" / "seed" / "vsee-clinic-api.txt"
    return str(beside if beside.exists() else Path("/work/shared/seed/vsee-clinic-api.txt"))


DEFAULT_DOC = _default_doc()
DEFAULT_OUT = Path(__file__).resolve().parent / "examples"

AREA_HEADINGS = {
    "Settings API": "settings",
    "Users API": "users",
    "Clinic Account API": "accounts",
    "EMR API": "emr",
    "ePrescribe API": "erx",
    "Visits API": "visits",
    "Appointment API": "visits",
    "Payment API": "billing",
    "Rooms API": "rooms",
    "Push Notification API": "notifications",
    "File Upload API": "files",
}
AREAS = sorted(set(AREA_HEADINGS.values()))

# What the doc cannot express, by example name, merged into the example (nested dicts key
# by key) and noted in it: {"optional_keys": [...], "allow_empty": True} or, for a request
# the doc leaves incomplete, {"request": {"headers": {"X-ApiToken": "..."}}}. optional_keys
# are paths as shape_errors prints them, list indexes written "[]" ("data.slots[].group_id").
# Say why next to each entry.
# nullable_keys: documented with a value, null in the state the curl asks about; text_keys:
# documented text that looks numeric; ignore_keys: where the doc contradicts itself.
_NOT_STARTED_CALL = [f"data.call_logs.{k}" for k in (
    "total_start", "total_end", "total_duration", "waiting_time", "provider_id_1", "call_start_1",
    "call_duration_1", "wait_time_1")]
_BILLING_TOKEN = "6366a7018a39536a1ef4b63626f8e734"   # patient 201, the documented token
OVERRIDES: dict[str, dict] = {
    # The response's names are people's, and "01" is a last name, not a number.
    "visits.add_walkin.1": {"text_keys": ["data.member.last_name"]},
    # The doc's response ends with a stray "s": "ms" beside "data" (an export artefact).
    "visits.post.1": {"optional_keys": ["s", "data.related_walkin", "data.postvisit"], "allow_empty": True,
                      # a booking that has not happened yet has no call, walk-in or notes
                      "nullable_keys": ["data.actual_start", "data.related_walkin_id", "data.intake.consent",
                                        *_NOT_STARTED_CALL],
                      "ignore_keys": ["data.intake.attachments"]},
    # 575's list holds first the walk-in they wait in, for provider 826 (the documented
    # add_walkin's), whose documented profile has no photo; visits neither invoiced nor given
    # notes; the documented item is another patient's past visit.
    "visits.get.1": {"nullable_keys": ["data[].provider.photo", "data[].invoice_id"],
                     "optional_keys": ["data[].postvisit"]},
    # The curl asks for 7727 (confirmed, not started); the documented body is 18407167 (completed).
    # Its intake's "attachments" is "" where GET /intakes/:id documents a list.
    "visits.get_id.1": {"allow_empty": True,
                        "nullable_keys": ["data.actual_start", "data.related_walkin_id",
                                          "data.intake.consent", *_NOT_STARTED_CALL],
                        "optional_keys": ["data.related_walkin", "data.postvisit"],
                        "ignore_keys": ["data.intake.attachments"]},
    # The curl posts conditions (a list) but the documented response is a social_history object:
    # the doc pasted another section's answer. The answer is the saved section (docs/fidelity.md E5).
    "emr.post_users_id_emr_name.1": {"ignore_keys": ["data.data"]},
    # The curl's user (201) is in a call (7730); the documented body is a cancelled visit.
    "visits.current.1": {"nullable_keys": ["data.actual_end", "data.completed_by"],
                         "optional_keys": ["data.intake.reset"],
                         "text_keys": ["data.member.last_name", "data.member.phone", "data.provider.phone"]},
    # 201 has twelve notifications of several types; the documented item is a foodlog comment:
    # other types carry no image and other data (a visit's {visit_id}).
    "notifications.get.1": {"nullable_keys": ["data[].image"],
                            "optional_keys": ["data[].data.food_id", "data[].data.food_comment_id"]},
    # The Payment API shows responses only: its requests are built from the headings, with no
    # token (these calls are not "[public access]") and no body. Patient 201 (the documented
    # token) pays, with the source token and intake the tables describe (docs/fidelity.md BL1-BL9).
    # The documented key "2342342" is a placeholder; a Stripe publishable key is text (pk_test_...).
    "billing.settings.1": {"request": {"headers": {"X-ApiToken": _BILLING_TOKEN}},
                           "text_keys": ["data.stripe.publishable_key"]},
    "billing.post_sources.1": {"request": {"headers": {"X-ApiToken": _BILLING_TOKEN}, "encoding": "json",
                                           "json": {"type": "card", "source": "tok_visa"}}},
    # The demo's patient 201 has no card yet; tests/routes/test_billing_routes.py lists a full wallet.
    "billing.get_sources.1": {"request": {"headers": {"X-ApiToken": _BILLING_TOKEN}}, "allow_empty": True},
    # 201 has no card to charge, so the example prices the intake with the documented coupon
    # (charge=0): the documented body, times_redeemed 0 and amount_due 27 included.
    "billing.invoices_process.1": {"request": {"headers": {"X-ApiToken": _BILLING_TOKEN}, "encoding": "json",
                                               "json": {"intake_id": "582d4bac-4004-4a78-be63-9158ac1f0144",
                                                        "coupon": "10_percents_1479363579", "charge": 0}}},
}

_SECTION = re.compile(r"^(GET|POST|PUT|DELETE|PATCH) (/\S*)(.*)$")
_CURL = re.compile(r"(?:^|(?<=\s))curl\s")
_RESPONSE_FALLBACK = re.compile(r"(?:^|\s)(\{\s*\"?data\"?\s*[:}])")
_BINARY = re.compile(r"\s*\bBinary object\s*$")


@dataclass
class Section:
    area: str
    method: str
    path: str          # as in the heading, query included
    line: int
    slug: str = ""

    @property
    def title(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Result:
    examples: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)   # {"line", "section", "area", "reason"}
    counts: dict[str, int] = field(default_factory=dict)  # examples so far per "<area>.<slug>"


# -- reading the page ---------------------------------------------------------------------------


def extract(doc_text: str) -> Result:
    """Every example of the page, in page order, plus what could not be replayed."""
    lines = doc_text.splitlines()
    sections, blocks = _scan(lines)
    _name_sections(sections)
    result = Result()
    for section, intro, content, line in blocks:
        if section is None:
            result.skipped.append(_skip(None, line, "code block outside any API section"))
            continue
        _examples_from_block(section, intro, content, line, result)
    return result


def _scan(lines: list[str]):
    sections: list[Section] = []
    blocks: list[tuple[Section | None, str, str, int]] = []
    area = None
    section = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text in AREA_HEADINGS:
            area, section = AREA_HEADINGS[text], None
        elif area and (m := _SECTION.match(text)):
            section = Section(area, m.group(1), m.group(2), i + 1)
            sections.append(section)
        elif text == "Code Block |" and i + 2 < len(lines) and lines[i + 1].strip() == "---|":
            content = lines[i + 2].strip()
            content = content[:-1].rstrip() if content.endswith("|") else content
            intro = next((x.strip() for x in reversed(lines[:i]) if x.strip()), "")
            blocks.append((section, intro, content, i + 3))
    return sections, blocks


def _name_sections(sections: list[Section]) -> None:
    """``<slug>``: the path's fixed segments, without a leading segment naming the area.

    Where two headings of an area share that slug (``GET /me``, ``POST /me``), both get
    the method and every segment instead (``get_me``, ``post_me``; ``get_intakes_id``).
    """
    def segments(s: Section) -> list[str]:
        path = s.path.split("?", 1)[0]
        segs = [seg.removesuffix(".json") for seg in path.split("/") if seg]
        if segs and segs[0] == s.area:
            segs = segs[1:]
        return segs

    short = {id(s): "_".join(x for x in segments(s) if not x.startswith(":")) or "index" for s in sections}
    by_slug: dict[tuple[str, str], set[str]] = {}
    for s in sections:
        by_slug.setdefault((s.area, short[id(s)]), set()).add(s.title)
    for s in sections:
        if len(by_slug[(s.area, short[id(s)])]) > 1:
            s.slug = "_".join([s.method.lower()] + [x.lstrip(":") for x in segments(s)])
        else:
            s.slug = short[id(s)]
    names = [(s.area, s.slug) for s in sections]
    dupes = {n for n in names if names.count(n) > 1 and _titles(sections, n) > 1}
    if dupes:
        raise SystemExit(f"extract: ambiguous example names {sorted(dupes)}")


def _titles(sections: list[Section], key: tuple[str, str]) -> int:
    return len({s.title for s in sections if (s.area, s.slug) == key})


def _split_block(content: str) -> list[tuple[str | None, str | None]]:
    """``[(curl command or None, response text or None), ...]`` in block order."""
    starts = [m.start() for m in _CURL.finditer(content)]
    if not starts:
        return [(None, content)]
    pieces = [content[a:b].strip() for a, b in zip(starts, starts[1:] + [len(content)], strict=True)]
    out = []
    for piece in pieces:
        if m := _BINARY.search(piece):
            out.append((piece[: m.start()], "Binary object"))
            continue
        at = _response_start(piece)
        if at is None:
            out.append((piece, None))
        else:
            out.append((piece[:at].strip(), piece[at:].strip()))
    return out


def _response_start(piece: str) -> int | None:
    """Offset of the response JSON: the first '{' that starts a word outside shell quotes."""
    quote = None
    i = 0
    while i < len(piece):
        ch = piece[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = None
        elif ch == "\\":
            i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "{" and (i == 0 or piece[i - 1].isspace()):
            return i
        i += 1
    # Unbalanced shell quotes (a doubled closing quote): fall back to the usual opening.
    m = _RESPONSE_FALLBACK.search(piece)
    return m.start(1) if m else None


def _examples_from_block(section: Section, intro: str, content: str, line: int, result: Result) -> None:
    pairs = _split_block(content)
    if pairs == [(None, content)]:
        _json_only_block(section, intro, content, line, result)
        return
    # A command without a response shares the next response in the block.
    pending: list[str] = []
    for curl, response in pairs:
        pending.append(curl)
        if response is None:
            continue
        for cmd in pending:
            _add_example(section, intro, line, cmd, response, result)
        pending = []
    for cmd in pending:
        result.skipped.append(_skip(section, line, f"curl command without a response: {cmd[:60]}..."))


def _json_only_block(section: Section, intro: str, content: str, line: int, result: Result) -> None:
    if not content.lstrip().startswith(("{", "[")):
        result.skipped.append(_skip(section, line, "code block is not a request/response example"))
    elif intro != "Response":
        result.skipped.append(_skip(section, line, f"JSON without a request, introduced by {intro!r}"))
    elif ":" in section.path:
        result.skipped.append(_skip(section, line, "response only (no curl) and the path has :params"))
    else:
        path = "/api_v3" + section.path
        request = {"method": section.method, "path": path, "headers": {}, "encoding": "none"}
        note = "request synthesized from the section heading (the doc shows no curl)"
        _add_example(section, intro, line, None, content, result, request=request, notes=[note])


def _add_example(section, intro, line, cmd, response_text, result, request=None, notes=None) -> None:
    notes = list(notes or [])
    try:
        if request is None:
            request, curl_notes = parse_curl(cmd)
            notes += curl_notes
            if not _path_matches(section.path, request["path"]):
                notes.append(f"the curl path {request['path'].split('?')[0]!r} is not the heading's path")
        response = {"status": 200}
        if response_text == "Binary object":
            response.update(body=None, binary=True)
        else:
            body, body_notes = loads(response_text)
            response["body"] = body
            notes += [f"response: {n}" for n in body_notes]
    except (CurlError, LenientJSONError) as exc:
        result.skipped.append(_skip(section, line, f"cannot parse: {exc}"))
        return
    stem = f"{section.area}.{section.slug}"
    result.counts[stem] = result.counts.get(stem, 0) + 1
    name = f"{stem}.{result.counts[stem]}"
    example = {
        "name": name,
        "section": section.title,
        "title": _title(intro),
        "line": line,
        "area": section.area,
        "request": request,
        "response": response,
        "notes": notes,
        "optional_keys": [],
        "allow_empty": False,
    }
    if name in OVERRIDES:
        _merge(example, OVERRIDES[name])
        example["notes"].append(f"extractor OVERRIDES applied: {sorted(OVERRIDES[name])}")
    result.examples.append(example)


def _merge(into: dict, extra: dict) -> None:
    """Nested dicts merge key by key (``{"request": {"headers": {...}}}`` adds a header)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _title(intro: str) -> str | None:
    """A short label line before the block ("Guest SSO"), not "Response" or a prose note."""
    return intro if intro != "Response" and len(intro) <= 40 and not intro.endswith(".") else None


def _path_matches(heading_path: str, request_path: str) -> bool:
    """Does the curl URL fit the heading (``:params`` match a segment; ``.json`` optional)?"""
    pattern = re.escape(heading_path.split("?", 1)[0].removesuffix(".json"))
    pattern = re.sub(r":\w+", ".+", pattern)   # :path spans segments
    path = request_path.split("?", 1)[0].removesuffix(".json")
    return re.fullmatch(r".*/api_v3" + pattern, path) is not None


def _skip(section: Section | None, line: int, reason: str) -> dict:
    return {"line": line, "section": section.title if section else None,
            "area": section.area if section else None, "reason": reason}


# -- writing ------------------------------------------------------------------------------------


def render(result: Result, areas: list[str], present: set[str]) -> dict[str, str]:
    """File name -> content for the chosen areas and the README (areas present after writing)."""
    files = {}
    for area in areas:
        items = [e for e in result.examples if e["area"] == area]
        files[f"{area}.json"] = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    files["README.md"] = _readme(result, present | set(areas))
    return files


def _readme(result: Result, written: set[str]) -> str:
    out = [
        "# Recorded examples (generated: do not edit)",
        "",
        "Written by `python -m contract.extract` from the VSee Clinic API wiki page",
        "(`vsee-clinic-api.txt`). To change an example, change the extractor (or its",
        "`OVERRIDES`) and regenerate; `python -m contract.extract --check` fails on hand edits.",
        "",
        "| area | examples in the doc | recorded here |",
        "|---|---|---|",
    ]
    for area in AREAS:
        n = sum(1 for e in result.examples if e["area"] == area)
        out.append(f"| {area} | {n} | {'yes' if area in written else 'no'} |")
    synthesized = [e for e in result.examples if any(n.startswith("request synthesized") for n in e["notes"])]
    out += ["", "## Requests built from the heading", "",
            "The doc shows only the response; the request is the heading's method and path,",
            "with no headers and no body.", ""]
    out += [f"- `{e['name']}` ({e['section']}, line {e['line']})" for e in synthesized]
    out += ["", "## Not replayable", "", "| line | area | section | reason |", "|---|---|---|---|"]
    for s in result.skipped:
        reason = s["reason"].replace("|", "\\|")
        out.append(f"| {s['line']} | {s['area'] or ''} | {s['section'] or ''} | {reason} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contract.extract", description=__doc__.split("\n")[0])
    parser.add_argument("--areas", help="comma-separated areas, or 'all' (default: those already in --out)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--doc", type=Path, default=Path(DEFAULT_DOC))
    parser.add_argument("--check", action="store_true", help="write nothing; fail if a file would change")
    args = parser.parse_args(argv)

    present = {p.stem for p in args.out.glob("*.json")} if args.out.is_dir() else set()
    if args.areas == "all":
        areas = AREAS
    elif args.areas:
        areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    else:
        areas = sorted(present)
    unknown = sorted(set(areas) - set(AREAS))
    if unknown or not areas:
        parser.error(f"unknown areas {unknown}" if unknown else "no areas given and none present in --out")

    result = extract(args.doc.read_text(encoding="utf-8"))
    files = render(result, sorted(areas), present & set(AREAS))
    changed = [name for name, text in files.items()
               if not (args.out / name).exists() or (args.out / name).read_text(encoding="utf-8") != text]
    for area in AREAS:
        n = sum(1 for e in result.examples if e["area"] == area)
        print(f"{area:14} {n:3} examples{'  (written)' if area in areas else ''}", file=sys.stderr)
    print(f"not replayable: {len(result.skipped)} block(s), see README.md", file=sys.stderr)
    if args.check:
        if changed:
            print(f"out of date: {', '.join(changed)}", file=sys.stderr)
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
