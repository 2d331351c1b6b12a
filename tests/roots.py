"""The tests' composition roots and principals.

A test process is one process: one ``Root`` per book file (so threads of a test share
its write lock, as the app's sessions do), built on the test's tmp file. ``OWNER`` is
the default shop's owner login (the ``shop`` fixture registers "ravi").
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from khata import principals, settings
from khata.principals import Principal
from khata.root import Root

OWNER = principals.owner("ravi")


@cache
def _root(resolved: str) -> Root:
    return Root(resolved, create=True)


def root_at(path) -> Root:
    """The test process's root for the book at ``path`` (created if missing, like ``khata init``);
    None: the book ``KHATA_DB`` names."""
    return _root(str(Path(path or settings.get("KHATA_DB")).expanduser().resolve()))


def env_root() -> Root:
    """The root of the book ``KHATA_DB`` names (the ``db_file`` fixture points it at the test's file)."""
    return root_at(settings.get("KHATA_DB"))


def who(role: str, name: str | None = None) -> Principal:
    """A principal of ``role`` (as the permission table spells it) named ``name``."""
    if role == principals.CUSTOMER:
        return principals.customer_link(1)
    return principals.Principal(role, name or f"a-{role}")
