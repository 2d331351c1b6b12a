"""The statement PDF in every language, read back row by row (poppler's ``pdftotext -bbox``).

Finding the script somewhere in the file proves nothing (fpdf2 2.8.3 kept only the first row's
Indic words): each entry's row must carry its own date with the language's month, its kind, its
details and its amounts. pdftotext puts a space inside shaped words ("कि सने"), so rows are
compared without spaces.
"""
import html
import logging
import re
import subprocess
from datetime import date

import pytest

from khata import customers, demo, principals, statement, statement_pdf
from khata.dates import format_day
from khata.i18n import LANGUAGES, _, use_language
from khata.money import format_inr
from khata.reports import entry_details
from tests.roots import OWNER, root_at

TODAY = date(2026, 11, 27)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
LEFT_MARGIN_PT = 15 / 25.4 * 72


@pytest.fixture(scope="module")
def busiest(tmp_path_factory):
    """The demo shop and its customer with the most entries."""
    path = tmp_path_factory.mktemp("demo") / "khata.duckdb"
    demo.create_demo(root_at(path), today=TODAY)
    sid = root_at(path).on_connection(lambda con: con.execute("SELECT shop_id FROM shops").fetchone()[0])
    cid = root_at(path).on_connection(lambda con: con.execute(
        "SELECT customer_id FROM (SELECT customer_id FROM loans UNION ALL SELECT customer_id FROM repayments)"
        " GROUP BY 1 ORDER BY count(*) DESC, customer_id LIMIT 1").fetchone()[0])
    return path, sid, cid


