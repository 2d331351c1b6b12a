-- Staff logins with roles, and the owner's approvals (maker-checker).
-- Everyone who signed up so far owns their shop; staff are added by the owner.

ALTER TABLE shopkeepers ADD COLUMN role VARCHAR DEFAULT 'owner';
ALTER TABLE shopkeepers ADD COLUMN active BOOLEAN DEFAULT TRUE;
ALTER TABLE shopkeepers ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE shopkeepers ADD COLUMN removed_at TIMESTAMPTZ;      -- a removed login is kept so its name stays in the history
ALTER TABLE shopkeepers ADD COLUMN must_change_password BOOLEAN DEFAULT FALSE;
ALTER TABLE shopkeepers ADD COLUMN created_by VARCHAR;
UPDATE shopkeepers SET role = 'owner', active = TRUE, must_change_password = FALSE;

-- A staff sale above this amount waits for the owner's approval (NULL: never).
ALTER TABLE shops ADD COLUMN staff_sale_limit DECIMAL(18,2);

CREATE SEQUENCE approval_id_seq START 1;

-- A staff member's request that the owner approves or rejects; nothing in the
-- ledger changes until it is approved.
CREATE TABLE pending_approvals (
    approval_id   BIGINT PRIMARY KEY,
    shop_id       BIGINT NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('reverse_loan', 'reverse_repayment', 'sale')),
    entry_id      BIGINT,                      -- the sale or repayment to reverse
    customer_id   BIGINT NOT NULL,
    amount        DECIMAL(18,2) NOT NULL,
    details       VARCHAR NOT NULL,            -- JSON: the sale to record, or what is reversed
    reason        VARCHAR,
    status        VARCHAR NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by  VARCHAR NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    decided_by    VARCHAR,
    decided_at    TIMESTAMPTZ,
    decision_note VARCHAR,
    result_id     BIGINT                       -- the loan recorded or the reversal made
);
