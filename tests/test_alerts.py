"""Alert rules on hand-made worlds (each rule triggered and not), and the sending through a
local SMTP server (aiosmtpd) started by the test: messages read back, never twice, nothing
marked when the server cannot be reached, invalid addresses refused.

The day is Wednesday 12/11/2025: the last full week is Monday 03/11 to Sunday 09/11 (and its
requests all had their 48 h by the end of the 11th).
"""

from __future__ import annotations

import json
import socket
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from world import World

from alerts import rules
from cli import main
from indicators.common import IndicatorSettings, Period, Scope

DAY = date(2025, 11, 12)
WEEK = date(2025, 11, 3)


def a_world() -> World:
    w = World()
    w.group("CAP 1", site="Nord", public="jeunes")
    w.group("2nde A", site="Sud", public="jeunes")
    for index in range(12):
        w.learner(f"N{index:02d}", group="CAP 1", entered=date(2025, 9, 1))
        w.learner(f"S{index:02d}", group="2nde A", entered=date(2025, 9, 1))
    return w


def alerts_of(world: World, rule: str, **settings: object) -> list[dict]:
    scope = Scope(Period(DAY, DAY), settings=IndicatorSettings(**settings))
    found = rules.evaluate(world.dataset(), scope, DAY)
    return found.filter(found["rule"] == rule).to_dicts()


def test_the_weeks_read() -> None:
    assert rules.last_full_week(DAY) == Period(WEEK, date(2025, 11, 9))
    assert rules.last_full_week(date(2025, 11, 9)) == Period(WEEK, date(2025, 11, 9))  # a Sunday
    # on Monday 10/11 the requests of Saturday 08/11 and Sunday 09/11 have not had 48 h yet
    assert rules.answered_week(date(2025, 11, 10), 48).start == date(2025, 10, 27)
    assert rules.answered_week(date(2025, 11, 11), 48).start == WEEK
    assert rules.answered_week(DAY, 48).start == WEEK


@pytest.mark.parametrize("late", [1, 2])
def test_correction_delay_p90_above_the_target(late: int) -> None:
    """10 copies corrected in the week at Nord in Maths, ``late`` of them in 10 days, the rest
    in 2. P90 (PERCENTILE.INC) at position 0.9 * 9 = 8.1: one late copy gives 2 + 0.1 * 8 = 2.8
    (within the 3-day target, no alert); two give 10 (alert, figure 10)."""
    w = a_world()
    for index in range(10):
        delay = 10 if index < late else 2
        corrected = WEEK + timedelta(days=index % 5)
        w.copy(
            f"N{index:02d}",
            "Maths",
            submitted=corrected - timedelta(days=delay),
            corrected=corrected,
        )
    found = alerts_of(w, "delai")
    if late == 1:
        assert found == []
    else:
        (alert,) = found
        assert (alert["site"], alert["discipline"], alert["week"]) == ("Nord", "Maths", WEEK)
        assert alert["figure"] == pytest.approx(10.0)
        assert alert["threshold"] == 3.0
        assert "90e centile de 10,0 jours sur les 10 copies" in alert["message"]


def test_too_few_copies_are_not_judged() -> None:
    w = a_world()
    for index in range(9):  # 9 copies, all in 10 days: under the minimum volume of 10
        w.copy(f"N{index:02d}", "Maths", submitted=date(2025, 10, 25), corrected=date(2025, 11, 4))
    assert alerts_of(w, "delai") == []
    assert len(alerts_of(w, "delai", alert_min_volume=9)) == 1


@pytest.mark.parametrize(("in_time", "alert"), [(8, True), (9, False)])
def test_share_answered_within_48h_below_the_target(in_time: int, alert: bool) -> None:
    """10 requests received at Sud in the week, ``in_time`` answered in 24 h, the others after
    72 h: 8/10 = 80 % < 81 % is an alert, 9/10 = 90 % is not."""
    w = a_world()
    for index in range(10):
        received = datetime(2025, 11, 3 + index % 5, 10)
        hours = 24 if index < in_time else 72
        w.request(
            f"S{index:02d}", "Maths", received=received, answered=received + timedelta(hours=hours)
        )
    found = alerts_of(w, "tutorat")
    assert bool(found) is alert
    if alert:
        assert (found[0]["site"], found[0]["figure"]) == ("Sud", pytest.approx(0.8))
        assert "80 % des 10 sollicitations" in found[0]["message"]


