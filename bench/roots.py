"""The benchmarks' composition roots: one ``Root`` per book file in a bench process,
and the principal the benchmarks act as (the shop's owner login, as a person at the app)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from khata import principals
from khata.root import Root

OWNER = principals.owner("bench")


@cache
def _root(resolved: str) -> Root:
    return Root(resolved, create=True)


def root_at(path) -> Root:
    """This process's root for the book at ``path`` (created if missing: benchmarks build books)."""
    return _root(str(Path(path).expanduser().resolve()))
