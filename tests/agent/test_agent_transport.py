"""Transport: TLS verified (pinned CA works, others fail), no redirects, error mapping, rotation."""

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from agent_fakeserver import FakeServer, free_port
from agent.credentials import Credentials
from agent.state import StateStore
from agent.transport import (
    ApiError,
    Revoked,
    Transport,
    Unauthorized,
    Unreachable,
    check_server_url,
)


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_server(tmp_path):
    """A fake server over TLS with a self-signed certificate; yields (server, ca file)."""
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = FakeServer(ssl_context=context, host="localhost").start()
    yield server, cert
    server.stop()


def _enroll(transport, server):
    return transport.post(
        "/enroll",
        {
            "token": server.new_token(),
            "seat_name": None,
            "kind": "pc",
            "hostname": "pc-1",
            "os": "linux",
            "version": "1.0.0",
            "ssh_host_key": None,
            "mac": None,
        },
        auth=False,
    )


def test_tls_with_a_pinned_ca_works_and_an_unknown_ca_is_refused(tls_server, tmp_path):
    server, ca_file = tls_server
    assert _enroll(Transport(server.url, ca_file=ca_file), server)["agent_id"]
    with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
        _enroll(Transport(server.url), server)  # system CAs do not know this certificate


def test_hostname_is_checked_even_with_the_pinned_ca(tls_server):
    server, ca_file = tls_server
    wrong_name = server.url.replace("localhost", "127.0.0.2")
    with pytest.raises(Unreachable):
        _enroll(Transport(wrong_name, ca_file=ca_file), server)


def test_non_loopback_plain_http_is_refused():
    for url in ("http://10.1.2.3", "http://telecentrum.example", "https://"):
        with pytest.raises(ValueError):
            check_server_url(url)


def test_a_redirect_is_not_followed_so_the_secret_cannot_leak(tmp_path):
    seen = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    port = free_port(18600)
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        store = StateStore(str(tmp_path))
        store.update(agent_id="a-1", secret="s3cret")
        with pytest.raises(Unreachable):
            Transport(f"http://127.0.0.1:{port}", credentials=Credentials(store)).post(
                "/heartbeat", {}
            )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen == [("/api/v1/agent/heartbeat", "Bearer a-1.s3cret")]


def test_status_codes_map_to_what_the_agent_does(fake_server, tmp_path):
    store = StateStore(str(tmp_path))
    credentials = Credentials(store)
    transport = Transport(fake_server.url, credentials=credentials)
    reply = _enroll(transport, fake_server)
    credentials.set_enrolled(reply["agent_id"], reply["secret"])
    with pytest.raises(ApiError) as refused:
        transport.post("/unlock", {"method": "code", "code": "NOPE", "local_id": "x"})
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        403,
        "wrong_code",
        "Nieznany kod.",
    )
    store.update(secret="wrong")
    with pytest.raises(Unauthorized):
        transport.post("/heartbeat", {})
    store.update(secret=reply["secret"])
    fake_server.revoke_all()
    with pytest.raises(Revoked) as revoked:
        transport.post("/heartbeat", {})
    assert revoked.value.message == "Komputer wycofany przez IT."
    fake_server.stop()
    with pytest.raises(Unreachable):
        transport.post("/heartbeat", {})
    fake_server.start()
    with pytest.raises(ApiError) as invalid:
        transport.post("/enroll", {"token": "used-or-unknown"}, auth=False)
    assert invalid.value.code == "invalid_token"


def test_secret_rotation_uses_the_new_secret_and_falls_back_when_refused(tmp_path):
    store = StateStore(str(tmp_path))
    credentials = Credentials(store, wall=lambda: 1000.0)
    credentials.set_enrolled("a-1", "old")
    credentials.offer("new")
    header, used = credentials.authorization()
    assert header == "Bearer a-1.new" and StateStore(str(tmp_path)).get("pending_secret") == "new"
    credentials.rejected(used)
    assert credentials.authorization() == ("Bearer a-1.old", "old")
    credentials.accepted("old")  # the server never rotated
    assert store.get("pending_secret") is None and store.get("secret") == "old"
    credentials.offer("newer")
    credentials.accepted(credentials.authorization()[1])
    assert (store.get("secret"), store.get("pending_secret")) == ("newer", None)
    assert not credentials.rotation_due(30)
    assert Credentials(store, wall=lambda: 1000.0 + 31 * 86400).rotation_due(30)
