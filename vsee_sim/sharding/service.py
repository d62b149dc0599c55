"""The operator's view across shards, over HTTP: which shard holds a namespace, every
shard's namespaces, and a drop, export or import sent to the right shard.

``Shards(["http://a:8000", "http://b:8000"])`` lists the shards in the order of the
router's ``server`` lines (HAProxy ids 1..N): the namespace ``ci-42`` lives on
``shards.url_for("ci-42")``, found by the same ring HAProxy uses (``rules.Ring``).
Nothing here routes traffic: the router does; this only finds and inspects.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from vsee_sim.remote import Remote, Response, unreachable
from vsee_sim.sharding.rules import WEIGHT, NginxRing, Ring

TIMEOUT = 10.0  # seconds per shard request: a dead shard costs the listing this, not a hang


class ShardsError(ValueError):
    """A --shards list the CLI cannot use; the message says what to change."""


def parse_urls(text: str) -> list[str]:
    """``URL,URL,...`` as given to --shards (or VSEE_SIM_SHARDS): stripped, in order, no repeats."""
    urls = [u.strip().rstrip("/") for u in (text or "").split(",") if u.strip()]
    if not urls:
        raise ShardsError("--shards wants the shards' URLs, comma-separated, in the router's server order")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ShardsError(f"--shards: {url!r} is not an http:// or https:// URL")
    seen = {u for u in urls if urls.count(u) > 1}
    if seen:
        raise ShardsError(f"--shards: {sorted(seen)[0]} is listed twice")
    return urls


@dataclass
class Row:
    """One namespace as a shard reports it (``GET /_sim/namespaces``)."""

    shard: str          # the shard's name (its --shard) or its URL when it has none
    url: str
    namespace: str
    fixture: str
    home: bool          # False: the ring sends this namespace to another shard (moved layout)


ROUTERS = ("haproxy", "nginx")


class Shards:
    """``router``: whose ring finds a namespace's shard: "haproxy" (deploy/haproxy.cfg: server
    ids in the order of ``urls``) or "nginx" (deploy/nginx.conf: its server lines must carry
    the URLs' host:port as written, weight 1 unless ``weight`` says otherwise)."""

    def __init__(self, urls: list[str], weight: int | None = None, admin_token: str | None = None,
                 timeout: float = TIMEOUT, router: str = "haproxy"):
        self.urls = list(urls)
        if router == "nginx":
            self.ring = NginxRing([urlsplit(u).netloc for u in self.urls], weight or 1)
        else:
            self.ring = Ring(len(self.urls), weight or WEIGHT)
        self.admin_token = admin_token
        self.timeout = timeout

    def index_of(self, namespace: str) -> int:
        return self.ring.shard_of(namespace)

    def url_for(self, namespace: str) -> str:
        """The URL of the shard that holds ``namespace`` (where the router sends it)."""
        return self.urls[self.index_of(namespace)]

    def remote(self, url: str, namespace: str | None = None) -> Remote:
        return Remote(url, namespace=namespace, admin_token=self.admin_token, timeout=self.timeout)

    def _health(self, url: str) -> dict:
        resp = self.remote(url).get("/_sim/health")
        return resp.data if resp.status == 200 else {}

    def list(self) -> tuple[list[Row], list[str]]:
        """Every shard's namespaces (sorted by name) and one line per shard that did not answer:
        a dead shard hides only its own namespaces."""
        rows: list[Row] = []
        problems: list[str] = []
        seen: dict[str, str] = {}
        for i, url in enumerate(self.urls):
            try:
                shard = self._health(url).get("shard") or url
                resp = self.remote(url).get("/_sim/namespaces")
            except OSError as exc:
                problems.append(unreachable(url, exc, "--shards"))
                continue
            if resp.status != 200:
                problems.append(f"{url} answered {resp.status}: {message_of(resp)}")
                continue
            if shard in seen:   # two URLs, one process: the list is not the router's
                problems.append(f"{url} and {seen[shard]} are the same shard ({shard}): list each shard once")
            seen[shard] = url
            for item in resp.data:
                name = item["namespace"]
                rows.append(Row(shard, url, name, item.get("fixture", ""), self.index_of(name) == i))
        rows.sort(key=lambda r: (r.namespace, r.url))
        return rows, problems

    def drop(self, namespace: str) -> Response:
        """``DELETE /_sim/namespaces/<name>`` on the shard that holds it."""
        return self.remote(self.url_for(namespace)).delete(f"/_sim/namespaces/{quote(namespace, safe='')}")


def message_of(resp: Response) -> str:
    try:
        payload = resp.json()
    except ValueError:
        return resp.body[:200].decode("utf-8", "replace")
    return str(payload.get("message")) if isinstance(payload, dict) else str(payload)[:200]
