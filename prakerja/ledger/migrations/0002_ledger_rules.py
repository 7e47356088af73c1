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
BEGIN
    SELECT posting_id INTO bad_posting FROM new_entries
        GROUP BY posting_id HAVING sum(amount) <> 0 OR count(*) < 2 LIMIT 1;
    IF bad_posting IS NOT NULL THEN
        RAISE EXCEPTION 'posting % does not balance', bad_posting
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_posting_balanced';
    END IF;
    UPDATE ledger_account AS a SET balance = a.balance + d.delta
        FROM (SELECT account_id, sum(amount) AS delta FROM new_entries GROUP BY account_id) AS d
        WHERE a.id = d.account_id AND a.is_protected AND d.delta <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_apply();

-- The guarded balance, the kind and the protection of an account change only through entries.
CREATE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 AND (
        NEW.balance IS DISTINCT FROM OLD.balance
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.is_protected IS DISTINCT FROM OLD.is_protected
    ) THEN
        RAISE EXCEPTION 'ledger_account balance, kind and protection change only through postings'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_account_guard BEFORE UPDATE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();
CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

BACKWARD = r"""
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
