"""Compiled catalogs for tests: ``.mo`` files are built, never committed (``make test``'s set-up
compiles them; this does the same for a test run on its own, for any catalog newer than its .mo)."""
from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from khata import i18n


def compiled() -> None:
    for po in i18n.LOCALE_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as out:
                write_mo(out, catalog)
    i18n.translations.cache_clear()


def hindi(message: str, **values) -> str:
    """``message`` as the Hindi catalog has it (formatted); refuses an untranslated one, so a test
    comparing with it really compares Hindi."""
    with i18n.use_language("hi"):
        translated = i18n._(message)
    assert translated != message, f"the Hindi catalog has no translation of {message!r}"
    return translated.format(**values) if values else translated
