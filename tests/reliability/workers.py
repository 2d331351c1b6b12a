"""Worker processes for the reliability tests (run as `python -m tests.reliability.workers ...`)."""
import sys
import time
from decimal import Decimal

from khata import loans, repayments
from khata.errors import KhataError


def repay_many(path, shop_id, loan_id, count, amount):
    ok = refused = 0
    for _ in range(count):
        try:
            repayments.record_repayment(shop_id, loan_id, amount=amount, path=path)
            ok += 1
        except KhataError:
            refused += 1
    print(f"ok={ok} refused={refused}", flush=True)


def sell_many(path, shop_id, customer_id, count, amount):
    ok = refused = 0
    for _ in range(count):
        try:
            loans.create_loan(shop_id, customer_id, amount=amount, item="burst", path=path)
            ok += 1
        except KhataError:
            refused += 1
    print(f"ok={ok} refused={refused}", flush=True)


def repay_forever(path, shop_id, loan_id):
    """For the kill -9 test: tiny repayments as fast as possible until killed."""
    print("started", flush=True)
    while True:
        try:
            repayments.record_repayment(shop_id, loan_id, amount=Decimal("0.01"), path=path)
        except KhataError:
            time.sleep(0.001)


def remind_via(path, url, day):
    """For the kill -9 test: one reminder run through the real Twilio client against a
    local fake Twilio at ``url``; it prints 'started' and is killed at some point."""
    from datetime import date

    from khata import reminders
    from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier

    notifier = TwilioWhatsAppNotifier(TwilioConfig("AC" + "d4" * 16, "crash-token", "whatsapp:+14155238886"),
                                      base_url=url)
    print("started", flush=True)
    reminders.run_reminders(today=date.fromisoformat(day), notifier=notifier, rate_per_s=20, path=path)
    print("finished", flush=True)


if __name__ == "__main__":
    kind, path, shop_id, target, count, amount = (sys.argv[1:] + [None] * 6)[:6]
    if kind == "repay":
        repay_many(path, int(shop_id), int(target), int(count), amount)
    elif kind == "sell":
        sell_many(path, int(shop_id), int(target), int(count), amount)
    elif kind == "remind":
        remind_via(path, shop_id, target)
    elif kind == "repay_forever":
        repay_forever(path, int(shop_id), int(target))
