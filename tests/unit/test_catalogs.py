"""Every string the code marks is translated in every language's catalog.

The strings are extracted afresh from the code (Babel, babel.cfg), not read from the
committed messages.pot, so a new English string without translations fails here even
if nobody re-ran scripts/i18n.sh. These fail until translators fill the catalogs; check
the checks with fake catalogs: see tests/i18n_catalogs.py.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from khata.i18n import DEFAULT_LANGUAGE, translations, use_language
from tests.i18n_catalogs import (
    ROOT,
    TRANSLATED,
    extract,
    fake,
    placeholders,
    problems,
    read_catalog,
    write_fake_catalogs,
)


@pytest.fixture(scope="module")
def messages():
    return extract()


def test_extraction_finds_the_apps_strings(messages):
    # from pages, helpers, services, N_() constants and ngettext plurals
    for msgid in ("Customers", "Save", "Overdue", "Log out", "Sign up your shop", "{field} is required.",
                  "{name} can take only {available} more on credit (limit {limit}, already owes {owed}).",
                  "Username or password is incorrect.", "Credit sales by status"):
        assert msgid in messages, msgid
    assert messages["{n} sale"].plural == "{n} sales"
    assert len(messages) > 300


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_is_translated(messages, locale_dir, code):
    found = problems(messages, read_catalog(locale_dir, code), code)
    assert not found, f"{len(found)} problems, the first ones:\n" + "\n".join(found[:40])


def test_the_committed_template_is_current(messages):
    """messages.pot (what translators start from) has every string of the code."""
    from babel.messages.pofile import read_po

    with (ROOT / "khata/locale/messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing = sorted(set(messages) - template)
    assert not missing, f"run `bash scripts/i18n.sh extract`; not in messages.pot: {missing[:20]}"


# ---- the checks themselves: they catch what they must --------------------------------------

def _project_copy(tmp_path):
    """The marked code in a temp dir, where a test may add a string."""
    copy = tmp_path / "project"
    for part in ("khata", "dashboard", "flows"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(ROOT / "streamlit_app.py", copy / "streamlit_app.py")
    return copy


def test_a_new_english_string_without_translation_fails(tmp_path, messages):
    fakes = write_fake_catalogs(tmp_path / "locale", messages)
    assert all(not problems(messages, read_catalog(fakes, code), code) for code in TRANSLATED)
    copy = _project_copy(tmp_path)
    page = copy / "dashboard/app_pages/overview.py"
    page.write_text(page.read_text() + '\nst.caption(_("A brand new caption, {n} times").format(n=2))\n')
    fresh = extract(copy, ROOT / "babel.cfg")
    assert "A brand new caption, {n} times" in fresh
    found = problems(fresh, read_catalog(fakes, "hi"), "hi")
    assert found == ["hi: missing 'A brand new caption, {n} times' (from dashboard/app_pages/overview.py)"]


def test_empty_fuzzy_and_broken_placeholders_are_caught(tmp_path, messages):
    fakes = write_fake_catalogs(tmp_path / "locale", messages)
    catalog = read_catalog(fakes, "hi")
    catalog["Customers"].string = ""
    catalog["Save"].flags.add("fuzzy")
    catalog["Added {name}."].string = "जोड़ा {naam}."
    catalog["Page"].string = "  "
    found = problems(messages, catalog, "hi")
    assert len(found) == 4, found
    assert "hi: not translated 'Customers'" in found and "hi: fuzzy 'Save'" in found
    assert "hi: not translated 'Page'" in found
    assert any("'Added {name}.'" in f and "naam" in f for f in found)
    assert problems(messages, None, "hi")[0].startswith("hi: no catalog")


def test_plural_forms_are_checked(tmp_path, messages):
    fakes = write_fake_catalogs(tmp_path / "locale", messages)
    catalog = read_catalog(fakes, "hi")
    entry = catalog["{n} sale"]
    entry.string = (entry.string[0], "")
    assert problems(messages, catalog, "hi") == ["hi: not translated '{n} sale'"]


def test_placeholders_are_the_named_fields():
    assert placeholders("{name} owes only {owed}; {amount} is more than that.") == {"name", "owed", "amount"}
    assert placeholders("no fields") == set()
    assert placeholders("{broken")  # an unbalanced brace is reported, not ignored
    assert fake("Owes you {amount} on **{date}**") .count("{amount}") == 1
    assert not any(ch.isascii() and ch.isalpha() for ch in fake("Owes you {amount}").replace("{amount}", ""))


def test_a_compiled_fake_catalog_is_what_the_app_reads(tmp_path, messages, monkeypatch):
    """The .mo path and domain khata.i18n loads are the ones the catalogs are written to."""
    from khata import i18n

    fakes = write_fake_catalogs(tmp_path / "locale", messages)
    monkeypatch.setattr(i18n, "LOCALE_DIR", fakes)
    translations.cache_clear()
    try:
        with use_language("hi"):
            assert i18n._("Customers") == fake("Customers") != "Customers"
            assert i18n.ngettext("{n} sale", "{n} sales", 3).format(n=3) == fake("{n} sales").format(n=3)
        with use_language(DEFAULT_LANGUAGE):
            assert i18n._("Customers") == "Customers"
    finally:
        translations.cache_clear()


def test_the_script_inits_updates_and_compiles_every_language(tmp_path):
    """scripts/i18n.sh in a copy of the project: a language with no catalog gets one (pybabel init),
    an existing translation survives the update, and every catalog is compiled to the .mo the app reads."""
    from babel.messages.pofile import write_po

    copy = _project_copy(tmp_path)
    (copy / "scripts").mkdir()
    shutil.copy(ROOT / "scripts/i18n.sh", copy / "scripts/i18n.sh")
    shutil.copy(ROOT / "babel.cfg", copy / "babel.cfg")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    hindi = read_catalog(write_fake_catalogs(copy / "khata/locale", {"Customers": extract()["Customers"]}), "hi")
    for code in TRANSLATED:
        if code != "hi":
            shutil.rmtree(copy / "khata/locale" / code)
    with (copy / "khata/locale/hi/LC_MESSAGES/messages.po").open("wb") as handle:
        write_po(handle, hindi)
    out = subprocess.run(["bash", "scripts/i18n.sh"], cwd=copy, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (copy / "khata/locale/messages.pot").is_file()
    for code in TRANSLATED:
        catalog = read_catalog(copy / "khata/locale", code)
        assert catalog is not None and "Save" in catalog, code  # made by init or update
        assert (copy / "khata/locale" / code / "LC_MESSAGES/messages.mo").is_file(), code
    assert read_catalog(copy / "khata/locale", "hi")["Customers"].string == fake("Customers")
    assert read_catalog(copy / "khata/locale", "ta")["Customers"].string == ""
    bad = subprocess.run(["bash", "scripts/i18n.sh", "nonsense"], cwd=copy, capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_no_code_hides_the_translation_function():
    """A local ``_`` (``for _ in ...``, ``x, _ = ...``) in a module that translates with ``_()``
    makes every ``_()`` of that function fail (UnboundLocalError) or return the wrong thing."""
    import ast

    offenders = []
    sources = [ROOT / "streamlit_app.py",
               *[p for d in ("khata", "dashboard", "flows") for p in (ROOT / d).rglob("*.py")]]
    for path in sources:
        tree = ast.parse(path.read_text())
        if not any(isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in ast.walk(tree)):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"`_` bound as a variable where it is the translation function: {offenders}"


def test_every_msgid_is_written_as_the_first_argument(messages):
    """Babel takes a literal *inside* ``_(WORDS["kind"])`` as the message: such a call puts a
    bogus entry ("kind") in the catalog. Every msgid must appear as ``_("...")``, ``N_("...")``
    or ``ngettext("...")`` in a file it is extracted from."""
    import re

    bogus = []
    for msgid, message in messages.items():
        source = "".join((ROOT / where).read_text() for where in set(message.where))
        start = re.escape(msgid.split("\n")[0][:15])
        if not re.search(r"(?:\b_|\bN_|\bngettext)\(\s*[\"']" + start, source):
            bogus.append((msgid, sorted(set(message.where))))
    assert not bogus, f"not a literal first argument (compute the key outside _()): {bogus}"
