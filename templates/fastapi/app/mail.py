"""Outgoing mail. The default transport logs; implement `Mailer` to send real mail."""

import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class LogMailer:
    """Writes each mail to the log instead of sending it (development)."""

    async def send(self, mail: Mail) -> None:
        logger.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)
