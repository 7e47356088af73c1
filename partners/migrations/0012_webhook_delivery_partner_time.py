"""Webhook deliveries carry their platform and time (the evaluation reads them by range)."""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0011_evaluation_rules'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookdelivery',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='partner',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='partners.partner'),
        ),
        # Existing deliveries take their event's time and their endpoint's platform.
        migrations.RunSQL(
            """
            UPDATE partners_webhookdelivery d SET created_at = e.created_at, partner_id = w.partner_id
            FROM partners_webhookevent e, partners_webhookendpoint w
            WHERE e.id = d.event_id AND w.id = d.endpoint_id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=django.contrib.postgres.indexes.BrinIndex(fields=['created_at'], name='webhook_delivery_created_brin'),
        ),
    ]
