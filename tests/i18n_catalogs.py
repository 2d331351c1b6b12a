"""What the catalog tests share: the code's strings extracted afresh with Babel (babel.cfg),
a language's catalog read from a locale directory, what is wrong with it, and fake
catalogs for checking the tests themselves.

Fake catalogs (never committed) turn every English letter of a msgid into a Devanagari one,
placeholders kept, so a page drawn with them shows no English label word:
    .venv/bin/python -m tests.i18n_catalogs /tmp/khata-fake-locale
    .venv/bin/python -m pytest -q tests/unit/test_catalogs.py tests/pages/test_languages.py \
        --locale-dir=/tmp/khata-fake-locale
"""
from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from khata.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "ngettext": (1, 2)}  # what scripts/i18n.sh passes to pybabel


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    where: tuple[str, ...]


def extract(root: Path = ROOT, cfg: Path | None = None) -> dict[str, Message]:
    """Every string marked in the code under ``root``, read now (not the committed .pot)."""
    with open(cfg or ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, Message] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if not msgid:
            continue
        before = found.get(msgid)
        where = (before.where if before else ()) + (filename,)
        found[msgid] = Message(msgid, plural or (before.plural if before else None), where)
    return found


def catalog_path(locale_dir: Path, code: str) -> Path:
    return Path(locale_dir) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale_dir: Path, code: str) -> Catalog | None:
    path = catalog_path(locale_dir, code)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def placeholders(text: str) -> set[str]:
    """The named fields of a str.format template: {amount}, {n}, ..."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as err:  # an unbalanced brace: the .format() call would fail
        return {f"<bad braces: {err}>"}


def problems(messages: dict[str, Message], catalog: Catalog | None, code: str) -> list[str]:
    """Each msgid the catalog lacks, leaves empty or fuzzy, or translates with other placeholders."""
    if catalog is None:
        return [f"{code}: no catalog {catalog_path(Path('khata/locale'), code)} (run bash scripts/i18n.sh)"]
    found = []
    for msgid, message in sorted(messages.items()):
        entry = catalog.get(msgid)
        if entry is None:
            found.append(f"{code}: missing {msgid!r} (from {', '.join(sorted(set(message.where)))})")
            continue
        strings = entry.string if isinstance(entry.string, (list, tuple)) else (entry.string,)
        if entry.fuzzy:
            found.append(f"{code}: fuzzy {msgid!r}")
        elif not all(s and s.strip() for s in strings):
            found.append(f"{code}: not translated {msgid!r}")
        else:
            wanted = placeholders(msgid) | (placeholders(message.plural) if message.plural else set())
            for translated in strings:
                if placeholders(translated) != wanted:
                    found.append(f"{code}: placeholders of {msgid!r} are {sorted(wanted)}, "
                                 f"the translation {translated!r} has {sorted(placeholders(translated))}")
    return found


_FIELD = re.compile(r"(\{[^{}]*\})")


def fake(text: str) -> str:
    """English letters -> Devanagari letters outside {placeholders}; Markdown and digits stay."""
    def letters(part: str) -> str:
        return "".join(chr(0x0915 + (ord(ch) - 65) % 32) if ch.isascii() and ch.isalpha() else ch for ch in part)
    return "".join(part if _FIELD.fullmatch(part) else letters(part) for part in _FIELD.split(text))


def write_fake_catalogs(locale_dir: Path, messages: dict[str, Message] | None = None) -> Path:
    """A .po and a .mo per language with every string "translated" by ``fake``."""
    messages = extract() if messages is None else messages
    for code in TRANSLATED:
        catalog = Catalog(locale=code, domain=DOMAIN, project="Credikhaata (fake translations for tests)")
        for message in messages.values():
            if message.plural:
                catalog.add((message.msgid, message.plural),
                            tuple(fake(message.msgid if n == 0 else message.plural)
                                  for n in range(catalog.num_plurals)))
            else:
                catalog.add(message.msgid, fake(message.msgid))
        po = catalog_path(locale_dir, code)
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as handle:
            write_po(handle, catalog)
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
    return Path(locale_dir)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/khata-fake-locale")
    print(f"fake catalogs for {', '.join(TRANSLATED)} in {write_fake_catalogs(target)}")
