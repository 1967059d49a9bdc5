"""Wiring of the notification service: subscribers, the e-mail store, the SMTP dispatcher."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream

from services.notification.consumers import routers
from services.notification.dispatcher import Dispatcher
from services.notification.handlers import NotificationHandlers
from services.notification.mailer import SmtpMailer
from services.notification.queries import queries
from services.notification.repository import EMAILS, create_indexes, email_store
from services.notification.settings import NotificationSettings
from shared.contracts.notification import EmailFailed, EmailSent
from shared.runtime import Runtime, ServiceDefinition, build_app


async def setup(runtime: Runtime) -> NotificationHandlers:
    settings = runtime.settings
    assert isinstance(settings, NotificationSettings)
    await create_indexes(runtime.database)
    emails = email_store(runtime.database, runtime.outbox)
    dispatcher = Dispatcher(
        emails,
        SmtpMailer(settings),
        owner=runtime.owner,
        interval_seconds=settings.dispatch_interval_seconds,
        lease_seconds=settings.send_lease_seconds,
        max_attempts=settings.send_max_attempts,
        backoff_seconds=settings.send_backoff_seconds,
    )
    runtime.jobs.append(dispatcher)
    return NotificationHandlers(emails, dispatcher)


SERVICE = ServiceDefinition(
    name="notification",
    description="E-mail about pending approvals, approvals and rejections, sent once per event.",
    routers=routers,
    setup=setup,
    outbox_collections=[EMAILS],
    publishes=[EmailSent, EmailFailed],
    queries=queries,
)


def create_app(settings: NotificationSettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or NotificationSettings())
