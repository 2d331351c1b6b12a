"""The statement as a PDF a customer can pay from: entries, running balance, and a UPI QR.

fpdf2 with text shaping (uharfbuzz) and Noto fonts from Debian's ``fonts-noto-core``
(installed by the project's set-up), so names typed in Devanagari, Gujarati, Bengali,
Tamil, Telugu or Kannada come out with their conjuncts and matras. The statement is in the
customer's language (labels, month names; money keeps Latin digits and lakh grouping), written
in that script's Noto font. Black on white only: it must print on the shop's cheapest printer.

fpdf2 up to 2.8.3 lost the words of every table row after the first (py-pdf/fpdf2#1772, fixed
in 2.8.4): when a line's first piece of text was in a fallback font (a Latin date digit, an
English item), that font stayed the "current" one, so the next row's Devanagari or Tamil letters
were looked up in the Latin font and dropped. requirements.txt pins a release with the fix and
tests/services/test_statement_languages.py reads every row back in every language.
"""
from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

from .dates import format_day
from .errors import KhataError
from .i18n import N_, _, current_language, use_language
from .money import format_inr
from .phones import pretty_phone
from .reports import entry_details
from .statement import pay_words

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
LATIN = ("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
SCRIPTS = {s: (f"Noto{s}", f"NotoSans{s}-Regular.ttf", f"NotoSans{s}-Bold.ttf")
           for s in ("Devanagari", "Gujarati", "Bengali", "Tamil", "Telugu", "Kannada")}
# The script of each language's own font. It comes first, so characters several fonts have
# (the danda, joiners ZWJ/ZWNJ) are taken from the same font as the letters around them and
# shape with them; Latin (digits, ₹ amounts, English names) and other scripts fall back.
LANGUAGE_SCRIPT = {"hi": "Devanagari", "mr": "Devanagari", "gu": "Gujarati", "bn": "Bengali", "ta": "Tamil",
                   "te": "Telugu", "kn": "Kannada"}
ENTRY_WORDS = {"sale": N_("Credit sale"), "repayment": N_("Payment"), "sale reversed": N_("Sale reversed"),
               "repayment reversed": N_("Payment reversed")}


class FontsMissing(KhataError):
    """The Noto fonts are not installed (``make run`` installs fonts-noto-core)."""


def _fonts(pdf: FPDF, language: str) -> str:
    """Load Latin and every Indian script; returns the family to write in for ``language``."""
    fonts = [LATIN, *SCRIPTS.values()]
    for family, regular, bold in fonts:
        for style, name in (("", regular), ("B", bold)):
            path = FONT_DIR / name
            if not path.exists():
                raise FontsMissing(_("The statement fonts are not installed (Debian package fonts-noto-core); "
                                     "run `make run` once to install them."))
            pdf.add_font(family, style, str(path))
    main = SCRIPTS[LANGUAGE_SCRIPT[language]] if language in LANGUAGE_SCRIPT else LATIN
    pdf.set_fallback_fonts([family for family, _r, _b in fonts if family != main[0]])
    pdf.set_text_shaping(True)
    return main[0]


def _day(value) -> str:
    return format_day(value) if value else ""


def qr_png(link: str) -> bytes:
    """The UPI link as a QR code image (black on white, quiet zone included)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def draw_qr(pdf: FPDF, link: str, *, x: float, y: float, size: float) -> None:
    """The QR as filled squares (vector): sharp on any printer, at any zoom."""
    qr = segno.make(link, error="m")
    border = 4
    modules = qr.symbol_size(scale=1, border=border)[0]
    cell = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, bits in enumerate(qr.matrix):
        for col, dark in enumerate(bits):
            if dark:
                pdf.rect(x + (col + border) * cell, y + (row + border) * cell, cell, cell, style="F")


def statement_pdf(statement: dict) -> bytes:
    """A4 statement in the customer's language (``statement["language"]``): header, the amount
    due, a QR to pay it, then every entry with its running balance."""
    with use_language(statement.get("language") or current_language()) as language:
        return _draw(statement, language)


def _draw(statement: dict, language: str) -> bytes:
    shop, customer = statement["shop"], statement["customer"]
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    font = _fonts(pdf, language)
    pdf.set_title(_("Statement for {name}").format(name=customer["name"]))
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(font, "B", 16)
    pdf.multi_cell(width, 8, shop["name"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    if shop.get("phone"):
        pdf.cell(width, 6, _("Phone: {phone}").format(phone=pretty_phone(shop["phone"])), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(font, "B", 13)
    pdf.multi_cell(width, 7, _("Statement for {name}").format(name=customer["name"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    pdf.cell(width, 6, _("Customer phone: {phone}").format(phone=pretty_phone(customer["phone"])),
             new_x="LMARGIN", new_y="NEXT")
    period = (_("Period: {start} to {end}").format(start=_day(statement["period_from"]),
                                                   end=_day(statement["period_to"]))
              if statement["period_from"] else _("No entries yet."))
    pdf.cell(width, 6, period, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    top = pdf.get_y()
    pdf.set_font(font, "B", 14)
    pdf.cell(width - 50, 8, _("Amount due: {amount}").format(amount=format_inr(statement["due"])),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 11)
    pdf.cell(width - 50, 7, _("Overdue: {amount}").format(amount=format_inr(statement["overdue"])),
             new_x="LMARGIN", new_y="NEXT")
    if statement["upi_link"]:
        pdf.set_font(font, "", 10)
        pdf.multi_cell(width - 50, 5.5, pay_words(statement), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 9)
        pdf.multi_cell(width - 50, 5, _("Scan the QR code with any UPI app to pay."),
                       new_x="LMARGIN", new_y="NEXT")
        draw_qr(pdf, statement["upi_link"], x=pdf.l_margin + width - 45, y=top, size=45)
        pdf.set_y(max(pdf.get_y(), top + 47))
    elif statement["due"] > 0:
        pdf.cell(width, 6, _("Please pay at the shop."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font(font, "", 9)
    headings = (_("Date"), _("Entry"), _("Details"), _("Sale"), _("Paid"), _("Balance"), _("Entered by"))
    rows = [(
        _day(entry["entry_date"]),
        _(ENTRY_WORDS.get(entry["entry"], entry["entry"])),
        entry_details(entry) or "",  # in the statement's language, whatever the screen's
        format_inr(entry["debit"]) if entry["debit"] else "",
        format_inr(entry["credit"]) if entry["credit"] else "",
        format_inr(entry["balance"]),
        entry.get("created_by") or "",
    ) for entry in statement["entries"]]
    with pdf.table(col_widths=_column_widths(pdf, font, headings, rows), width=width,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                   line_height=5.5, first_row_as_headings=True) as table:
        table.row(headings)
        for row in rows:
            table.row(row)
    pdf.ln(3)
    pdf.set_font(font, "B", 11)
    pdf.cell(width, 7, _("Balance to pay: {amount}").format(amount=format_inr(statement["due"])),
             new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# Columns whose cells are never wrapped (a date, the entry's kind, an amount); the others wrap
# between words only.
_WHOLE = (True, True, False, True, True, True, False)
_DETAILS = 2  # the column that takes the room left over


def _column_widths(pdf: FPDF, font: str, headings, rows) -> list[float]:
    """Widths (mm) so no heading or cell word is cut in the middle (a Tamil heading is longer
    than its English one) and dates and amounts stay on one line; Details gets the rest."""
    fits: dict[tuple[str, str], float] = {}

    def one_line(text: str, style: str) -> float:
        """The narrowest cell that keeps ``text`` on one line. fpdf2's line breaking measures
        unshaped letters, so the shaped width is only where to start looking."""
        if (text, style) not in fits:
            pdf.set_font(font, style, 9)
            width = pdf.get_string_width(text) + 2 * pdf.c_margin + 0.5
            while len(pdf.multi_cell(width, 5, text, dry_run=True, output="LINES")) > 1 and width < pdf.epw:
                width += 0.5
            fits[text, style] = width
        return fits[text, style]

    def widest(texts, style: str, whole: bool) -> float:
        pieces = {p for text in texts for p in ([text] if whole else text.split()) if p}
        return max((one_line(p, style) for p in pieces), default=0.0)

    widths = []
    for n, heading in enumerate(headings):
        cells = [row[n] for row in rows] if n != _DETAILS else []  # Details wraps where it must
        widths.append(max(widest([heading], "B", n != _DETAILS), widest(cells, "", _WHOLE[n])) + 0.5)
    pdf.set_font(font, "", 9)
    widths[_DETAILS] = max(pdf.epw - (sum(widths) - widths[_DETAILS]), 30.0)
    if sum(widths) > pdf.epw:  # very long words: shrink everything evenly rather than overflow the page
        widths = [w * pdf.epw / sum(widths) for w in widths]
    return widths
