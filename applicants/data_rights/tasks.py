"""Tasks of personal data rights: take ids, call one service, safe to run twice."""

from celery import shared_task

from applicants.data_rights import services


@shared_task(name="data_rights.access_prepare")
def access_prepare(access_id: int) -> None:
    services.access_prepare(access_id=access_id)
