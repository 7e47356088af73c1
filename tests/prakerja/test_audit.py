import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from partners.models import Partner
from prakerja.audit.models import ActorType, AuditEvent
from prakerja.audit.services import AuditEntry, audit_record, audit_record_bulk
from prakerja.core.actor import Actor
from tests.factories import PartnerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_names_actor_action_object_and_details():
    # given a staff user acting on a platform
    staff = StaffUserFactory.create()
    partner = PartnerFactory.create(name="Pijar Mahir")
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.1.2.3")

    # when the action is recorded
    event = audit_record(
        actor=Actor.for_user(staff),
        action="partner.suspend",
        target=partner,
        payload={"reason": "KPI"},
        request=request,
    )

    # then the record says who did what to which object, from where
    event.refresh_from_db()
    assert event.actor_type == ActorType.USER
    assert event.actor_user == staff
    assert event.action == "partner.suspend"
    assert (event.object_type, event.object_id, event.object_repr) == (
        "partners.partner",
        str(partner.pk),
        "Pijar Mahir",
    )
    assert event.payload == {"reason": "KPI"}
    assert event.ip_address == "10.1.2.3"


def test_system_jobs_and_partners_can_be_actors_in_bulk():
    count = audit_record_bulk(
        entries=[
            AuditEntry(actor=Actor.system("selection"), action="wave.select", payload={"wave": 9}),
            AuditEntry(actor=Actor.partner("tokopedia"), action="purchase.create"),
        ]
    )
    assert count == 2
    assert set(AuditEvent.objects.values_list("actor_type", flat=True)) == {ActorType.SYSTEM, ActorType.PARTNER}


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_database_refuses_to_change_the_audit_trail(statement):
    audit_record(actor=Actor.system("test"), action="something")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("count", [1, 3], ids=["single", "bulk"])
def test_every_admin_change_is_copied_to_the_audit_trail(count):
    # given a staff user and some platforms
    staff = StaffUserFactory.create()
    partners = PartnerFactory.create_batch(count)

    # when the admin logs a change (one object, or many at once as bulk actions do)
    LogEntry.objects.log_actions(
        user_id=staff.pk,
        queryset=Partner.objects.filter(pk__in=[p.pk for p in partners]),
        action_flag=CHANGE,
        change_message="status",
    )

    # then an audit event records each one, with who did it
    events = AuditEvent.objects.filter(action="admin.change")
    assert events.count() == count
    event = events.get(object_id=str(partners[0].pk))
    assert event.actor_user == staff
    assert event.actor_label == staff.email
    assert event.object_type == f"{ContentType.objects.get_for_model(Partner).app_label}.partner"
