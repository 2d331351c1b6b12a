-- One-tap reminders: the shopkeeper sends the reminder from their own WhatsApp or SMS app.
--
-- The tap is recorded as that customer's reminder for the day (channel 'whatsapp_manual' or
-- 'sms_manual', status 'opened': the app was opened with the message filled in; whether it
-- was sent is the shopkeeper's). The primary key keeps one reminder per customer per day, so
-- the 8:00 automatic run sends no second message, and the ladder counts the step.
-- DuckDB cannot change a CHECK constraint in place: the table is rebuilt with its rows.

DROP VIEW reminder_log;

CREATE TABLE reminder_outbox_v2 (
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
    channel           VARCHAR NOT NULL DEFAULT 'whatsapp'
                      CHECK (channel IN ('whatsapp', 'whatsapp_manual', 'sms_manual')),
    status            VARCHAR NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read',
                                                         'failed', 'skipped', 'simulated', 'unknown',
                                                         'opened')),
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

INSERT INTO reminder_outbox_v2 BY NAME SELECT * FROM reminder_outbox;
DROP TABLE reminder_outbox;
ALTER TABLE reminder_outbox_v2 RENAME TO reminder_outbox;

CREATE VIEW reminder_log AS
SELECT o.shop_id, o.customer_id, c.name AS customer_name, o.reminder_date, o.kind, o.ladder_day,
       o.amount, o.oldest_due_date, o.loan_count, o.status, o.error_code, o.error_message,
       o.message_sid, o.attempts, o.sent_at, o.status_updated_at, o.created_at, o.message_text, o.channel
FROM reminder_outbox o
LEFT JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id;
