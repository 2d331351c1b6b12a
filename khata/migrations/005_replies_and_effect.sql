-- Replies honoured, and whether reminders work.
--
-- reply_cursor: where the last read of customers' WhatsApp replies stopped, per sender
-- number (inbox). The next run asks Twilio for messages sent since a little before that.
-- inbound_replies: every reply read, by Twilio's message id, so a reply read twice (the
-- reads overlap on purpose) is handled once. The text itself is not kept: only the stop
-- word it was, if it was one, and what was done.

CREATE TABLE reply_cursor (
    inbox      VARCHAR PRIMARY KEY,              -- whatsapp:+14155238886: where replies arrive
    read_until TIMESTAMPTZ NOT NULL,             -- up to when replies were read (the next read overlaps it)
    read_at    TIMESTAMPTZ NOT NULL              -- when the last read happened
);

CREATE TABLE inbound_replies (
    message_sid VARCHAR PRIMARY KEY,             -- Twilio's id of the inbound message
    inbox       VARCHAR NOT NULL,
    phone       VARCHAR NOT NULL,                -- the customer's number, E.164
    date_sent   TIMESTAMPTZ NOT NULL,
    stop_word   VARCHAR,                         -- the listed stop word the reply was; NULL: not one
    shop_id     BIGINT,                          -- the shop whose reminder it answered (NULL: none found)
    customer_id BIGINT,
    outcome     VARCHAR NOT NULL CHECK (outcome IN ('opted_out', 'already_out', 'not_stop', 'no_reminder')),
    handled_at  TIMESTAMPTZ NOT NULL
);

-- reminder_effect: for each shop and day on which at least one real reminder reached a
-- customer (status sent, delivered, read or opened; not simulated, failed or skipped),
-- one row per cohort: the customers reminded that day, by channel and ladder step, and
-- the control group 'not reminded' (customers with something overdue at the start of that
-- day who got no real reminder that day). For each: how many paid something, and how
-- much, within 1, 3 and 7 days (the reminder's day counts as day 1: paid_on from
-- reminder_date to reminder_date + N - 1). Reversed repayments and reversed sales are
-- left out. A customer reminded on two days counts on both.
CREATE VIEW reminder_effect AS
WITH real_reminders AS (
    SELECT shop_id, customer_id, reminder_date, channel, ladder_day
    FROM reminder_outbox
    WHERE status IN ('sent', 'delivered', 'read', 'opened')
),
reminder_days AS (
    SELECT DISTINCT shop_id, reminder_date FROM real_reminders
),
live_loans AS (
    SELECT l.shop_id, l.loan_id, l.customer_id, l.amount, l.issue_date, l.due_date, l.grace_days
    FROM loans l
    WHERE NOT EXISTS (SELECT 1 FROM reversals v
                      WHERE v.shop_id = l.shop_id AND v.entry_type = 'loan' AND v.entry_id = l.loan_id)
),
live_repayments AS (
    SELECT r.shop_id, r.customer_id, r.loan_id, r.amount, r.paid_on
    FROM repayments r
    WHERE NOT EXISTS (SELECT 1 FROM reversals v
                      WHERE v.shop_id = r.shop_id AND v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
),
loan_paid_off AS (   -- each live sale and the day it was paid in full (NULL: not yet), in one pass
    SELECT l.shop_id, l.customer_id, l.issue_date, l.due_date + l.grace_days AS overdue_after,
           min(p.paid_on) FILTER (WHERE p.running >= l.amount) AS paid_off_on
    FROM live_loans l
    LEFT JOIN (SELECT shop_id, loan_id, paid_on,
                      sum(amount) OVER (PARTITION BY shop_id, loan_id ORDER BY paid_on
                                        ROWS UNBOUNDED PRECEDING) AS running
               FROM live_repayments) p ON p.shop_id = l.shop_id AND p.loan_id = l.loan_id
    GROUP BY l.shop_id, l.loan_id, l.customer_id, l.issue_date, l.due_date, l.grace_days, l.amount
),
overdue_that_day AS (   -- a sale is overdue on a day when past its due date (and grace) and not paid in
    SELECT DISTINCT d.shop_id, d.reminder_date, l.customer_id   -- full before that day began
    FROM reminder_days d
    JOIN loan_paid_off l ON l.shop_id = d.shop_id AND l.issue_date <= d.reminder_date
                        AND d.reminder_date > l.overdue_after
                        AND (l.paid_off_on IS NULL OR l.paid_off_on >= d.reminder_date)
),
cohorts AS (
    SELECT shop_id, reminder_date, customer_id, 'reminded' AS cohort, channel, ladder_day FROM real_reminders
    UNION ALL
    SELECT o.shop_id, o.reminder_date, o.customer_id, 'not reminded', NULL, NULL
    FROM overdue_that_day o
    WHERE NOT EXISTS (SELECT 1 FROM real_reminders r WHERE r.shop_id = o.shop_id
                      AND r.reminder_date = o.reminder_date AND r.customer_id = o.customer_id)
),
paid AS (
    SELECT c.shop_id, c.reminder_date, c.customer_id, c.cohort, c.channel, c.ladder_day,
           sum(p.amount) FILTER (WHERE p.paid_on < c.reminder_date + 1) AS amount_1d,
           sum(p.amount) FILTER (WHERE p.paid_on < c.reminder_date + 3) AS amount_3d,
           sum(p.amount) AS amount_7d
    FROM cohorts c
    LEFT JOIN live_repayments p ON p.shop_id = c.shop_id AND p.customer_id = c.customer_id
                              AND p.paid_on >= c.reminder_date AND p.paid_on < c.reminder_date + 7
    GROUP BY c.shop_id, c.reminder_date, c.customer_id, c.cohort, c.channel, c.ladder_day
)
SELECT shop_id, reminder_date, cohort, channel, ladder_day,
       count(*) AS customers,
       count(amount_1d) AS paid_1d,
       count(amount_3d) AS paid_3d,
       count(amount_7d) AS paid_7d,
       CAST(coalesce(sum(amount_1d), 0) AS DECIMAL(18,2)) AS amount_1d,
       CAST(coalesce(sum(amount_3d), 0) AS DECIMAL(18,2)) AS amount_3d,
       CAST(coalesce(sum(amount_7d), 0) AS DECIMAL(18,2)) AS amount_7d
FROM paid
GROUP BY shop_id, reminder_date, cohort, channel, ladder_day;
