-- The customer's own page: links, their openings, and bad links per address.
--
-- A link is not stored: it is signed (khata/customer_links.py) from the customer, the link's
-- issue day and the customer's generation number below. Revoking raises the generation, which
-- ends every link given so far. A customer with no row is at generation 0.

CREATE TABLE customer_links (
    shop_id     BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    generation  INTEGER NOT NULL DEFAULT 0 CHECK (generation >= 0),
    revoked_at  TIMESTAMPTZ,                  -- the last revocation
    revoked_by  VARCHAR,
    PRIMARY KEY (shop_id, customer_id)
);

-- One row per browser session that opened a valid link (the first view of that session).
-- link_hash is the SHA-256 of the token: never the token itself.
CREATE TABLE link_openings (
    shop_id     BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL,
    link_hash   VARCHAR NOT NULL
);

-- Wrong, changed, revoked or expired links, per client address (a keyed hash, not the address),
-- so that after 5 in 10 minutes every further answer to that address waits: the count is in the
-- book so that every tab, session and app process sees it. Not a shop's row: a bad link names
-- no shop. Rows older than a day are deleted as new ones come.
CREATE TABLE link_misses (
    address_hash VARCHAR NOT NULL,
    missed_at    TIMESTAMPTZ NOT NULL
);

-- reminder_link_opened: one row per reminder in the outbox, and whether the customer opened their
-- page link from the reminder's day (shop-local) until the day before their next reminder, at most
-- 7 days (the reminder's day counts as day 1, as in reminder_effect). opened_at is the first such
-- opening. Reminders written while KHATA_PUBLIC_URL was unset carried no link (opened is then
-- FALSE unless the customer opened a link from an earlier message).
CREATE VIEW reminder_link_opened AS
WITH reminders AS (
    SELECT o.shop_id, o.customer_id, o.reminder_date, o.reminder_id, o.channel, o.status,
           least(o.reminder_date + 7,
                 coalesce(lead(o.reminder_date) OVER (PARTITION BY o.shop_id, o.customer_id
                                                      ORDER BY o.reminder_date), o.reminder_date + 7)) AS until
    FROM reminder_outbox o
),
openings AS (
    SELECT p.shop_id, p.customer_id, CAST(timezone(s.timezone, p.opened_at) AS DATE) AS opened_on, p.opened_at
    FROM link_openings p JOIN shops s ON s.shop_id = p.shop_id
)
SELECT r.shop_id, r.customer_id, r.reminder_date, r.reminder_id, r.channel, r.status,
       min(p.opened_at) IS NOT NULL AS opened,
       min(p.opened_at) AS opened_at
FROM reminders r
LEFT JOIN openings p ON p.shop_id = r.shop_id AND p.customer_id = r.customer_id
                    AND p.opened_on >= r.reminder_date AND p.opened_on < r.until
GROUP BY r.shop_id, r.customer_id, r.reminder_date, r.reminder_id, r.channel, r.status;
