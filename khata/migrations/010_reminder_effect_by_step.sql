-- reminder_effect by the configured ladder steps (issue 18).
--
-- Before: the view grouped by reminder_outbox.ladder_day, which holds each customer's
-- actual days overdue on the reminder's day, so catch-ups made dozens of groups of a
-- few customers; and reminders sent before the due date ('due_soon') sat in the
-- 'reminded' cohort compared with an overdue-only control group.
-- Now: `ladder_step` is the shop's configured step the reminder was for (the largest of
-- the shop's reminder_days at or below ladder_day, or the repeat step after the last one,
-- counted with the shop's settings as they are now); a before-due reminder keeps its own
-- (negative) day and is its own cohort, 'reminded before due', so 'reminded' against
-- 'not reminded' compares overdue customers with overdue customers.

CREATE OR REPLACE VIEW reminder_effect AS
WITH real_reminders AS (
    SELECT o.shop_id, o.customer_id, o.reminder_date, o.channel, o.kind,
           CASE WHEN o.kind = 'due_soon' OR o.ladder_day <= 0 THEN o.ladder_day
                WHEN len(l.steps) = 0 THEN o.ladder_day
                WHEN o.ladder_day > list_max(l.steps) AND l.repeat_days > 0
                    THEN list_max(l.steps) + l.repeat_days * ((o.ladder_day - list_max(l.steps)) // l.repeat_days)
                ELSE coalesce(list_max(list_filter(l.steps, lambda x: x <= o.ladder_day)), o.ladder_day)
           END AS ladder_step
    FROM reminder_outbox o
    JOIN (SELECT shop_id, coalesce(reminder_repeat_days, 0) AS repeat_days,
                 list_sort(list_filter(list_transform(string_split(reminder_days, ','),
                                                      lambda x: TRY_CAST(trim(x) AS INTEGER)),
                                       lambda x: x >= 1)) AS steps
          FROM shops) l ON l.shop_id = o.shop_id
    WHERE o.status IN ('sent', 'delivered', 'read', 'opened')
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
    SELECT shop_id, reminder_date, customer_id,
           CASE WHEN kind = 'due_soon' THEN 'reminded before due' ELSE 'reminded' END AS cohort,
           channel, ladder_step FROM real_reminders
    UNION ALL
    SELECT o.shop_id, o.reminder_date, o.customer_id, 'not reminded', NULL, NULL
    FROM overdue_that_day o
    WHERE NOT EXISTS (SELECT 1 FROM real_reminders r WHERE r.shop_id = o.shop_id
                      AND r.reminder_date = o.reminder_date AND r.customer_id = o.customer_id)
),
paid AS (
    SELECT c.shop_id, c.reminder_date, c.customer_id, c.cohort, c.channel, c.ladder_step,
           sum(p.amount) FILTER (WHERE p.paid_on < c.reminder_date + 1) AS amount_1d,
           sum(p.amount) FILTER (WHERE p.paid_on < c.reminder_date + 3) AS amount_3d,
           sum(p.amount) AS amount_7d
    FROM cohorts c
    LEFT JOIN live_repayments p ON p.shop_id = c.shop_id AND p.customer_id = c.customer_id
                              AND p.paid_on >= c.reminder_date AND p.paid_on < c.reminder_date + 7
    GROUP BY c.shop_id, c.reminder_date, c.customer_id, c.cohort, c.channel, c.ladder_step
)
SELECT shop_id, reminder_date, cohort, channel, ladder_step,
       count(*) AS customers,
       count(amount_1d) AS paid_1d,
       count(amount_3d) AS paid_3d,
       count(amount_7d) AS paid_7d,
       CAST(coalesce(sum(amount_1d), 0) AS DECIMAL(18,2)) AS amount_1d,
       CAST(coalesce(sum(amount_3d), 0) AS DECIMAL(18,2)) AS amount_3d,
       CAST(coalesce(sum(amount_7d), 0) AS DECIMAL(18,2)) AS amount_7d
FROM paid
GROUP BY shop_id, reminder_date, cohort, channel, ladder_step;
