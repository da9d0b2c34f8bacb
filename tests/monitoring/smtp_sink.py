"""A tiny SMTP server on loopback that keeps the messages it receives (tests only)."""
import email
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self._say("220 sink ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 sink")
            elif verb == "DATA":
                self._say("354 go ahead")
                body = []
                for raw in iter(self.rfile.readline, b""):
                    if raw in (b".\r\n", b".\n"):
                        break
                    body.append(raw[1:] if raw.startswith(b"..") else raw)
                self.server.messages.append(email.message_from_bytes(b"".join(body)))
                self._say("250 stored")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


class SmtpSink(socketserver.ThreadingTCPServer):
    """``with SmtpSink(("127.0.0.1", 11025)) as sink: ... sink.messages``."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address):
        super().__init__(address, _Handler)
        self.messages = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
