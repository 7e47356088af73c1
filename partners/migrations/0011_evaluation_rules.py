"""Rules the database keeps for the evaluation: published results and scorecards in use never
change; the first scorecard; the monthly evaluation in django-celery-beat; purchases' training
start copied from their redeem codes."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from partners.models.evaluation import DEFAULT_RULES

SCHEDULE = "Evaluate the platforms (draft of last month)"
PRUNE = "Prune the partner API request log"

FROZEN = """
CREATE FUNCTION partners_evaluation_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'published evaluation % is immutable', OLD.id USING ERRCODE = '55000';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER partners_evaluation_frozen BEFORE UPDATE OR DELETE ON partners_evaluation
    FOR EACH ROW EXECUTE FUNCTION partners_evaluation_frozen();

CREATE FUNCTION partners_evaluation_result_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    evaluation bigint := CASE WHEN TG_OP = 'INSERT' THEN NEW.evaluation_id ELSE OLD.evaluation_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM partners_evaluation WHERE id = evaluation AND status = 'published') THEN
        RAISE EXCEPTION 'results of published evaluation % are immutable', evaluation USING ERRCODE = '55000';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER partners_evaluation_result_frozen BEFORE INSERT OR UPDATE OR DELETE ON partners_evaluationresult
    FOR EACH ROW EXECUTE FUNCTION partners_evaluation_result_frozen();

CREATE FUNCTION partners_scorecard_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.activated_at IS NOT NULL THEN
        RAISE EXCEPTION 'scorecard v% is in use: make a new version', OLD.version USING ERRCODE = '55000';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER partners_scorecard_frozen BEFORE UPDATE OR DELETE ON partners_scorecard
    FOR EACH ROW EXECUTE FUNCTION partners_scorecard_frozen();

CREATE FUNCTION partners_scorecard_rule_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    card bigint := CASE WHEN TG_OP = 'INSERT' THEN NEW.scorecard_id ELSE OLD.scorecard_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM partners_scorecard WHERE id = card AND activated_at IS NOT NULL) THEN
        RAISE EXCEPTION 'scorecard % is in use: make a new version', card USING ERRCODE = '55000';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER partners_scorecard_rule_frozen BEFORE INSERT OR UPDATE OR DELETE ON partners_scorecardrule
    FOR EACH ROW EXECUTE FUNCTION partners_scorecard_rule_frozen();
"""

UNFROZEN = """
DROP TRIGGER partners_evaluation_frozen ON partners_evaluation;
DROP FUNCTION partners_evaluation_frozen();
DROP TRIGGER partners_evaluation_result_frozen ON partners_evaluationresult;
DROP FUNCTION partners_evaluation_result_frozen();
DROP TRIGGER partners_scorecard_frozen ON partners_scorecard;
DROP FUNCTION partners_scorecard_frozen();
DROP TRIGGER partners_scorecard_rule_frozen ON partners_scorecardrule;
DROP FUNCTION partners_scorecard_rule_frozen();
"""

BACKFILL_STARTED = """
UPDATE partners_purchase p SET started_at = r.used_at
FROM courses_redeemcode r WHERE p.redeem_code_id = r.id AND r.used_at IS NOT NULL AND p.started_at IS NULL;
"""


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from django.utils import timezone

    scorecard_model = apps.get_model("partners", "Scorecard")
    rule_model = apps.get_model("partners", "ScorecardRule")
    if not scorecard_model.objects.exists():
        card = scorecard_model.objects.create(version=1, note="Kartu Prakerja 2020")
        rule_model.objects.bulk_create(
            rule_model(scorecard=card, kpi=kpi, weight=weight, target=target, limit=limit, critical=critical)
            for kpi, weight, target, limit, critical in DEFAULT_RULES
        )
        card.activated_at = timezone.now()
        card.save(update_fields=["activated_at"])
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    crontab, _ = crontab_model.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="1", month_of_year="*", timezone="Asia/Jakarta"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=SCHEDULE, defaults={"task": "batch.partners_evaluate", "queue": "batch", "crontab": crontab}
    )
    daily, _ = crontab_model.objects.get_or_create(
        minute="45", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=PRUNE, defaults={"task": "batch.partners_api_log_prune", "queue": "batch", "crontab": daily}
    )


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[SCHEDULE, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0010_evaluation_integration_check_api_log"),
        ("courses", "0007_review_platform"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(FROZEN, UNFROZEN),
        migrations.RunSQL(BACKFILL_STARTED, migrations.RunSQL.noop),
        migrations.RunPython(seed, unseed),
    ]
