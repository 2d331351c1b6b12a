"""A realistic demo shop: `python -m khata demo`. Deterministic for a seed and a date.

Loans spread over the last 6 months, with full and partial repayments, overdue
balances in every aging bucket and some sales due in the coming week.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers

from . import accounts, db
from .dates import shop_today
from .errors import Conflict

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Demo@1234"
DEMO_SHOP_NAME = "Demo Kirana Store (demo data)"

FIRST_NAMES = ["Aarav", "Vivaan", "Aditya", "Arjun", "Sai", "Reyansh", "Krishna", "Ishaan", "Rohan", "Kabir",
               "Ananya", "Diya", "Priya", "Saanvi", "Aadhya", "Kavya", "Meera", "Lakshmi", "Pooja", "Sunita",
               "Ramesh", "Suresh", "Mahesh", "Ganesh", "Rajesh", "Anita", "Geeta", "Rekha", "Farhan", "Imran",
               "Ayesha", "Zoya", "Gurpreet", "Harpreet", "Manoj", "Deepak", "Sanjay", "Nisha", "Rahul", "Neha"]
LAST_NAMES = ["Sharma", "Verma", "Patel", "Reddy", "Nair", "Iyer", "Khan", "Singh", "Gupta", "Das",
              "Banerjee", "Mehta", "Joshi", "Kulkarni", "Yadav", "Pillai", "Chauhan", "Shaikh", "Rao", "Mishra"]
ITEMS = ["Rice 5 kg", "Atta 10 kg", "Toor dal 2 kg", "Sugar 2 kg", "Sunflower oil 1 L", "Milk (month)",
         "Tea powder 500 g", "Soap and detergent", "Biscuits and snacks", "Masala pack", "Gas cylinder refill",
         "Vegetables (week)", "Eggs tray", "Ghee 1 L", "School notebooks", "Mobile recharge"]
AREAS = ["MG Road", "Gandhi Nagar", "Station Road", "Nehru Colony", "Shivaji Chowk", "Market Street"]


def _mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        national = str(rng.choice([6, 7, 8, 9])) + "".join(str(rng.randrange(10)) for _ in range(9))
        number = phonenumbers.parse(national, "IN")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 not in used:
            used.add(e164)
            return e164


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    rupees = rng.randrange(low, high)
    paise = rng.choice([0, 0, 0, 50, 25, 75])
    return Decimal(rupees) + Decimal(paise) / 100


def build_demo(*, seed: int = 7, today: date, customers: int = 64, loans: int = 330) -> dict:
    """The demo rows as plain dicts (no ids yet for the shop); pure, so tests can inspect it."""
    rng = random.Random(seed)
    used: set[str] = set()
    customer_rows, loan_rows, repayment_rows = [], [], []
    for i in range(customers):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        customer_rows.append({
            "index": i, "name": name, "phone": _mobile(rng, used),
            "address": f"{rng.randrange(1, 300)}, {rng.choice(AREAS)}",
            "trust_score": rng.randrange(3, 11), "credit_limit": Decimal(rng.choice([5000, 8000, 10000, 15000])),
            "notes": rng.choice([None, None, "Pays on salary day", "Call before 7 pm", "Regular since 2019"]),
            "whatsapp_opt_out": i % 23 == 5,
        })
    # Loans over the last ~180 days; a few shapes are forced so every aging bucket and
    # "due next week" is present whatever the seed.
    forced = [(150, 20), (120, 15), (100, 10), (80, 20), (60, 15), (45, 10), (30, 14), (20, 10), (10, 3), (5, 8),
              (3, 7), (2, 5)]
    for n in range(loans):
        if n < len(forced):
            days_ago, term = forced[n]
        else:
            days_ago, term = rng.randrange(0, 181), rng.choice([7, 10, 15, 15, 30, 30, 45])
        issue = today - timedelta(days=days_ago)
        due = issue + timedelta(days=term)
        grace = rng.choice([0, 0, 0, 2, 3])
        amount = _amount(rng, 40, 2500)
        loan_rows.append({"index": n, "customer": rng.randrange(customers) if n >= len(forced) else n * 5 % customers,
                          "item": rng.choice(ITEMS), "amount": amount, "issue_date": issue, "due_date": due,
                          "grace_days": grace})
        # repayments: forced loans stay unpaid (overdue in every bucket / due soon)
        if n < len(forced):
            continue
        roll = rng.random()
        settle_by = min(today, due + timedelta(days=rng.randrange(-5, 20)))
        if due + timedelta(days=grace) < today and roll < 0.72:
            parts = rng.choice([1, 1, 2, 3])
            _split(rng, repayment_rows, n, amount, issue, max(settle_by, issue), parts)
        elif roll < 0.85:
            half = (amount * Decimal(rng.choice(["0.25", "0.4", "0.5"]))).quantize(Decimal("0.01"))
            if half > 0:
                repayment_rows.append({"loan": n, "amount": half, "paid_on": _between(rng, issue, today),
                                       "method": rng.choice(["cash", "upi", "upi", "card"])})
    return {"customers": customer_rows, "loans": loan_rows, "repayments": repayment_rows}


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(0, max((end - start).days, 0) + 1))


def _split(rng, rows, loan_index, amount, start, end, parts):
    remaining = amount
    for p in range(parts):
        part = remaining if p == parts - 1 else (amount / parts).quantize(Decimal("0.01"))
        remaining -= part
        rows.append({"loan": loan_index, "amount": part, "paid_on": _between(rng, start, end),
                     "method": rng.choice(["cash", "cash", "upi", "upi", "card", "other"])})


def create_demo(root, *, seed: int = 7, today: date | None = None) -> dict:
    """(Re)create the demo shop. Refuses a database that holds any other shop."""
    existing = root.on_connection(lambda con: con.execute(
        "SELECT s.shop_id, k.username FROM shops s LEFT JOIN shopkeepers k USING (shop_id)").fetchall())
    others = [u for _, u in existing if u != DEMO_USERNAME]
    if others:
        raise Conflict("This database holds real shops; the demo only goes into an empty database "
                       "or one that holds just the demo shop. Use --db to pick another file.")
    if existing:
        _delete_shop(root, existing[0][0])
    today = today or shop_today()
    account = accounts.register_shopkeeper(root, name="Demo Shopkeeper", shop_name=DEMO_SHOP_NAME,
                                           username=DEMO_USERNAME, email="demo@example.in", phone="+919812345670",
                                               password=DEMO_PASSWORD)
    sid = account["shop_id"]
    data = build_demo(seed=seed, today=today)

    def work(con):
        con.execute("UPDATE shops SET upi_id = 'demokirana@okaxis' WHERE shop_id = ?", [sid])
        cust_ids = [r[0] for r in con.execute(
            f"SELECT nextval('customer_id_seq') FROM range({len(data['customers'])})").fetchall()]
        loan_ids = [r[0] for r in con.execute(
            f"SELECT nextval('loan_id_seq') FROM range({len(data['loans'])})").fetchall()]
        # credit limits cover what each customer owes in the demo
        owed = [Decimal(0)] * len(cust_ids)
        paid_by_loan: dict[int, Decimal] = {}
        for r in data["repayments"]:
            paid_by_loan[r["loan"]] = paid_by_loan.get(r["loan"], Decimal(0)) + r["amount"]
        for loan in data["loans"]:
            owed[loan["customer"]] += loan["amount"] - paid_by_loan.get(loan["index"], Decimal(0))
        db.insert_rows(con, "customers", [{
            "customer_id": cust_ids[c["index"]], "shop_id": sid, "name": c["name"], "phone": c["phone"],
            "address": c["address"], "trust_score": c["trust_score"],
            "credit_limit": max(c["credit_limit"],
                                (owed[c["index"]] / 1000).to_integral_value("ROUND_CEILING") * 1000 + 2000),
            "notes": c["notes"], "whatsapp_opt_out": c["whatsapp_opt_out"]} for c in data["customers"]])
        db.insert_rows(con, "loans", [{
            "loan_id": loan_ids[l["index"]], "shop_id": sid, "customer_id": cust_ids[l["customer"]],
            "item": l["item"], "amount": l["amount"], "issue_date": l["issue_date"], "due_date": l["due_date"],
            "grace_days": l["grace_days"], "created_by": DEMO_USERNAME} for l in data["loans"]])
        loans_by_index = {l["index"]: l for l in data["loans"]}
        db.insert_rows(con, "repayments", [{
            "repayment_id": con.execute("SELECT nextval('repayment_id_seq')").fetchone()[0], "shop_id": sid,
            "customer_id": cust_ids[loans_by_index[r["loan"]]["customer"]], "loan_id": loan_ids[r["loan"]],
            "amount": r["amount"], "paid_on": r["paid_on"], "method": r["method"], "note": None,
            "created_by": DEMO_USERNAME} for r in data["repayments"]])
        return {"shop_id": sid, "customers": len(cust_ids), "loans": len(loan_ids),
                "repayments": len(data["repayments"])}

    return root.in_transaction(work)


SHOP_TABLES = ("audit_log", "idempotency_keys", "reversals", "repayments", "loans", "customers", "shopkeepers")


def _delete_shop(root, shop_id: int) -> None:
    def work(con):
        existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table in ("reminder_outbox", *SHOP_TABLES):
            if table in existing:
                con.execute(f"DELETE FROM {table} WHERE shop_id = ?", [shop_id])
        con.execute("DELETE FROM shops WHERE shop_id = ?", [shop_id])

    root.in_transaction(work)
