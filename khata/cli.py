"""`khata ...` (or `python -m khata ...`): init, demo, import, export, backup, upgrade, restore, remind,
statement, link, staff.

``main`` builds the process's composition root (``khata.root.Root``) once from ``--db``
or ``KHATA_DB``; every command but ``init`` and ``demo`` refuses a book that does not
exist ("No book at PATH; ..."), so a mistyped path never creates an empty one. Commands
act as the named system principal ``CLI_OPERATOR``.

Every failure a person can cause (bad arguments, a missing or unreadable file,
a database that stays locked) ends with a one-line message and a non-zero exit
code, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import db, settings
from .errors import ImportRejected, KhataError
from .principals import CLI_OPERATOR
from .root import Root

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _db_arg(parser):
    parser.add_argument("--db", metavar="PATH", help="database file (default: $KHATA_DB or data/khata.duckdb)")


def _prog() -> str:
    """`khata` when run as the installed command, else `python -m khata`."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "khata" if name == "khata" else "python -m khata"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_prog(), description="Credikhaata: the shop's credit book.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("init", help="create or migrate a database")
    _db_arg(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create the demo shop (user demo / Demo@1234)")
    _db_arg(p)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import data from CSV")
    what = p.add_subparsers(dest="what", required=True, parser_class=_Parser)
    c = what.add_parser("customers", help="customers (name,phone[,address,trust_score,credit_limit,notes,"
                                          "opening_balance,opening_due_date,language])")
    c.add_argument("file")
    c.add_argument("--shop", required=True, metavar="USERNAME", help="the shopkeeper's username")
    _db_arg(c)
    c.set_defaults(func=cmd_import_customers)

    p = sub.add_parser("export", help="analyst snapshot: Parquet per table/view + snapshot.duckdb")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--pseudonymise", action="store_true",
                   help="no names, addresses, notes or message texts; phones and logins as keyed hashes")
    _db_arg(p)
    p.set_defaults(func=cmd_export, read_only=True)

    p = sub.add_parser("backup", help="consistent copy of the whole database")
    p.add_argument("--out", required=True, metavar="DIR")
    _db_arg(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("maintain",
                       help="nightly upkeep: a dated backup (last 7 kept), keep each shop's rows together,"
                            " a fresh analyst snapshot")
    p.add_argument("--backups", metavar="DIR",
                   help="where dated backups go (default: data/backups next to the database)")
    p.add_argument("--snapshot", metavar="DIR",
                   help="where the analyst snapshot goes (default: KHATA_SNAPSHOT_DIR, else data/snapshot next to"
                        " the database)")
    _db_arg(p)
    p.set_defaults(func=cmd_maintain)

    p = sub.add_parser("upgrade", help="rewrite the book into DuckDB 2.0's format (backup first; one way)")
    _db_arg(p)
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("restore", help="bring a backup back (replaces the current data)")
    p.add_argument("dir", metavar="DIR")
    _db_arg(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("remind", help="send today's overdue WhatsApp reminders once (dry run without Twilio)")
    _db_arg(p)
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="the date to remind for: the shop's today (default) or yesterday, to catch up a missed run")
    p.add_argument("--dry-run", action="store_true",
                   help="preview: print what would be sent; nothing is sent or recorded")
    p.add_argument("--shop", metavar="USERNAME", help="only this shopkeeper's shop")
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("statement", help="a customer's statement as a PDF with a UPI QR code for the amount due")
    _db_arg(p)
    p.add_argument("--shop", metavar="USERNAME", required=True, help="the shopkeeper's username")
    p.add_argument("--customer", metavar="ID", required=True, help="the customer's number (as on the Customers page)")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(func=cmd_statement, read_only=True)

    p = sub.add_parser("link", help="a customer's own page link (the one in their reminders), or --revoke it")
    _db_arg(p)
    p.add_argument("--shop", metavar="USERNAME", required=True, help="the shopkeeper's username")
    p.add_argument("--customer", metavar="ID", required=True, help="the customer's number (as on the Customers page)")
    p.add_argument("--revoke", action="store_true", help="end every link the customer was given")
    p.set_defaults(func=cmd_link)

    from .cli_staff import add_parsers as staff_parsers
    staff_parsers(sub, _db_arg, _Parser)
    return parser


def cmd_statement(args) -> int:
    """The same statement the customer page downloads, written to a file."""
    from .accounts import get_shopkeeper
    from .money import format_inr
    from .statement import statement_for
    from .statement_pdf import statement_pdf

    keeper = get_shopkeeper(args.root, args.shop)
    if keeper is None:
        raise KhataError(f"There is no shopkeeper with the username '{args.shop}'.")
    statement = args.root.read(keeper["shop_id"], CLI_OPERATOR, statement_for, args.customer)
    out = Path(args.out)
    if out.is_dir():
        raise KhataError(f"{out} is a folder; give a file name such as statement.pdf.")
    data = statement_pdf(statement)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"Statement for {statement['customer']['name']} written to {out}: {len(statement['entries'])} entries, "
          f"amount due {format_inr(statement['due'])}.")
    return 0


