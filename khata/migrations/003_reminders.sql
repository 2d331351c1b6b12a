-- Overdue reminders: an outbox with one row per (shop, customer, reminder date).
--
-- The row is written (status 'queued') before anything is sent, claimed
-- ('sending') in a short transaction, and the outcome is written in another one
-- after the message went out, so the database is never held open while Twilio
-- answers. The primary key makes "one message per customer per day" a rule of
-- the database: a second run on the same day finds the row and sends nothing.
--
-- status:
--   queued     selected, not yet handed to the sender
--   sending    claimed by a run; a row still here after a crash becomes 'unknown'
--   sent       accepted by Twilio (message_sid set)
--   delivered  / read: later Twilio status (refreshed for 3 days after sending)
--   failed     Twilio refused it or reported it undelivered (error_code, error_message)
--   skipped    not sent: opted out, number not on WhatsApp, or its day passed
--   simulated  dry run (no Twilio credentials): message_text is what would be sent
--   unknown    a run stopped between claiming and recording: it may or may not
--              have gone out, so it is never resent automatically

CREATE SEQUENCE reminder_id_seq START 1;

CREATE TABLE reminder_outbox (
    shop_id           BIGINT NOT NULL,
    customer_id       BIGINT NOT NULL,
    reminder_date     DATE NOT NULL,              -- the shop-local date of the reminder
    reminder_id       BIGINT NOT NULL,
    kind              VARCHAR NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    ladder_day        INTEGER NOT NULL,           -- days after due date + grace (-1 = the day before)
    amount            DECIMAL(18,2) NOT NULL,     -- overdue (or due soon) amount in the message
    oldest_due_date   DATE,
    loan_count        INTEGER NOT NULL,
    phone             VARCHAR NOT NULL,           -- E.164 at the time of selection
    message_text      VARCHAR NOT NULL,
    channel           VARCHAR NOT NULL DEFAULT 'whatsapp',
    status            VARCHAR NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read',
                                                         'failed', 'skipped', 'simulated', 'unknown')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    message_sid       VARCHAR,
    error_code        VARCHAR,
    error_message     VARCHAR,
    run_id            VARCHAR,
    created_at        TIMESTAMPTZ NOT NULL,
    claimed_at        TIMESTAMPTZ,
    sent_at           TIMESTAMPTZ,
    status_updated_at TIMESTAMPTZ,
    PRIMARY KEY (shop_id, customer_id, reminder_date)
);

-- Analyst view: one line per reminder, newest first when ordered by reminder_date.
CREATE VIEW reminder_log AS
SELECT o.shop_id, o.customer_id, c.name AS customer_name, o.reminder_date, o.kind, o.ladder_day,
       o.amount, o.oldest_due_date, o.loan_count, o.status, o.error_code, o.error_message,
       o.message_sid, o.attempts, o.sent_at, o.status_updated_at, o.created_at, o.message_text
FROM reminder_outbox o
LEFT JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id;
