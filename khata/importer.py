"""All-or-nothing CSV import of customers (for a shopkeeper moving from a paper book).

Every row is validated first; if any is bad nothing is written and each bad row
is reported with its line number. The good case is one transaction, so a killed
process leaves the book as it was.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from .book import Book
from .customers import DEFAULT_CREDIT_LIMIT, clean_customer_fields
from .dates import due_date_within_bounds, parse_date
from .errors import ImportRejected, KhataError, ValidationError
from .i18n import N_, _
from .money import parse_amount
from .phones import pretty_phone

REQUIRED = ("name", "phone")
OPTIONAL = ("address", "trust_score", "credit_limit", "notes", "opening_balance", "opening_due_date", "language")
OPENING_ITEM = "Opening balance (from the paper khata)"
MAX_ROWS = 200_000
PROGRESS_EVERY = 500  # rows validated between two progress reports

Progress = Callable[[int, int], None]


def _read_rows(source) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line number, row)]) from a path, bytes, text or a file object."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(_("There is no file at {path}.").format(path=path))
        raw = path.read_bytes()
    elif isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    elif isinstance(source, str):
        raw = source.encode()
    else:
        data = source.read()
        raw = data.encode() if isinstance(data, str) else data
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not a UTF-8 CSV; save it from your spreadsheet as 'CSV UTF-8'.")) from None
    if "\x00" in text:
        raise ValidationError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as err:
        raise ValidationError(_("The file could not be read as CSV: {error}.").format(error=err)) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(_("The CSV needs the column(s) {missing}; it has: {header}.").format(
            missing=", ".join(missing), header=", ".join(header) or _("none")))
    unknown = [c for c in header if c and c not in REQUIRED + OPTIONAL]
    if unknown:
        raise ValidationError(_("Unknown column(s) {unknown}; allowed: {allowed}.").format(
            unknown=", ".join(unknown), allowed=", ".join(REQUIRED + OPTIONAL)))
    reader.fieldnames = header
    rows = []
    lines = text.splitlines(keepends=True)
    try:
        while True:
            first_line = reader.line_num + 1  # where the next record starts (blank lines are skipped below)
            try:
                record = next(reader)
            except StopIteration:
                break
            while first_line < reader.line_num and not lines[first_line - 1].strip():
                first_line += 1
            if reader.line_num >= len(lines):  # the last record: did it end inside a quote?
                _refuse_unclosed_quote(lines, first_line)
            if None in record:
                rows.append((first_line, {"__error__": _("has more cells than the header")}))
                continue
            if all(not (v or "").strip() for v in record.values()):
                continue
            rows.append((first_line, record))
            if len(rows) > MAX_ROWS:
                raise ValidationError(_("The file has more than {n} rows; split it into smaller files.").format(
                    n=f"{MAX_ROWS:,}"))
    except csv.Error as err:
        raise ValidationError(_("The file could not be read as CSV near line {line}: {error}.").format(
            line=reader.line_num, error=err)) from None
    if not rows:
        raise ValidationError(_("The file has no customers in it."))
    return header, rows


def _refuse_unclosed_quote(lines: list[str], first_line: int) -> None:
    """Refuse a last record that ends inside a quote. Python's csv reader accepts a
    quote that is never closed silently (the rest of the file becomes one cell and
    the problem shows up at the last line), so that record is read again strictly."""
    try:
        for _record in csv.reader(io.StringIO("".join(lines[first_line - 1:]), newline=""), strict=True):
            pass
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            raise ValidationError(
                _("Line {line} opens a quote (\") that is never closed, so everything from there to the end"
                  " of the file (line {last}) would be one cell; close or remove that quote.").format(
                    line=first_line, last=len(lines))
            ) from None


def validate_rows(rows: Iterable[tuple[int, dict]], today, loan_term_days: int,
                  progress: Progress | None = None, total: int = 0) -> tuple[list[dict], list[tuple[int, str]]]:
    good, errors, seen = [], [], {}
    for done, (line, record) in enumerate(rows, 1):
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total * 2)
        if "__error__" in record:
            errors.append((line, record["__error__"]))
            continue
        try:
            fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in record.items()
                      if k in ("name", "phone", "address", "trust_score", "credit_limit", "notes", "language")}
            for optional in ("address", "notes", "trust_score", "credit_limit", "language"):
                if optional in fields and fields[optional] == "":
                    del fields[optional]
            clean = clean_customer_fields(fields, creating=True)
            opening = (record.get("opening_balance") or "").strip()
            clean["opening_balance"] = parse_amount(opening, N_("Opening balance")) if opening else None
            due_text = (record.get("opening_due_date") or "").strip()
            if due_text and clean["opening_balance"] is None:
                raise ValidationError(_("opening_due_date is given without an opening_balance."))
            due = parse_date(due_text, N_("Opening due date")) if due_text else today + timedelta(days=loan_term_days)
            due_date_within_bounds(due, today, N_("Opening due date"))
            if clean["opening_balance"] is not None and due < today - timedelta(days=3650):
                raise ValidationError(_("Opening due date is more than 10 years ago."))
            clean["opening_due_date"] = due
            if "credit_limit" not in clean:
                clean["credit_limit"] = max(DEFAULT_CREDIT_LIMIT, clean["opening_balance"] or Decimal(0))
            elif clean["opening_balance"] and clean["credit_limit"] < clean["opening_balance"]:
                raise ValidationError(_("credit_limit is lower than the opening balance."))
            if clean["phone"] in seen:
                raise ValidationError(_("phone {phone} is also on line {line}.").format(
                    phone=pretty_phone(clean["phone"]), line=seen[clean["phone"]]))
            seen[clean["phone"]] = line
            clean["line"] = line
            good.append(clean)
        except KhataError as err:
            errors.append((line, str(err)))
    return good, errors


def import_customers(book: Book, source, *, progress: Progress | None = None) -> dict:
    """Import customers (and opening balances as loans). Raises ImportRejected
    listing every bad row; on success returns {customers, opening_balances, total_opening}."""
    book.require("importer.import_customers")
    _header, rows = _read_rows(source)
    local_today = book.today
    good, errors = validate_rows(rows, local_today, book.shop["loan_term_days"], progress, len(rows))
    if errors:
        raise ImportRejected(errors)
    sid, con, actor = book.shop_id, book.con, book.actor
    existing = {r[0]: r[1] for r in con.execute(
        "SELECT phone, name FROM customers WHERE shop_id = ? AND archived_at IS NULL", [sid]).fetchall()}
    clashes = [(r["line"], _("{name} already has the phone number {phone} in your book.").format(
        name=existing[r["phone"]], phone=r["phone"])) for r in good if r["phone"] in existing]
    if clashes:
        raise ImportRejected(clashes)
    ids = [r[0] for r in con.execute(f"SELECT nextval('customer_id_seq') FROM range({len(good)})").fetchall()]
    customer_rows, loan_rows = [], []
    for cid, r in zip(ids, good, strict=True):
        customer_rows.append({"customer_id": cid, "shop_id": sid, "name": r["name"], "phone": r["phone"],
                              "address": r.get("address"), "trust_score": r.get("trust_score", 5),
                              "credit_limit": r["credit_limit"], "notes": r.get("notes"),
                              "whatsapp_opt_out": False, "language": r.get("language")})
        if r["opening_balance"]:
            loan_rows.append({"shop_id": sid, "customer_id": cid, "item": OPENING_ITEM,
                              "amount": r["opening_balance"],
                              "issue_date": min(local_today, r["opening_due_date"]),
                              "due_date": r["opening_due_date"], "grace_days": 0, "created_by": actor})
    chunk = 2000
    for start in range(0, len(customer_rows), chunk):
        book.insert_rows("customers", customer_rows[start:start + chunk])
        if progress:
            progress(len(rows) + min(start + chunk, len(customer_rows)), len(rows) * 2)
    if loan_rows:
        loan_ids = [r[0] for r in con.execute(
            f"SELECT nextval('loan_id_seq') FROM range({len(loan_rows)})").fetchall()]
        for loan_id, row in zip(loan_ids, loan_rows, strict=True):
            row["loan_id"] = loan_id
        book.insert_rows("loans", loan_rows)
    total_opening = sum((r["amount"] for r in loan_rows), Decimal("0.00"))
    result = {"customers": len(customer_rows), "opening_balances": len(loan_rows), "total_opening": total_opening}
    book.audit("import", "customer", None, None, result)
    return result