def cmd_link(args) -> int:
    """Print the customer's current link (valid until the date shown), or revoke every link so far."""
    from .accounts import get_shopkeeper
    from .customer_links import link_for, public_url, revoke_link

    keeper = get_shopkeeper(args.root, args.shop)
    if keeper is None:
        raise KhataError(f"There is no shopkeeper with the username '{args.shop}'.")
    if args.revoke:
        link = args.root.write(keeper["shop_id"], CLI_OPERATOR, revoke_link, args.customer)
        print(f"Revoked: every earlier link of customer {link['customer_id']} now shows 'not valid'. "
              "The next reminder carries a new one" + (f": {link['url']}" if link["url"] else "."))
        return 0
    if not public_url():
        raise KhataError("KHATA_PUBLIC_URL is not set: set it to the https address customers reach the app at "
                         "(see the README's configuration table).")
    link = args.root.read(keeper["shop_id"], CLI_OPERATOR, link_for, args.customer)
    print(link["url"])
    print(f"Valid until {link['expires_on'].isoformat()} unless revoked (khata link --revoke).", file=sys.stderr)
    return 0


def cmd_remind(args) -> int:
    """The reminder flow's steps once, without a Prefect server (same functions, same order).
    ``--dry-run`` is a preview: it prints what would be sent and records nothing."""
    from .dates import parse_date
    from .reminders import run_reminders

    today = parse_date(args.today, "--today") if args.today else None
    result = run_reminders(args.root, today=today, shop=args.shop, dry_run=args.dry_run, check_today=True)
    if result["preview"]:
        print("Reminders (dry run: a preview; nothing sent, nothing recorded):")
        for w in result["would"]:
            print(f"  {w['shop']} {w['date']}: would send {w['to_send']}, would skip {w['skipped']}")
        for m in result["would_send"]:
            what = m["message_text"] if m["will_send"] else f"skipped: {m['skip_reason']}"
            print(f"    to {m['phone']}: {what}")
        print("Already recorded for that day:")
    else:
        mode = ("no Twilio credentials: nothing sent; this is the day's reminder, recorded as 'simulated'"
                " (for a preview, use --dry-run)") if result["dry_run"] else "sent through Twilio"
        print(f"Reminders, this run ({mode}):")
    for s in result["shops"]:
        print(f"  {s['shop']} {s['date']}: selected {s['selected']}, sent {s['sent']}, simulated {s['simulated']},"
              f" skipped {s['skipped']}, failed {s['failed']}, unknown {s['unknown']}")
    t = result["totals"]
    print(f"Total: selected {t['selected']}, sent {t['sent']}, simulated {t['simulated']}, skipped {t['skipped']},"
          f" failed {t['failed']}, unknown {t['unknown']}")
    if not result["preview"] and result["day_totals"] != t:
        d = result["day_totals"]
        print(f"That day so far (every run): selected {d['selected']}, sent {d['sent']}, simulated {d['simulated']},"
              f" skipped {d['skipped']}, failed {d['failed']}, unknown {d['unknown']}")
    if result["planning_failed"]:
        print(f"error: {len(result['planning_failed'])} shop(s) could not be planned: "
              f"{', '.join(map(str, result['planning_failed']))}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def cmd_init(args) -> int:
    with args.root.connect() as con:
        versions = db.applied_migrations(con)
    print(f"Database ready at {args.root.path} (schema version {max(versions)}).")
    return 0


def cmd_demo(args) -> int:
    from .demo import DEMO_PASSWORD, DEMO_USERNAME, create_demo

    result = create_demo(args.root, seed=args.seed)
    print(f"Demo shop created in {args.root.path}: {result['customers']} customers, "
          f"{result['loans']} credit sales, {result['repayments']} repayments.")
    print(f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}")
    return 0


def cmd_import_customers(args) -> int:
    from tqdm import tqdm

    from .accounts import get_shopkeeper
    from .importer import import_customers

    keeper = get_shopkeeper(args.root, args.shop)
    if keeper is None:
        raise KhataError(f"There is no shopkeeper with the username '{args.shop}'.")
    bar = tqdm(total=0, unit="row", file=sys.stderr, disable=None, leave=False)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        result = args.root.write(keeper["shop_id"], CLI_OPERATOR, import_customers, args.file,
                                     progress=progress)
    finally:
        bar.close()
    print(f"Imported {result['customers']} customers and {result['opening_balances']} opening balances.")
    return 0


def cmd_export(args) -> int:
    from .export import export_snapshot

    result = export_snapshot(args.root, args.out, pseudonymise=args.pseudonymise)
    kind = "Pseudonymised snapshot" if args.pseudonymise else "Snapshot"
    print(f"{kind} written to {result['out']}: " + ", ".join(f"{k} ({v})" for k, v in result["tables"].items()))
    return 0


def cmd_backup(args) -> int:
    from .export import backup

    print(f"Backup written to {backup(args.root, args.out)}")
    return 0


def cmd_maintain(args) -> int:
    from .maintenance import nightly

    result = nightly(args.root, args.backups, snapshot_dir=args.snapshot)
    clustered = result["clustered"]
    print(f"Backup written to {result['backup']}"
          + (f" (removed {len(result['backups_removed'])} old)" if result["backups_removed"] else ""))
    print(f"Rows kept together by shop in {clustered['seconds']} s: {clustered['customers']} customers, "
          f"{clustered['loans']} sales, {clustered['repayments']} repayments.")
    print(f"Analyst snapshot written to {result['snapshot']['out']}.")
    return 0


def cmd_upgrade(args) -> int:
    """One line either way; a failure exits non-zero with the book as it was."""
    from .upgrade import upgrade

    result = upgrade(args.root)
    if not result["upgraded"]:
        print(f"{result['book']} is already in DuckDB 2.0's format; nothing to do.")
        return 0
    print(f"Upgraded {result['book']} to DuckDB 2.0's format: {result['tables']} tables and {result['rows']} rows"
          f" checked identical (counts, money totals, checksums); the old book is kept in {result['backup']}"
          f" (owner-only).")
    return 0


def cmd_restore(args) -> int:
    from .export import restore

    counts = restore(args.root, args.dir)
    print("Restored: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
    return 0


CREATES_BOOK = (cmd_init, cmd_demo, cmd_restore)  # restore: a backup onto a new machine


def reads_only(args) -> bool:
    """Commands that only read open the book read-only (they work on a read-only file and
    never make the app wait): export, statement, staff list, remind --dry-run."""
    return bool(getattr(args, "read_only", False) or (args.func is cmd_remind and args.dry_run))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # the process's composition root; only init and demo may create the book, and a
        # command that only reads gets a read-only root
        args.root = Root(args.db or settings.get("KHATA_DB"), create=args.func in CREATES_BOOK,
                         read_only=reads_only(args))
        return args.func(args)
    except ImportRejected as err:
        print(f"error: nothing was imported: {len(err.row_errors)} row(s) need fixing:", file=sys.stderr)
        for line, reason in err.row_errors:
            print(f"  line {line}: {reason}", file=sys.stderr)
        return EXIT_ERROR
    except KhataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except db.DatabaseError as err:  # a damaged file: DuckDB's own first line, no traceback
        text = str(err).strip().splitlines()
        print(f"error: the database could not be used: {text[0] if text else type(err).__name__}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:
        print(f"error: {err.strerror or err}: {getattr(err, 'filename', '') or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
