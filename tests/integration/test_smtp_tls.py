"""E-mail over TLS with a login, against a real SMTP server (aiosmtpd) on loopback with a
certificate of its own CA: STARTTLS, implicit TLS, a wrong password, an untrusted certificate."""

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.peers.fixtures import Inbox, free_port
from workbench.messaging.smtp import OutgoingEmail, SmtpEmail

MAIL = OutgoingEmail(1, "member@example.com", "主题", "正文", "<p>正文</p>")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, server TLS context)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = datetime.now(UTC)
    cert = (
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
    cert_file, key_file = folder / "mail.pem", folder / "mail.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return str(cert_file), context


def _login(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login, auth_data.password) == (b"mailer", b"secret")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself


def _server(inbox, port, **tls):
    return Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_login, auth_required=True, **tls
    )


def _sender(port, security, ca_file, password="secret"):
    return SmtpEmail(
        host="127.0.0.1",
        port=port,
        security=security,
        username="mailer",
        password=password,
        sender="会员服务 <service@example.com>",
        ca_file=ca_file,
        timeout=5,
    )


def test_starttls_then_login(certificate):
    cert_file, context = certificate
    inbox, port = Inbox(), free_port()
    server = _server(inbox, port, tls_context=context, require_starttls=True)
    server.start()
    try:
        assert _sender(port, "starttls", cert_file).send_batch([MAIL]) == {1: None}
    finally:
        server.stop()
    subject = str(make_header(decode_header(inbox.received[0]["Subject"])))
    assert len(inbox.received) == 1 and subject == "主题"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # it is TLS
def test_implicit_tls(certificate):
    cert_file, context = certificate
    inbox, port = Inbox(), free_port()
    # aiosmtpd knows TLS only from STARTTLS: over implicit TLS it must be told AUTH is safe.
    server = _server(inbox, port, ssl_context=context, auth_require_tls=False)
    server.start()
    try:
        assert _sender(port, "tls", cert_file).send_batch([MAIL]) == {1: None}
        wrong = _sender(port, "tls", cert_file, password="guess").send_batch([MAIL])[1]
        assert "login refused" in str(wrong) and not wrong.permanent  # fix the setting: it goes
    finally:
        server.stop()
    assert len(inbox.received) == 1


def test_a_certificate_nobody_vouched_for_is_refused(certificate):
    _, context = certificate
    inbox, port = Inbox(), free_port()
    server = _server(inbox, port, tls_context=context, require_starttls=True)
    server.start()
    try:
        error = _sender(port, "starttls", ca_file=None).send_batch([MAIL])[1]
    finally:
        server.stop()
    assert error is not None and not inbox.received
