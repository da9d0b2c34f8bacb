"""Production as it runs: Debian's nginx with TLS on loopback in front of `telecentre serve`.

The shipped ``deploy/nginx/telecentre.conf`` is used as it is, with only its
ports, certificate paths and upstream replaced. Clients connect from several
loopback addresses (127.0.0.2, 127.0.0.3, …) and, for /metrics, from a
network namespace the test creates (a real non-loopback address). Behind the
proxy the app must see each client's own address (TRUSTED_PROXY_HOPS=1):

* rate limits count per forwarded client: one client is locked out, another not,
  and an X-Forwarded-For the client writes itself changes nothing;
* a sign-in from a public-PC address gets the short, never-persisted session;
* /metrics answers 200 to a loopback client and 403 to one outside;
* a 20 MB body gets 413 from nginx, a 100 kB API body 413 (JSON) from the app.
"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.agent_api.server_process import ROOT, ServerProcess

pytestmark = pytest.mark.slow
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PORT = int(os.environ.get("TELECENTRE_TEST_PORT", "18640")) + 40
PASSWORD = "correct-horse-battery"
ADD_USERS = """
import sys
from telecentre import create_app
from telecentre.auth.services import create_user
from telecentre.extensions import db
with create_app().app_context():
    for login in sys.argv[2:]:
        create_user(None, login, role="resident", password=sys.argv[1])
    db.session.commit()
