"""Copy every admin log entry (add, change, delete, including bulk deletes that the admin
writes with bulk_create and so without model signals) into the audit trail, in the database."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION audit_copy_admin_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_auditevent
        (occurred_at, actor_type, actor_user_id, actor_label, action,
         object_type, object_id, object_repr, payload, ip_address)
    SELECT n.action_time, 'user', n.user_id, coalesce(u.email, ''),
           CASE n.action_flag WHEN 1 THEN 'admin.add' WHEN 2 THEN 'admin.change'
                              WHEN 3 THEN 'admin.delete' ELSE 'admin.other' END,
           coalesce(ct.app_label || '.' || ct.model, ''),
           left(coalesce(n.object_id, ''), 64), left(n.object_repr, 200),
           jsonb_build_object('change_message', n.change_message), NULL
    FROM new_log AS n
    LEFT JOIN accounts_user AS u ON u.id = n.user_id
    LEFT JOIN django_content_type AS ct ON ct.id = n.content_type_id;
    RETURN NULL;
END $$;

CREATE TRIGGER audit_copy_admin_log AFTER INSERT ON django_admin_log
    REFERENCING NEW TABLE AS new_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_copy_admin_log();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_copy_admin_log ON django_admin_log;
DROP FUNCTION IF EXISTS audit_copy_admin_log();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