@pytest.mark.parametrize(("waiting", "alert"), [(6, True), (5, False)])
def test_backlog_above_the_threshold(waiting: int, alert: bool) -> None:
    w = a_world()
    for index in range(waiting):
        w.copy(f"N{index:02d}", "Maths", submitted=date(2025, 11, 10))
    w.copy("N11", "Maths", submitted=date(2025, 11, 10), corrected=date(2025, 11, 12))  # done
    found = alerts_of(w, "stock", alert_backlog_copies=5)
    assert bool(found) is alert
    if alert:
        assert (found[0]["site"], found[0]["figure"], found[0]["week"]) == (
            "Nord",
            6.0,
            date(2025, 11, 10),
        )


def test_a_copy_waiting_too_long() -> None:
    """Submitted 01/10/2025, still waiting on 12/11: 42 days > 21. A copy of the previous
    school year left waiting does not count; one of 25/10 (18 days) neither."""
    w = a_world()
    w.copy("N00", "Maths", submitted=date(2025, 10, 25))
    w.copy("N01", "Maths", submitted=date(2025, 6, 2))
    assert alerts_of(w, "attente") == []
    w.copy("S00", "Français", submitted=date(2025, 10, 1))
    (alert,) = alerts_of(w, "attente")
    assert (alert["site"], alert["figure"]) == ("Sud", 42.0)


@pytest.mark.parametrize(("last_week", "alert"), [(3, True), (1, False)])
def test_a_surge_under_way(last_week: int, alert: bool) -> None:
    """One copy a week at Nord in Maths from 01/09 (9 weeks), then ``last_week`` copies the week
    of 03/11: with a minimum volume of 1, 3 copies are ×3 the median of 1 (a surge); 1 is not."""
    w = a_world()
    for week in range(9):
        day = date(2025, 9, 1) + timedelta(weeks=week)
        w.copy("N00", "Maths", submitted=day, corrected=day)
    for index in range(last_week):
        w.copy(f"N{index + 1:02d}", "Maths", submitted=WEEK, corrected=WEEK)
    found = alerts_of(w, "pic", surge_min_volume=1)
    assert bool(found) is alert
    if alert:
        assert (found[0]["site"], found[0]["discipline"], found[0]["week"]) == (
            "Nord",
            "Maths",
            WEEK,
        )
        assert found[0]["figure"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("november_grade", "answered", "alert"), [(5, False, True), (11, True, False)]
)
def test_new_learners_at_the_alert_level(november_grade: int, answered: bool, alert: bool) -> None:
    """N00 had 15/20 three times in October, then the November grade on 06, 07 and 10/11
    (falling grades, seen only from 10/11: six grades are needed), and a request of 08/11
    unanswered on the 12th or answered in a day. With 5/20 the fall (10 points) is at the alert
    level on the 12th and nothing was on the 5th: a new learner to call. With 11/20 (4 points)
    and the request answered, the fall is at the vigilance level only: no alert."""
    w = a_world()
    for day in (1, 8, 15):
        w.copy(
            "N00", "Maths", submitted=date(2025, 10, day), corrected=date(2025, 10, day), grade=15
        )
    for day in (6, 7, 10):
        w.copy(
            "N00",
            "Maths",
            submitted=date(2025, 11, day),
            corrected=date(2025, 11, day),
            grade=november_grade,
        )
    received = datetime(2025, 11, 8, 9)
    w.request(
        "N00",
        "Maths",
        received=received,
        answered=received + timedelta(days=1) if answered else None,
    )
    found = alerts_of(w, "risque")
    assert bool(found) is alert
    if alert:
        assert (found[0]["site"], found[0]["figure"]) == ("Nord", 1.0)
        assert "1 apprenant(s) de Nord" in found[0]["message"]


def test_risk_levels_when_the_list_has_them() -> None:
    import polars as pl

    listed = pl.DataFrame({"learner_id": [1, 2, 3], "level": ["alerte", "vigilance", "alerte"]})
    assert rules.at_alert_level(listed).get_column("learner_id").to_list() == [1, 3]


# --- the command and the sending ------------------------------------------------------------


def alert_world() -> World:
    """At 12/11/2025: a copy waiting since 01/10 at Nord (attente) and one since 01/10 at Sud;
    the data run to 20/11 (a copy corrected the day it came)."""
    w = a_world()
    w.copy("N00", "Maths", submitted=date(2025, 10, 1))
    w.copy("S00", "Français", submitted=date(2025, 10, 1))
    w.copy("N05", "Maths", submitted=date(2025, 11, 20), corrected=date(2025, 11, 20))
    return w


