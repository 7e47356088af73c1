"""The database refuses a purchase turned completed before its training was done: every planned
session of its course attended, every required practice task assessed, the course's minimum
duration passed since the start. The same rule as courses.training.training_problems, which
the service checks first to say what is missing; this holds it for any other writer."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION partners_purchase_training_done() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    minimum integer;
BEGIN
    IF NEW.status <> 'completed' OR (TG_OP = 'UPDATE' AND OLD.status = 'completed') THEN
        RETURN NEW;
    END IF;
    IF NEW.redeem_code_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM courses_coursesession AS s WHERE s.course_id = NEW.course_id)
       OR EXISTS (
           SELECT 1 FROM courses_coursesession AS s
           WHERE s.course_id = NEW.course_id
             AND (
                 NOT EXISTS (
                     SELECT 1 FROM courses_attendance AS a
                     WHERE a.redeem_code_id = NEW.redeem_code_id AND a.sequence = s.sequence
                 )
                 OR (
                     s.practice_task_required AND NOT EXISTS (
                         SELECT 1 FROM courses_practicetask AS t
                         WHERE t.redeem_code_id = NEW.redeem_code_id AND t.sequence = s.sequence
                           AND t.status = 'assessed'
                     )
                 )
             )
       )
    THEN
        RAISE EXCEPTION 'purchase % completed before every planned session and task was done', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'purchase_training_done';
    END IF;
    SELECT c.min_duration_hours INTO minimum FROM courses_course AS c WHERE c.id = NEW.course_id;
    IF minimum IS NOT NULL AND NEW.completed_at < NEW.started_at + make_interval(hours => minimum) THEN
        RAISE EXCEPTION 'purchase % completed before the course''s minimum duration', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'purchase_training_done';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER purchase_training_done BEFORE INSERT OR UPDATE OF status ON partners_purchase
    FOR EACH ROW EXECUTE FUNCTION partners_purchase_training_done();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS purchase_training_done ON partners_purchase;
DROP FUNCTION IF EXISTS partners_purchase_training_done();
"""


class Migration(migrations.Migration):
    dependencies = [("partners", "0016_purchase_certificate_and_completion")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