def _words(pdf: bytes, tmp_path) -> list[tuple[int, float, float, str]]:
    """(page, x, y-centre, text) of every word."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    words = []
    for page, chunk in enumerate(xhtml.split("<page ")[1:], start=1):
        for x0, y0, _x1, y1, text in WORD.findall(chunk):
            words.append((page, float(x0), (float(y0) + float(y1)) / 2, html.unescape(text)))
    return words


def _rows(words) -> list[str]:
    """The table's rows, each its words in reading order without spaces. A row is found by its
    date (the day number at the left margin); every other word goes to the row whose date is
    nearest in height, within half the distance to the neighbouring rows."""
    rows = []
    for page in sorted({w[0] for w in words}):
        on_page = [w for w in words if w[0] == page]
        anchors = sorted(y for _p, x, y, text in on_page if x < LEFT_MARGIN_PT + 4 and text.isdigit())
        for n, y in enumerate(anchors):
            up = (y - anchors[n - 1]) / 2 if n else (anchors[1] - y) / 2 if len(anchors) > 1 else 8
            down = (anchors[n + 1] - y) / 2 if n + 1 < len(anchors) else up
            mine = sorted((round(wy, 0), x, text) for _p, x, wy, text in on_page if y - up < wy <= y + down)
            rows.append("".join(text for _y, _x, text in mine))
    return rows


def _bare(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_row_of_the_busiest_customers_statement_is_complete_in_each_language(busiest, language, tmp_path,
                                                                                   caplog):
    path, sid, cid = busiest
    with use_language("en"):  # the screen's language: the PDF is in the customer's, whatever the screen's
        root_at(path).write(sid, principals.owner("demo"), customers.update_customer, cid, language=language)
        found = root_at(path).read(sid, OWNER, statement.statement_for, cid, today=TODAY)
    assert found["language"] == language and len(found["entries"]) >= 15
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = statement_pdf.statement_pdf(found)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # fpdf2: no glyph missing in a font

    rows = _rows(_words(pdf, tmp_path))
    assert len(rows) == len(found["entries"])
    with use_language(language):
        for row, entry in zip(rows, found["entries"], strict=True):
            expected = [format_day(entry["entry_date"]), _(statement_pdf.ENTRY_WORDS[entry["entry"]]),
                        entry_details(entry), format_inr(entry["balance"])]
            expected += [format_inr(entry[k]) for k in ("debit", "credit") if entry[k]]
            # a cell may wrap between words (Details), so each word of it, not the whole piece
            missing = [piece for piece in expected if not all(word in row for word in piece.split())]
            assert not missing, f"{language}: row {row!r} lacks {missing}"
        month = format_day(found["entries"][-1]["entry_date"]).split()[1]
        if language != "en":
            assert not re.search(r"[A-Za-z]", month), f"{language}: the month {month!r} is not in the language"


@pytest.mark.parametrize("language", ["hi", "ta", "kn"])
def test_headings_are_never_cut_in_the_middle_of_a_word(busiest, language, tmp_path):
    path, sid, cid = busiest
    root_at(path).write(sid, principals.owner("demo"), customers.update_customer, cid, language=language)
    pdf = statement_pdf.statement_pdf(root_at(path).read(sid, OWNER, statement.statement_for, cid, today=TODAY))
    lines: dict[tuple[int, int], list] = {}
    for page, x, y, text in _words(pdf, tmp_path):
        lines.setdefault((page, round(y)), []).append((x, text))
    joined = ["".join(t for _x, t in sorted(words)) for words in lines.values()]
    with use_language(language):
        headings = [_("Date"), _("Entry"), _("Details"), _("Sale"), _("Paid"), _("Balance"), _("Entered by")]
    for heading in headings:
        for word in heading.split():
            assert any(_bare(word) in line for line in joined), f"{language}: heading word {word!r} was broken"


def test_the_pdf_uses_only_embedded_noto_fonts_of_the_language(busiest, tmp_path):
    path, sid, cid = busiest
    root_at(path).write(sid, principals.owner("demo"), customers.update_customer, cid, language="ta")
    pdf_path = tmp_path / "ta.pdf"
    pdf_path.write_bytes(statement_pdf.statement_pdf(root_at(path).read(sid, OWNER, statement.statement_for, cid,
                                                                        today=TODAY)))
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[0].split("+")[-1].startswith("NotoSans") and r[-5] == "yes" for r in rows), fonts
    assert any("NotoSansTamil" in r[0] for r in rows)


def test_the_pay_line_is_words_and_the_raw_link_is_only_in_the_qr(busiest, tmp_path):
    path, sid, cid = busiest
    root_at(path).write(sid, principals.owner("demo"), customers.update_customer, cid, language="hi")
    found = root_at(path).read(sid, OWNER, statement.statement_for, cid, today=TODAY)
    pdf = statement_pdf.statement_pdf(found)
    spaced = " ".join(w[3] for w in _words(pdf, tmp_path))
    text = _bare(spaced)
    assert "upi://" not in text and "%20" not in text
    with use_language("hi"):
        assert _bare(statement.pay_words(found)) in text
    assert "demokirana@okaxis" in text and _bare(format_inr(found["due"])) in text
    assert "+919812345670" not in spaced and "+91 98123 45670" in spaced  # phones written for people


def test_a_tamil_customers_pdf_downloaded_from_a_hindi_screen_is_all_tamil(busiest, tmp_path, monkeypatch):
    """What the customer page's button sends (dashboard.reads.statement_pdf_maker) with the screen in Hindi."""
    from dashboard.reads import statement_pdf_maker

    path, sid, cid = busiest
    monkeypatch.setenv("KHATA_DB", str(path))
    monkeypatch.setattr("dashboard.door.me", lambda: principals.owner("demo"))  # the logged-in owner
    root_at(path).write(sid, principals.owner("demo"), customers.update_customer, cid, language="ta")
    pdf = statement_pdf_maker(sid, cid, "hi")()
    rows = _rows(_words(pdf, tmp_path))
    assert rows and not [row for row in rows if re.search("[\u0900-\u097f]", row)]  # no Devanagari in any row
    with use_language("ta"):
        kinds = {_(word) for word in statement_pdf.ENTRY_WORDS.values()}
    assert all(any(_bare(kind) in row for kind in kinds) for row in rows)
