"""Build the wheel, install it into a fresh virtualenv, and run the server from it.

What `pip install .` gives an operator, checked end to end (run by .ci/run):
the wheel carries the templates, the migrations, the static files, the device
profiles and the compiled catalogues; `telecentre init` migrates an empty database from the
installed package; `telecentre serve` answers a page rendered from a template
(in Polish: the catalogues were compiled into the wheel), a static file and
/readyz (the schema at the migrations' head). Nothing is read from the checkout.
"""
import os
import shutil
import signal
import socket
import subprocess  # nosec B404 - runs pip and the installed server
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run(args, check=True, **kwargs)  # nosec B603


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as reply:  # nosec B310 - loopback only
        return reply.status, reply.read().decode()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="telecentre-wheel-"))
    try:
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
            str(work / "dist"), str(ROOT))
        wheel = next((work / "dist").glob("telecentre-*.whl"))
        run(sys.executable, "-m", "venv", str(work / "venv"))
        py = work / "venv" / "bin" / "python"
        run(str(py), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"),
            str(wheel))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELECENTRE_", "FLASK_"))}
        env.update(TELECENTRE_INSTANCE_PATH=str(work / "instance"),
                   TELECENTRE_SECURE_COOKIES="false", TELECENTRE_LOG_FORMAT="text")
        tool = work / "venv" / "bin" / "telecentre"
        run(str(tool), "init", env=env, cwd=work)  # cwd: nothing of the checkout on sys.path
        port = free_port()
        server = subprocess.Popen([str(tool), "serve", "--port", str(port), "--workers", "1"],
                                  env=env, cwd=work, start_new_session=True)  # nosec B603
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _body = get(base + "/healthz")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the installed server did not start") from None
                    time.sleep(0.2)
            status, page = get(base + "/login")
            assert status == 200 and "csrf_token" in page, "no sign-in page from the template"
            assert "Zaloguj" in page, "the page is not in Polish: catalogues missing"
            status, _css = get(base + "/static/style.css")
            assert status == 200, "static files missing"
            status, ready = get(base + "/readyz")
            assert status == 200 and '"ok"' in ready, ready
            installed = subprocess.run(  # nosec B603
                [str(py), "-c", "import telecentre; print(telecentre.template_folder(), "
                 "telecentre.migrations_folder())"], env=env, cwd=work, check=True,
                capture_output=True, text=True).stdout
            assert str(ROOT) not in installed and "site-packages" in installed, installed
            families = subprocess.run(  # nosec B603
                [str(py), "-c", "from telecentre.monitoring import profiles; "
                 "print(len(profiles.profiles()))"], env=env, cwd=work, check=True,
                capture_output=True, text=True).stdout
            assert int(families) >= 14, "device profiles (families/*.yaml) missing"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        print(f"wheel smoke test passed: {wheel.name} serves templates, static files, "
              "catalogues and migrations from its own install")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
