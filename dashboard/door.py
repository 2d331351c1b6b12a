"""The dashboard's one door to the book: the app's composition root, the session's
principal, the one function every write goes through and the question pages ask.

- ``app_root()``: the Streamlit process's ``khata.root.Root``, built once from
  ``khata.settings`` (the process serves every session from threads, so its write
  lock must be one per process). A missing book is refused: ``BookMissing``.
- ``me()``: the session's principal, built from the login and its stored role (read
  again from the database on every run by ``auth.gate``); no session, no principal.
- ``write(service, *args, **kwargs)``: run one khata service in one transaction as the
  session's principal on the session's shop. ``dashboard/writes.py`` names each write
  the pages make; all of them come through here.
- ``unit()``: a read unit of work as the session's principal (``dashboard/reads.py``).
- ``can(service)``: may the session's principal call ``service``? The same table the
  services enforce (``khata/permissions.py``): a page offers a control only when
  ``can`` says yes, and holds no role list of its own.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from khata import permissions, principals, settings
from khata.principals import Principal
from khata.root import Root

from .session import current, shop_id

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _root(path: str) -> Root:
    return Root(path)


def app_root() -> Root:
    """This process's root for the configured book (``KHATA_DB``). Cached per configured
    file only so a test that points ``KHATA_DB`` at another file gets that file's root."""
    return _root(str(settings.get("KHATA_DB")))


def me() -> Principal:
    """The logged-in person as a principal: their username and their stored role."""
    who = current()
    return principals.login(who["username"], who["role"])


def service_name(service: Callable) -> str:
    """``khata.loans.create_loan`` -> ``loans.create_loan``, the permission table's key."""
    return f"{service.__module__.removeprefix('khata.')}.{service.__name__}"


def can(service: str | Callable) -> bool:
    """May the session's principal call ``service`` (its table name or the function)?"""
    name = service if isinstance(service, str) else service_name(service)
    return permissions.allowed(me(), name)


def refusal(service: str) -> str:
    """What a refusal of ``service`` says, in the session's language (to explain a missing control)."""
    return permissions.refusal(service)


def write(service: Callable[..., T], *args, **kwargs) -> T:
    """The one door for writes: ``service`` in one transaction, as the session's principal,
    on the session's shop. A refusal (``NotAllowed``) changes nothing."""
    return app_root().write(shop_id(), me(), service, *args, **kwargs)


def unit(sid: int | None = None):
    """A read unit of work as the session's principal (the session's shop by default)."""
    return app_root().unit(shop_id() if sid is None else sid, me())
