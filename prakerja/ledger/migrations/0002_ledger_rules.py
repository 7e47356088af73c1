"""Ledger rules enforced by PostgreSQL itself, whoever writes to the tables."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Entries of one INSERT statement must balance per posting; then the guarded balances of
-- protected accounts move by the statement's net amount, in one set-based UPDATE. The
-- account's CHECK constraint refuses a negative result, and the row lock taken by the
-- UPDATE makes concurrent spends of one account wait for each other.
CREATE FUNCTION ledger_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad_posting bigint;
    missing_accounts bigint;
BEGIN
    SELECT n.posting_id INTO bad_posting
        FROM (SELECT posting_id, sum(amount) AS total, count(*) AS lines
              FROM new_entries GROUP BY posting_id) AS n
        LEFT JOIN ledger_posting AS p ON p.id = n.posting_id
        WHERE n.total <> 0 OR n.lines < 2 OR p.id IS NULL
        LIMIT 1;
    IF bad_posting IS NOT NULL THEN
        RAISE EXCEPTION 'posting % does not balance or does not exist', bad_posting
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_posting_balanced';
    END IF;
    WITH deltas AS (
        SELECT account_id, sum(amount) AS delta FROM new_entries GROUP BY account_id
    ), updated AS (
        UPDATE ledger_account AS a SET balance = a.balance + d.delta
        FROM deltas AS d
        WHERE a.id = d.account_id AND a.is_protected AND d.delta <> 0
    )
    SELECT count(*) INTO missing_accounts
        FROM deltas AS d LEFT JOIN ledger_account AS a ON a.id = d.account_id
        WHERE a.id IS NULL;
    IF missing_accounts > 0 THEN
        RAISE EXCEPTION '% ledger account(s) do not exist', missing_accounts
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_account_exists';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_apply();

-- The guarded balance, the kind and the protection of an account change only through entries.
CREATE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_account balance, kind and protection change only through postings'
        USING ERRCODE = 'restrict_violation';
END $$;

-- The WHEN condition is evaluated without calling the function, so the trigger's own balance
-- updates (depth 1, from ledger_entries_apply) cost nothing extra.
CREATE TRIGGER ledger_account_guard BEFORE UPDATE ON ledger_account
    FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND (
        NEW.balance IS DISTINCT FROM OLD.balance
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.is_protected IS DISTINCT FROM OLD.is_protected))
    EXECUTE FUNCTION ledger_account_guard();

-- Room on each page so that every row on it can be updated once in place (HOT: no new
-- index entries), as a wave's card issuance updates every new account once.
ALTER TABLE ledger_account SET (fillfactor = 50);
CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

BACKWARD = r"""
ALTER TABLE ledger_account RESET (fillfactor);
DROP TRIGGER IF EXISTS ledger_account_no_delete ON ledger_account;
DROP TRIGGER IF EXISTS ledger_account_guard ON ledger_account;
DROP FUNCTION IF EXISTS ledger_account_guard();
DROP TRIGGER IF EXISTS ledger_entry_apply ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entries_apply();
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
