"""A live server in a thread for the console's browser tests (the browser helpers
themselves are shared, in ``tests/browser.py``)."""
import socket
import threading

PORTS = range(21000, 22000)  # this branch's range


def free_port(start: int = 21000) -> int:
    """Return a loopback port of this branch's range that nobody listens on."""
    for port in range(start, PORTS.stop):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 21000-21999")


def serve_in_thread(app):
    """Serve ``app`` on 127.0.0.1 in a thread; return (base URL, stop function)."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", free_port(21500), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop
