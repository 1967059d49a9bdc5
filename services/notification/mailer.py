"""Sending one e-mail over SMTP (aiosmtplib), telling temporary failures from permanent ones."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from services.notification.domain import Email
from services.notification.settings import NotificationSettings


class SendFailed(Exception):
    """The SMTP server did not take the e-mail; ``permanent`` means retrying will not help."""

    def __init__(self, detail: str, *, permanent: bool) -> None:
        super().__init__(detail)
        self.permanent = permanent


class SmtpMailer:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    def message(self, email: Email) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = email.to or ""
        message["Subject"] = email.subject
        message["Date"] = formatdate(usegmt=True)
        # The same id on every attempt lets a receiving system drop a duplicate delivery.
        digest = hashlib.sha256(email.id.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@oms.notification>"
        message["X-OMS-Email-Id"] = email.id
        message.set_content(email.body)
        return message

    async def send(self, email: Email) -> None:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                self.message(email),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_use_tls,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            raise SendFailed(f"recipient refused: {codes}", permanent=min(codes) >= 500) from error
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailed(
                f"SMTP {error.code}: {error.message}", permanent=error.code >= 500
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SendFailed(f"{type(error).__name__}: {error}", permanent=False) from error