class Inbox:
    """Messages a local SMTP server received: (recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], object]] = []
        self.url = ""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    monkeypatch.setenv("PILOTAGE_SMTP_URL", inbox.url)
    monkeypatch.setenv("PILOTAGE_APP_URL", "https://pilotage.example.org")
    yield inbox
    controller.stop()


def test_alerts_json(app_database, capsys: pytest.CaptureFixture) -> None:  # noqa: ANN001
    app_database(alert_world())
    assert main(["alerts", "--as-of", "2025-11-12", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(a["rule"], a["site"]) for a in found] == [("attente", "Nord"), ("attente", "Sud")]
    first = found[0]
    assert set(first) >= {"rule", "site", "discipline", "week", "figure", "threshold", "message"}
    assert (first["week"], first["figure"], first["threshold"]) == ("2025-11-10", 42.0, 21.0)
    assert first["link"] == "http://localhost:8501/delais"
    # after the data's last day (20/11), the alerts are read on that day
    assert main(["alerts", "--as-of", "2030-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["week"] == "2025-11-17"


def test_each_recipient_gets_their_scope_once(app_database, smtp: Inbox, capsys) -> None:  # noqa: ANN001
    from data_access import accounts
    from data_access.db import get_engine

    app_database(alert_world())
    engine = get_engine()
    accounts.add_account(
        engine, login="dir", role="direction", email="dir@example.org", password=None
    )
    accounts.add_account(
        engine, login="nord", role="site", sites=("Nord",), email="Nord@Example.org", password=None
    )
    accounts.add_account(
        engine, login="old", role="site", sites=("Sud",), email="old@example.org", password=None
    )
    accounts.set_disabled(engine, "old", True)
    assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 0
    out = capsys.readouterr().out
    assert "2 alerte(s) envoyée(s) à dir@example.org." in out
    assert "1 alerte(s) envoyée(s) à nord@example.org." in out
    received = {tuple(to): mail for to, mail in smtp.messages}
    assert set(received) == {("dir@example.org",), ("nord@example.org",)}
    nord = received[("nord@example.org",)]
    body = nord.get_content()
    assert nord["Subject"] == "Pilotage : 1 nouvelle alerte au 12/11/2025"
    assert "Copie en attente depuis 42 jours à Nord" in body
    assert "Sud" not in body  # another site's alert never reaches Nord
    assert "Voir : https://pilotage.example.org/delais" in body
    assert "Sud" in received[("dir@example.org",)].get_content()

    # the next night, same week: nothing new, nothing sent again
    assert main(["alerts", "--as-of", "2025-11-13", "--send"]) == 0
    assert "Aucune nouvelle alerte" in capsys.readouterr().out
    assert len(smtp.messages) == 2
    # the week after: the alerts of that week are new
    assert main(["alerts", "--as-of", "2025-11-17", "--send"]) == 0
    assert len(smtp.messages) == 4


def test_without_accounts_the_configured_addresses_receive_everything(
    app_database,
    smtp: Inbox,
    monkeypatch,
    capsys,  # noqa: ANN001
) -> None:
    app_database(alert_world())
    monkeypatch.setenv("PILOTAGE_ALERT_RECIPIENTS", "a@example.org, b@example.org")
    assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 0
    assert sorted(to[0] for to, _mail in smtp.messages) == ["a@example.org", "b@example.org"]
    monkeypatch.setenv("PILOTAGE_ALERT_RECIPIENTS", "a@example.org, pas une adresse")
    assert main(["alerts", "--as-of", "2025-11-20", "--send"]) == 1
    assert "Adresse e-mail invalide : « pas une adresse »" in capsys.readouterr().err
    assert len(smtp.messages) == 2  # nothing sent when one address is wrong
    monkeypatch.delenv("PILOTAGE_ALERT_RECIPIENTS")
    assert main(["alerts", "--as-of", "2025-11-20", "--send"]) == 1
    assert "Aucun destinataire" in capsys.readouterr().err


def test_an_unreachable_server_marks_nothing_sent(
    app_database, smtp: Inbox, monkeypatch, capsys
) -> None:  # noqa: ANN001
    app_database(alert_world())
    monkeypatch.setenv("PILOTAGE_ALERT_RECIPIENTS", "a@example.org")
    monkeypatch.setenv("PILOTAGE_SMTP_URL", f"smtp://user:secret@127.0.0.1:{_free_port()}")
    assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 1
    err = capsys.readouterr().err
    assert "Serveur d'envoi injoignable : 127.0.0.1:" in err and "secret" not in err
    monkeypatch.setenv("PILOTAGE_SMTP_URL", "http://127.0.0.1")
    assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 1
    assert "PILOTAGE_SMTP_URL n'est pas une adresse" in capsys.readouterr().err
    # the server back: the alerts were not marked as sent, so they go now
    monkeypatch.setenv("PILOTAGE_SMTP_URL", smtp.url)
    assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 0
    assert len(smtp.messages) == 1


def test_the_report_as_attachment(app_database, smtp: Inbox, monkeypatch, tmp_path, capsys) -> None:  # noqa: ANN001
    from test_summary import hand_made_world

    from data_access import accounts
    from data_access.db import get_engine

    app_database(hand_made_world())
    engine = get_engine()
    accounts.add_account(
        engine, login="dir", role="direction", email="dir@example.org", password=None
    )
    accounts.add_account(
        engine, login="nord", role="site", sites=("Nord",), email="nord@example.org", password=None
    )
    out = tmp_path / "rapport.xlsx"
    assert main(["report", "--month", "2025-10", "--out", str(out), "--send"]) == 0
    assert [to for to, _mail in smtp.messages] == [["dir@example.org"]]  # Nord sees one site only
    letter = smtp.messages[0][1]
    assert letter["Subject"] == "Pilotage : Rapport mensuel — octobre 2025"
    (attachment,) = list(letter.iter_attachments())
    assert attachment.get_filename() == "rapport.xlsx"
    assert attachment.get_content() == out.read_bytes()
    assert (
        main(["report", "--month", "2025-10", "--site", "Nord", "--out", str(out), "--send"]) == 0
    )
    assert sorted(to[0] for to, _mail in smtp.messages[1:]) == [
        "dir@example.org",
        "nord@example.org",
    ]


def test_alerts_of_a_users_perimeter(app_database, capsys) -> None:  # noqa: ANN001
    from data_access import accounts
    from data_access.db import get_engine

    app_database(alert_world())
    accounts.add_account(
        get_engine(), login="nord", role="site", sites=("Nord",), password="une phrase de passe"
    )
    assert main(["alerts", "--as-of", "2025-11-12", "--json", "--user", "nord"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(a["rule"], a["site"]) for a in found] == [("attente", "Nord")]
    assert main(["alerts", "--json", "--user", "inconnu"]) == 1


def test_the_overview_lists_the_alerts_under_way(app_database) -> None:  # noqa: ANN001
    """The sidebar's period is the school year; its alerts are read on the data's last day
    (20/11/2025): the two copies waiting since 01/10 (50 days)."""
    from apptest import open_page, plain

    app_database(alert_world())
    app = open_page("pages/overview.py")
    assert not app.exception
    assert [e.label for e in app.main.expander] == ["Copie en attente depuis longtemps : 2"]
    shown = " ".join(plain(str(m.value)) for m in app.markdown)
    assert "Copie en attente depuis 50 jours à Nord le 20/11/2025" in shown
    assert any("2 alerte(s) au 20/11/2025" in c.value for c in app.caption)


def test_the_sent_log_on_each_backend(engine) -> None:  # noqa: ANN001
    from data_access import mail

    keys = ["pic|Nord|Maths|2025-11-03", "stock|Nord||2025-11-10"]
    assert mail.already_sent(engine, "A@example.org", keys) == set()
    mail.mark_sent(
        engine, "A@example.org", [(keys[0], date(2025, 11, 3))], datetime(2025, 11, 12, 6)
    )
    assert mail.already_sent(engine, "a@example.org", keys) == {keys[0]}
    assert mail.already_sent(engine, "b@example.org", keys) == set()
    assert mail.already_sent(engine, "a@example.org", []) == set()


def _self_signed(tmp_path) -> tuple[str, str]:  # noqa: ANN001
    """A certificate for 127.0.0.1 and its key, written as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_starttls_and_login_when_the_server_offers_them(
    app_database,
    monkeypatch,
    tmp_path,
    capsys,  # noqa: ANN001
) -> None:
    """A server that offers STARTTLS and asks for a login: the message goes encrypted, after
    the login of the URL's user; a wrong password is said in French, nothing sent."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen: dict[str, object] = {}

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        seen["tls"] = session.ssl is not None
        ok = (auth_data.login, auth_data.password) == (b"pilotage", b"s3cret:mdp")
        return AuthResult(success=True) if ok else False  # False: aiosmtpd answers 535

    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        app_database(alert_world())
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # the client trusts this server only
        monkeypatch.setenv("PILOTAGE_ALERT_RECIPIENTS", "a@example.org")
        monkeypatch.setenv("PILOTAGE_SMTP_URL", f"smtp://pilotage:wrong@127.0.0.1:{port}")
        assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 1
        assert "refuse l'identifiant ou le mot de passe" in capsys.readouterr().err
        assert inbox.messages == []
        password = "s3cret%3Amdp"  # a ':' in a password is written %3A in the URL
        monkeypatch.setenv("PILOTAGE_SMTP_URL", f"smtp://pilotage:{password}@127.0.0.1:{port}")
        assert main(["alerts", "--as-of", "2025-11-12", "--send"]) == 0
        assert seen["tls"] is True
        assert [to for to, _mail in inbox.messages] == [["a@example.org"]]
        assert inbox.messages[0][1]["From"] == "pilotage@127.0.0.1"
    finally:
        controller.stop()
