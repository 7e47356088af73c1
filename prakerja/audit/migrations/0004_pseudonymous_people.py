"""The trail names applicants by id only (issue 23): what earlier versions wrote (an
applicant's e-mail address as the actor, an applicant's name or address as the object) is
rewritten once, here, and the admin-log copy names people by id from now on.

The trail is append-only (0002); this migration lifts the guard for its own statements, in
its own transaction, because the law's erasure right covers these labels too (the actor's
user id, which stays, is what the trail needs)."""

from django.db import migrations

FORWARD = r"""
ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only;
UPDATE audit_auditevent AS e SET actor_label = 'user #' || e.actor_user_id
FROM accounts_user AS u
WHERE u.id = e.actor_user_id AND e.actor_type = 'user' AND NOT u.is_staff;
UPDATE audit_auditevent SET object_repr = 'applicant #' || object_id
WHERE object_type = 'applicants.applicant' AND object_repr <> 'applicant #' || object_id;
UPDATE audit_auditevent AS e SET object_repr = 'user #' || e.object_id
FROM accounts_user AS u
WHERE e.object_type = 'accounts.user' AND u.id::text = e.object_id AND NOT u.is_staff;
ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only;

CREATE OR REPLACE FUNCTION audit_copy_admin_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_auditevent
        (occurred_at, actor_type, actor_user_id, actor_label, action,
         object_type, object_id, object_repr, payload, ip_address)
    SELECT n.action_time, 'user', n.user_id,
           CASE WHEN u.is_staff THEN coalesce(u.email, '') ELSE 'user #' || n.user_id END,
           CASE n.action_flag WHEN 1 THEN 'admin.add' WHEN 2 THEN 'admin.change'
                              WHEN 3 THEN 'admin.delete' ELSE 'admin.other' END,
           coalesce(ct.app_label || '.' || ct.model, ''),
           left(coalesce(n.object_id, ''), 64),
           CASE WHEN ct.app_label = 'applicants' AND ct.model = 'applicant' THEN 'applicant #' || n.object_id
                WHEN ct.app_label = 'accounts' AND ct.model = 'user' AND NOT coalesce(target.is_staff, false)
                    THEN 'user #' || n.object_id
                ELSE left(n.object_repr, 200) END,
           jsonb_build_object('change_message', n.change_message), NULL
    FROM new_log AS n
    LEFT JOIN accounts_user AS u ON u.id = n.user_id
    LEFT JOIN django_content_type AS ct ON ct.id = n.content_type_id
    LEFT JOIN accounts_user AS target
        ON ct.app_label = 'accounts' AND ct.model = 'user' AND target.id::text = n.object_id;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_copy_admin_log"), ("accounts", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
