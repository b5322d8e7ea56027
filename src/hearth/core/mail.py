"""Outgoing email over SMTP; without SMTP configured, messages are logged (development)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

log = logging.getLogger("hearth.mail")


class Mailer:
    def __init__(self, smtp_url: str | None, sender: str, *, log_bodies: bool = False) -> None:
        self.smtp_url = smtp_url
        self.sender = sender
        # Bodies hold sign-in links: only a developer's own log may show them.
        self.log_bodies = log_bodies

    async def send(self, to: str, subject: str, body: str) -> None:
        if not self.smtp_url:
            extra = {"to": to, "subject": subject}
            if self.log_bodies:
                extra["body"] = body
            log.info("email not sent (no SMTP configured)", extra=extra)
            return
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            # smtplib blocks; keep it off the event loop.
            await asyncio.to_thread(self._deliver, message)
        except (OSError, smtplib.SMTPException):
            # The account change stands; the user can ask for the email again.
            log.exception("email delivery failed", extra={"to": to, "subject": subject})

    def _deliver(self, message: EmailMessage) -> None:
        assert self.smtp_url is not None
        url = urlparse(self.smtp_url)
        secure = url.scheme == "smtps"
        port = url.port or (465 if secure else 25)
        smtp_cls = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with smtp_cls(url.hostname or "localhost", port, timeout=15) as client:
            if url.scheme == "smtp+starttls":
                client.starttls()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
