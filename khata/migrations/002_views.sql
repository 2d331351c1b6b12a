-- Derived state. Everything a shopkeeper sees as a balance or a status comes
-- from here, so it can never drift from the ledger.
--
-- loan_balances_for(shop, as_of): shop NULL = every shop; as_of NULL = each
-- shop's own local date. The services pass both; the analyst views pass NULLs.
--
-- days_past_due counts from the end of the grace period:
--   days_past_due = max(0, as_of - (due_date + grace_days))
--   overdue  <=> outstanding > 0 and days_past_due >= 1

CREATE MACRO loan_balances_for(shop, as_of) AS TABLE
WITH live_repayments AS (
    SELECT r.shop_id, r.loan_id, sum(r.amount) AS repaid, max(r.paid_on) AS last_paid_on
    FROM repayments r
    WHERE (shop IS NULL OR r.shop_id = shop)
      AND NOT EXISTS (SELECT 1 FROM reversals v
                      WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
    GROUP BY r.shop_id, r.loan_id
),
shop_today AS (
    SELECT s.shop_id, CAST(coalesce(as_of, CAST(timezone(s.timezone, now()) AS DATE)) AS DATE) AS today
    FROM shops s
    WHERE (shop IS NULL OR s.shop_id = shop)
),
base AS (
    SELECT l.loan_id, l.shop_id, l.customer_id, l.item,
           l.amount AS principal,
           CAST(coalesce(p.repaid, 0) AS DECIMAL(18,2)) AS repaid,
           CAST(CASE WHEN lv.entry_id IS NOT NULL THEN 0
                     ELSE l.amount - coalesce(p.repaid, 0) END AS DECIMAL(18,2)) AS outstanding,
           l.issue_date, l.due_date, l.grace_days,
           lv.entry_id IS NOT NULL AS reversed,
           p.last_paid_on,
           t.today AS as_of_date
    FROM loans l
    JOIN shop_today t ON t.shop_id = l.shop_id
    LEFT JOIN live_repayments p ON p.shop_id = l.shop_id AND p.loan_id = l.loan_id
    LEFT JOIN reversals lv ON lv.entry_type = 'loan' AND lv.entry_id = l.loan_id
    WHERE (shop IS NULL OR l.shop_id = shop)
)
SELECT loan_id, shop_id, customer_id, item, principal, repaid, outstanding,
       issue_date, due_date, grace_days,
       CASE WHEN reversed THEN 'reversed'
            WHEN outstanding = 0 THEN 'paid'
            WHEN as_of_date > due_date + grace_days THEN 'overdue'
            ELSE 'pending' END AS status,
       CAST(CASE WHEN reversed OR outstanding = 0 THEN 0
                 ELSE greatest(0, as_of_date - (due_date + grace_days)) END AS INTEGER) AS days_past_due,
       reversed, last_paid_on, as_of_date
FROM base;

CREATE MACRO customer_balances_for(shop, as_of) AS TABLE
SELECT c.shop_id, c.customer_id, c.name, c.phone, c.credit_limit,
       CAST(coalesce(b.outstanding, 0) AS DECIMAL(18,2)) AS outstanding,
       CAST(coalesce(b.overdue, 0) AS DECIMAL(18,2)) AS overdue,
       CAST(greatest(c.credit_limit - coalesce(b.outstanding, 0), 0) AS DECIMAL(18,2)) AS available_credit,
       c.trust_score, c.whatsapp_opt_out, c.whatsapp_invalid,
       coalesce(b.max_days_past_due, 0) AS max_days_past_due,
       coalesce(b.open_loans, 0) AS open_loans,
       coalesce(b.overdue_loans, 0) AS overdue_loans,
       b.oldest_overdue_due_date,
       c.created_at, c.updated_at
FROM customers c
LEFT JOIN (
    SELECT shop_id, customer_id,
           sum(outstanding) AS outstanding,
           sum(outstanding) FILTER (WHERE status = 'overdue') AS overdue,
           max(days_past_due) AS max_days_past_due,
           count(*) FILTER (WHERE outstanding > 0) AS open_loans,
           count(*) FILTER (WHERE status = 'overdue') AS overdue_loans,
           min(due_date) FILTER (WHERE status = 'overdue') AS oldest_overdue_due_date
    FROM loan_balances_for(shop, as_of)
    GROUP BY shop_id, customer_id
) b ON b.shop_id = c.shop_id AND b.customer_id = c.customer_id
WHERE c.archived_at IS NULL
  AND (shop IS NULL OR c.shop_id = shop);

-- Analyst views: each shop at its own local date.
CREATE VIEW loan_balances AS
SELECT loan_id, shop_id, customer_id, principal, repaid, outstanding,
       issue_date, due_date, grace_days, status, days_past_due
FROM loan_balances_for(NULL, NULL);

CREATE VIEW customer_balances AS
SELECT shop_id, customer_id, name, phone, credit_limit, outstanding, overdue, available_credit
FROM customer_balances_for(NULL, NULL);

CREATE VIEW daily_collections AS
SELECT shop_id, day,
       CAST(sum(issued) AS DECIMAL(18,2)) AS issued,
       CAST(sum(collected) AS DECIMAL(18,2)) AS collected
FROM (
    SELECT l.shop_id, l.issue_date AS day, l.amount AS issued, CAST(0 AS DECIMAL(18,2)) AS collected
    FROM loans l
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'loan' AND v.entry_id = l.loan_id)
    UNION ALL
    SELECT r.shop_id, r.paid_on, CAST(0 AS DECIMAL(18,2)), r.amount
    FROM repayments r
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
)
GROUP BY shop_id, day;
