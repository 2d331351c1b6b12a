"""What every form shares: an idempotency token per rendering, one submit helper
(run the write, show a refusal, or clear the shop's caches, renew the token,
flash and rerun), and the flash and error messages, always shown as plain text
because they quote names, items and notes from the book."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from khata.errors import KhataError
from khata.i18n import _

from . import cache, session
from .text import plain

FLASH = "_khata_flash"
Result = TypeVar("Result")


def form_token(name: str) -> str:
    """An idempotency key for one rendering of a form; the same until it succeeds,
    so a double-click (two reruns with the same form) posts once."""
    key = f"_form_token_{name}"
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex
    return st.session_state[key]


def renew_token(name: str) -> None:
    st.session_state[f"_form_token_{name}"] = uuid.uuid4().hex


def flash(message: str) -> None:
    """A success message shown after the rerun that follows a write."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    """The pending success message, as plain text."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(plain(message))


def show_error(err) -> None:
    """A refusal (from the core or the form), as plain text: it may quote what was typed."""
    st.error(plain(str(err)))


def submit(form: str, write: Callable[[], Result], message: str | Callable[[Result], str], *,
           on_success: Callable[[Result], None] | None = None,
           on_refused: Callable[[KhataError], None] | None = None) -> None:
    """Run one write for form ``form``. Refused: show the core's message in the form
    (what was typed stays). Done: clear this shop's cached reads, renew the form's
    token (an empty form), flash ``message`` and rerun."""
    try:
        result = write()
    except KhataError as err:
        show_error(err)
        if on_refused is not None:
            on_refused(err)
        return
    if on_success is not None:
        on_success(result)
    cache.forget_shop(session.shop_id())
    renew_token(form)
    flash(message(result) if callable(message) else message)
    st.rerun()


def progress_callback(bar):
    """A (done, total) callable for the importer that moves an ``st.progress`` bar."""
    def report(done_rows: int, total: int) -> None:
        fraction = min(1.0, done_rows / total) if total else 1.0
        bar.progress(fraction, text=_("Checked {done} of {total}").format(done=f"{min(done_rows, total):,}",
                                                                    total=f"{total:,}"))
    return report
