"""Helpers for the portal tests: sign in through /auth, read pages by their data-testid."""

from __future__ import annotations

from html.parser import HTMLParser

from clinic import API_KEY

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self.attrs: dict[str, dict] = {}
        self.title: list[str] = []
        self.h1: list[str] = []
        self.links: list[str] = []
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        testid = attrs.get("data-testid")
        if testid is not None:
            self.texts.setdefault(testid, [])
            self.attrs[testid] = attrs
        for name in ("href", "src", "action"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "meta" and attrs.get("name") == "csrf-token":
            self.inputs["csrf"] = attrs.get("content") or ""
        if tag == "input" and attrs.get("name"):
            self.inputs.setdefault(attrs["name"], attrs.get("value") or "")
        if tag not in VOID:
            self.stack.append((tag, testid))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for tag, testid in self.stack:
            if testid is not None:
                self.texts[testid].append(data)
            if tag == "title":
                self.title.append(data)
            if tag == "h1":
                self.h1.append(data)


class Page:
    """A portal response, read as a person (or a test) would: by title, h1 and data-testid."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        parser = _Collector()
        parser.feed(self.html)
        self._p = parser

    def has(self, testid: str) -> bool:
        return testid in self._p.texts

    def text(self, testid: str) -> str:
        assert self.has(testid), f"no data-testid={testid!r} on the page:\n{self.html}"
        return " ".join("".join(self._p.texts[testid]).split())

    def attr(self, testid: str, name: str) -> str | None:
        return self._p.attrs[testid].get(name)

    @property
    def title(self) -> str:
        return " ".join("".join(self._p.title).split())

    @property
    def h1(self) -> str:
        return " ".join("".join(self._p.h1).split())

    @property
    def links(self) -> list[str]:
        return self._p.links

    @property
    def csrf(self) -> str:
        return self._p.inputs["csrf"]

    def testids(self, prefix: str = "") -> list[str]:
        return [t for t in self._p.texts if t.startswith(prefix)]


def sso(client, kind: int = 200, code: str = "pat", prefix: str = "", **profile) -> dict:
    """POST /api_v3/users/sso as the documented workflow does (X-ApiKey): the data."""
    body = {"type": kind, "code": code, "first_name": "Pat", "last_name": code.title(),
            "email": f"{code}@example.com", **profile}
    response = client.post(f"{prefix}/api_v3/users/sso", json=body, headers=API_KEY)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]
