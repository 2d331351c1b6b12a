"""Text from the book shown as typed: the one escaping helper.

Streamlit renders Markdown (with links, images, ``:red[...]`` colours, ``$...$``
LaTeX, ``:smile:`` emoji shortcodes and GitHub autolinks such as ``http://...``
or ``www....``) in titles, captions, alerts, toasts, metric and widget labels,
button, expander and tab labels and radio options. A customer called
``![x](http://host/p.png)`` would make the shopkeeper's browser fetch that
address. ``plain`` backslash-escapes every ASCII punctuation character (CommonMark
allows that for all of them), which shows the value literally and also breaks
the emoji, directive and LaTeX syntaxes. GitHub autolinks (``http://``, ``www.``,
``name@host``) are found in the text *after* escapes are resolved, so an
invisible WORD JOINER (U+2060) goes after ``:`` in ``://``, after ``www`` and after
``@``: the text reads the same and no link is made (checked in Chromium with
Streamlit 1.67). Selectbox options and dataframes are not Markdown: pass them raw.

Plotly draws a small HTML subset (``<a href>``, ``<b>``, ``<br>``) in chart text,
so names on a chart go through ``chart_text`` instead.
"""
from __future__ import annotations

import html
import re
import string
from collections.abc import Callable

from khata.i18n import _

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in string.punctuation})
JOINER = "\u2060"  # WORD JOINER: invisible, breaks GitHub's autolink patterns
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def plain(value) -> str:
    """``value`` as Markdown source that Streamlit shows exactly as typed."""
    if value is None:
        return ""
    return _AUTOLINK.sub(JOINER, str(value)).translate(_ESCAPES)


def chart_text(value) -> str:
    """``value`` for a plotly label or hover text: its HTML subset shown literally."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False)


def option_words(words: dict) -> Callable:
    """A ``format_func`` for options whose words are ``N_()`` constants, translated now: Streamlit
    (and AppTest) may call it outside this run, where the language is not this session's."""
    shown = {key: _(word) for key, word in words.items()}
    return lambda key: shown.get(key, key)
