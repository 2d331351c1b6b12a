-- The credit book: shops, their shopkeepers, customers, and the append-only
-- ledger (loans, repayments, reversals). Balances and status are never stored:
-- they are derived by the views in 002_views.sql.

CREATE SEQUENCE shop_id_seq START 1;
CREATE SEQUENCE shopkeeper_id_seq START 1;
CREATE SEQUENCE customer_id_seq START 1;
CREATE SEQUENCE loan_id_seq START 1;
CREATE SEQUENCE repayment_id_seq START 1;
CREATE SEQUENCE reversal_id_seq START 1;
CREATE SEQUENCE audit_id_seq START 1;

CREATE TABLE shops (
    shop_id              BIGINT PRIMARY KEY,
    name                 VARCHAR NOT NULL,
    phone                VARCHAR,
    timezone             VARCHAR NOT NULL DEFAULT 'Asia/Kolkata',
    loan_term_days       INTEGER NOT NULL DEFAULT 30,
    upi_id               VARCHAR,
    reminders_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    reminder_days        VARCHAR NOT NULL DEFAULT '-1,1,3,7,14,30',
    reminder_repeat_days INTEGER NOT NULL DEFAULT 7,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE shopkeepers (
    shopkeeper_id       BIGINT PRIMARY KEY,
    shop_id             BIGINT NOT NULL,
    username            VARCHAR NOT NULL UNIQUE,
    name                VARCHAR NOT NULL,
    email               VARCHAR NOT NULL,
    phone               VARCHAR,
    password_hash       VARCHAR NOT NULL,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE customers (
    customer_id      BIGINT PRIMARY KEY,
    shop_id          BIGINT NOT NULL,
    name             VARCHAR NOT NULL,
    phone            VARCHAR NOT NULL,           -- E.164, e.g. +919876543210
    address          VARCHAR,
    trust_score      INTEGER NOT NULL DEFAULT 5 CHECK (trust_score BETWEEN 0 AND 10),
    credit_limit     DECIMAL(18,2) NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    notes            VARCHAR,
    whatsapp_opt_out BOOLEAN NOT NULL DEFAULT FALSE,
    whatsapp_invalid BOOLEAN NOT NULL DEFAULT FALSE, -- set when Twilio says the number is not on WhatsApp
    archived_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE loans (
    loan_id     BIGINT PRIMARY KEY,
    shop_id     BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    item        VARCHAR NOT NULL,
    amount      DECIMAL(18,2) NOT NULL CHECK (amount > 0),
    issue_date  DATE NOT NULL,
    due_date    DATE NOT NULL,
    grace_days  INTEGER NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
    created_by  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    CHECK (due_date >= issue_date)
);

CREATE TABLE repayments (
    repayment_id BIGINT PRIMARY KEY,
    shop_id      BIGINT NOT NULL,
    customer_id  BIGINT NOT NULL,
    loan_id      BIGINT NOT NULL,
    amount       DECIMAL(18,2) NOT NULL CHECK (amount > 0),
    paid_on      DATE NOT NULL,
    method       VARCHAR NOT NULL CHECK (method IN ('cash', 'upi', 'card', 'other')),
    note         VARCHAR,
    created_by   VARCHAR,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- A loan or repayment entered by mistake is cancelled by a reversing entry;
-- the original row stays, so a statement always explains the balance.
CREATE TABLE reversals (
    reversal_id BIGINT PRIMARY KEY,
    shop_id     BIGINT NOT NULL,
    entry_type  VARCHAR NOT NULL CHECK (entry_type IN ('loan', 'repayment')),
    entry_id    BIGINT NOT NULL,
    reason      VARCHAR NOT NULL,
    reversed_on DATE NOT NULL,
    created_by  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    UNIQUE (entry_type, entry_id)
);

-- One row per form submission, so a double-click posts once.
CREATE TABLE idempotency_keys (
    shop_id    BIGINT NOT NULL,
    key        VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    result     VARCHAR NOT NULL,              -- JSON of what the first submission returned
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (shop_id, key)
);

CREATE TABLE audit_log (
    audit_id  BIGINT PRIMARY KEY,
    shop_id   BIGINT NOT NULL,
    actor     VARCHAR,
    logged_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    action    VARCHAR NOT NULL,               -- create, edit, archive, delete, reverse, repay, ...
    entity    VARCHAR NOT NULL,               -- shop, customer, loan, repayment, ...
    entity_id BIGINT,
    before    VARCHAR,                        -- JSON
    after     VARCHAR                         -- JSON
);
