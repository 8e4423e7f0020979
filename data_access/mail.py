"""E-mail: the SMTP server of PILOTAGE_SMTP_URL, the messages of alerts and reports, and the
log of the alerts already sent (table ``alert_sent``).

``smtp://user:password@host:587`` connects in clear and switches to TLS (STARTTLS) when the
server offers it; ``smtps://…:465`` is TLS from the start; the user and password are optional
(a relay that does not ask for them). Every failure is one French sentence (``MailError``),
never the password.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, select

from data_access import models
from data_access.errors import PilotageError

TIMEOUT_SECONDS = 15
_ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


class MailError(PilotageError):
    """The e-mails cannot be sent (the French message says why)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    implicit_tls: bool = False

    @property
    def where(self) -> str:
        """host:port, for messages (never the password)."""
        return f"{self.host}:{self.port}"


def smtp_server(url: str | None) -> SmtpServer:
    """The server of an smtp:// or smtps:// URL; MailError when missing or unusable."""
    if not url:
        raise MailError(
            "Aucun serveur d'envoi : définissez PILOTAGE_SMTP_URL (par exemple "
            "smtp://utilisateur:motdepasse@serveur:587)."
        )
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
        shown = f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")
        raise MailError(
            f"PILOTAGE_SMTP_URL n'est pas une adresse de serveur d'envoi utilisable ({shown}…) : "
            "attendu smtp://utilisateur:motdepasse@serveur:587 ou smtps://…:465."
        )
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if implicit else 587),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
    )


def checked_address(address: str) -> str:
    """The address in lower case; MailError when it is not an e-mail address."""
    cleaned = address.strip()
    if not _ADDRESS.match(cleaned):
        raise MailError(f"Adresse e-mail invalide : « {cleaned} ».")
    return cleaned.lower()


def sender_of(server: SmtpServer, configured: str | None) -> str:
    """The From address: PILOTAGE_MAIL_FROM, else the SMTP user when it is an address, else
    pilotage@<host>."""
    if configured:
        return checked_address(configured)
    if server.user and _ADDRESS.match(server.user):
        return server.user
    return f"pilotage@{server.host}"


def message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachment: tuple[str, bytes, str] | None = None,
) -> EmailMessage:
    """A plain-text French e-mail; ``attachment``: (file name, content, media type)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    if attachment is not None:
        name, content, media_type = attachment
        main, sub = media_type.split("/", 1)
        mail.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return mail


@contextmanager
def connection(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    """An open SMTP session (TLS when offered, logged in when a user is given); MailError
    when the server cannot be reached or refuses the login."""
    try:
        if server.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
        if server.user:
            client.login(server.user, server.password or "")
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"Le serveur d'envoi {server.where} refuse l'identifiant ou le mot de passe de "
            "PILOTAGE_SMTP_URL : rien n'a été envoyé."
        ) from None
    except (OSError, smtplib.SMTPException):
        raise MailError(
            f"Serveur d'envoi injoignable : {server.where} (PILOTAGE_SMTP_URL). Rien n'a été "
            "envoyé ; réessayez plus tard."
        ) from None
    try:
        yield client
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def send(client: smtplib.SMTP, mail: EmailMessage) -> None:
    """Send one message on an open session; MailError when the server refuses it."""
    try:
        client.send_message(mail)
    except smtplib.SMTPRecipientsRefused:
        raise MailError(f"Le serveur d'envoi refuse l'adresse « {mail['To']} ».") from None
    except (OSError, smtplib.SMTPException):
        raise MailError(
            f"L'envoi à « {mail['To']} » a échoué (le serveur d'envoi ne répond plus)."
        ) from None


def already_sent(engine: Engine, recipient: str, keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` already sent to ``recipient``."""
    wanted = list(keys)
    if not wanted:
        return set()
    table = models.AlertSent.__table__
    query = select(table.c.alert_key).where(
        (table.c.recipient == recipient.lower()) & table.c.alert_key.in_(wanted)
    )
    with engine.connect() as connection_:
        return {row[0] for row in connection_.execute(query)}


def mark_sent(
    engine: Engine, recipient: str, alerts: Iterable[tuple[str, date]], at: datetime
) -> None:
    """Record that the alerts (key, week) were sent to ``recipient``."""
    rows = [
        {"alert_key": key, "recipient": recipient.lower(), "week": week, "sent_at": at}
        for key, week in alerts
    ]
    if rows:
        with engine.begin() as connection_:
            connection_.execute(models.AlertSent.__table__.insert(), rows)