"""
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(host, port, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited"
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {host}:{port}")


class Namespace:
    """A network namespace joined to this one by a veth pair: a client that is not loopback."""

    def __init__(self, tag):
        self.name = f"tcng{tag}"
        self.outer, self.inner = f"tcng{tag}a", f"tcng{tag}b"
        self.host, self.client = "10.254.17.1", "10.254.17.2"

    def __enter__(self):
        steps = [["ip", "netns", "add", self.name],
                 ["ip", "link", "add", self.outer, "type", "veth", "peer", "name", self.inner],
                 ["ip", "link", "set", self.inner, "netns", self.name],
                 ["ip", "addr", "add", f"{self.host}/30", "dev", self.outer],
                 ["ip", "link", "set", self.outer, "up"],
                 ["ip", "netns", "exec", self.name, "ip", "addr", "add", f"{self.client}/30",
                  "dev", self.inner],
                 ["ip", "netns", "exec", self.name, "ip", "link", "set", self.inner, "up"]]
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True)
            if result.returncode:
                self.__exit__()
                pytest.skip(f"no network namespace here ({' '.join(step)}: {result.stderr})")
        return self

    def __exit__(self, *_exc):
        subprocess.run(["ip", "link", "del", self.outer], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def curl(self, url) -> int:
        """GET ``url`` from inside the namespace; return the status."""
        result = subprocess.run(
            ["ip", "netns", "exec", self.name, "curl", "-sk", "-o", "/dev/null",
             "-w", "%{http_code}", "--max-time", "20", url],
            capture_output=True, text=True, timeout=60)
        return int(result.stdout or 0)


def _nginx_config(workdir: Path, listen: list[str], app_port: int) -> Path:
    """The shipped configuration with test ports and paths, inside a minimal nginx.conf."""
    shipped = (ROOT / "deploy" / "nginx" / "telecentre.conf").read_text()
    # The first server block redirects port 80: not needed here.
    head, redirect, tls = shipped.split("server {", 2)
    tls = "server {" + tls
    tls = re.sub(r"\n    listen [^\n]+", "", tls, count=2)
    tls = tls.replace("server {", "server {\n" + "".join(
        f"    listen {where} ssl http2;\n" for where in listen), 1)
    tls = tls.replace("/etc/telecentre/tls/fullchain.pem", str(workdir / "cert.pem"))
    tls = tls.replace("/etc/telecentre/tls/privkey.pem", str(workdir / "key.pem"))
    head = head.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    assert redirect and f"127.0.0.1:{app_port}" in head
    (workdir / "telecentre.conf").write_text(head + tls)
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / folder).mkdir(exist_ok=True)
    main = workdir / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 128; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/telecentre.conf;
}}
""")
    return main


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (2 workers) behind nginx with TLS; yields (https port, namespace, workdir)."""
    if not os.path.exists(NGINX):
        pytest.skip("Debian's nginx is not installed")
    workdir = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(workdir / "key.pem"),
                    "-out", str(workdir / "cert.pem")], check=True, capture_output=True)
    app_port = _free_port()
    server = ServerProcess(workdir, app_port, workers=2, TRUSTED_PROXY_HOPS=1,
                           SECURE_COOKIES="true", RATELIMIT_LOGIN="3 per hour",
                           PUBLIC_PC_NETWORKS='["127.0.0.5/32"]')
    server.env["TELECENTRE_INSTANCE_PATH"] = str(workdir / "instance")
    server.cli("init")
    subprocess.run([sys.executable, "-c", ADD_USERS, PASSWORD, "anna", "bartek", "celina",
                    "dorota"], env=server.env, cwd=ROOT, check=True, capture_output=True)
    server.start()
    port = _free_port()
    with Namespace(os.getpid() % 100000) as namespace:
        config = _nginx_config(workdir, [f"127.0.0.1:{port}", f"{namespace.host}:{port}"],
                               app_port)
        nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(config),
                                  "-e", str(workdir / "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port("127.0.0.1", port, nginx, "nginx")
            yield port, namespace, workdir
        finally:
            nginx.terminate()
            nginx.wait(30)
            server.kill()
            server.log.close()


class Client:
    """An HTTPS client that connects from one loopback address and keeps its cookies."""

    def __init__(self, port, source):
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context,
                                           source_address=(self.source, 0), timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        reply.body = data
        return reply

    def sign_in(self, login, password, extra_headers=None):
        page = self.request("GET", "/login").body.decode()
        token = CSRF.search(page).group(1)
        form = urlencode({"login": login, "password": password, "csrf_token": token})
        return self.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{self.port}/login", **(extra_headers or {})})


def test_rate_limits_count_per_forwarded_client(stack):
    port, _ns, _server = stack
    mallory, bob = Client(port, "127.0.0.2"), Client(port, "127.0.0.3")
    statuses = [mallory.sign_in("anna", "wrong-password-1").status for _ in range(3)]
    assert statuses == [401, 401, 401]
    assert mallory.sign_in("anna", "wrong-password-1").status == 429
    # Writing another address into X-Forwarded-For does not get the client out.
    spoofed = mallory.sign_in("anna", PASSWORD, {"X-Forwarded-For": "127.0.0.9"})
    assert spoofed.status == 429
    # Another client behind the same proxy is not locked out.
    assert bob.sign_in("anna", "wrong-password-2").status == 401
    signed_in = bob.sign_in("bartek", PASSWORD)
    assert signed_in.status == 302, signed_in.body[:300]
    assert bob.request("GET", "/account").status == 200


def test_public_pc_address_gets_the_short_session(stack):
    port, _ns, _server = stack
    kiosk, office = Client(port, "127.0.0.5"), Client(port, "127.0.0.6")
    public = kiosk.sign_in("celina", PASSWORD)
    ordinary = office.sign_in("dorota", PASSWORD)
    assert public.status == ordinary.status == 302

    def session_cookie(reply):
        cookies = [c for c in reply.headers.get_all("Set-Cookie") if "session=" in c]
        assert cookies, reply.headers
        return cookies[-1].lower()

    # The scheme came through the proxy: the cookie is Secure with the __Host- prefix.
    assert session_cookie(public).startswith("__host-session=")
    assert "secure" in session_cookie(public)
    assert "expires=" not in session_cookie(public)     # the browser's lifetime only
    assert "expires=" in session_cookie(ordinary)       # an ordinary, persisted session


def test_metrics_only_for_loopback_clients_through_the_proxy(stack):
    port, namespace, _server = stack
    assert Client(port, "127.0.0.2").request("GET", "/metrics").status == 200
    assert namespace.curl(f"https://{namespace.host}:{port}/metrics") == 403
    # The same client reaches other pages through the same proxy: only /metrics is closed.
    assert namespace.curl(f"https://{namespace.host}:{port}/login") == 200


def test_large_bodies_get_413(stack, tmp_path):
    port, _ns, workdir = stack
    big = tmp_path / "big.bin"
    with big.open("wb") as fh:
        fh.truncate(20 * 1024 * 1024)
    result = subprocess.run(
        ["curl", "-sk", "--interface", "127.0.0.7", "-o", str(tmp_path / "reply"),
         "-w", "%{http_code}", "-H", "Content-Type: application/x-www-form-urlencoded",
         "--data-binary", f"@{big}", f"https://127.0.0.1:{port}/login"],
        capture_output=True, text=True, timeout=60)
    assert result.stdout == "413"
    assert "The request is too large" in (tmp_path / "reply").read_text()
    # Under nginx's limit but over the app's for the API: the app's own JSON answer.
    body = b'{"login": "' + b"x" * 100_000 + b'", "password": "x"}'
    reply = Client(port, "127.0.0.7").request(
        "POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert b'"error":"request_entity_too_large"' in reply.body
    assert "Traceback" not in (workdir / "server.log").read_text()
