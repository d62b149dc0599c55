"""Start-up: import-time work of our dependencies that no request needs, done on first use.

Installed by ``vsee_sim/__init__.py`` (a finder on ``sys.meta_path``), so it is in place
before any vsee_sim module imports marshmallow or flask-smorest. Measured with callgrind
(bench/README.md, "Start-up"):

- ``marshmallow.validate`` compiles the patterns of its ``Email`` validator as the module
  is imported; one is a case-insensitive class over U+00A1-U+FFFF, which ``re`` expands
  character by character: about 320 M instructions (60 ms), more than the rest of
  marshmallow, for a validator vsee-sim never uses. Here a pattern of that module that
  spans U+FFFF is compiled the first time it is used instead.
- ``flask_smorest.spec`` imports PyYAML for flask's ``openapi write --format yaml``
  command, which vsee-sim does not offer (``vsee-sim openapi print --format yaml``
  imports it itself). PyYAML is loaded lazily (``importlib.util.LazyLoader``): its code
  runs when one of its attributes is first read.

Neither changes what the modules do: a deferred pattern matches as the compiled one would.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import threading

_compile = re.compile
_patching = threading.Lock()


class DeferredPattern:
    """A compiled pattern, compiled when one of its methods or attributes is first used."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int):
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name: str):
        if name.startswith("__"):  # abc, copy and pickle look for these: not a pattern's
            raise AttributeError(name)
        compiled = self._compiled
        if compiled is None:  # two threads may both compile: the same pattern, no harm
            compiled = self._compiled = _compile(*self._args)
        return getattr(compiled, name)


def _deferring_compile(pattern, flags=0):
    if isinstance(pattern, str) and "\uffff" in pattern:
        return DeferredPattern(pattern, flags)
    return _compile(pattern, flags)


class _DeferPatterns(importlib.abc.Loader):
    """Runs a module with ``re.compile`` deferring its wide unicode classes."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with _patching:
            re.compile = _deferring_compile
            try:
                self.loader.exec_module(module)
            finally:
                re.compile = _compile


class _Finder(importlib.abc.MetaPathFinder):
    WRAP = {"marshmallow.validate": _DeferPatterns, "yaml": importlib.util.LazyLoader}

    def find_spec(self, name, path, target=None):
        wrap = self.WRAP.get(name)
        if wrap is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = wrap(spec.loader)
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once); a module already imported is left as it is."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
