from celery import shared_task


@shared_task(name="batch.opendata_publish", acks_late=True)
def opendata_publish_task() -> str | None:
    from prakerja.opendata.services import release_publish

    release = release_publish()
    return release.date.isoformat() if release else None
