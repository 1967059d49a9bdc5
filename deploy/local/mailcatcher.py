"""A local SMTP catcher for ``make run``: accepts every e-mail and shows it over HTTP.

The notification service sends to it (SMTP on 127.0.0.1:1025, no TLS, no login, as Mailpit in
Compose). Each message is kept as ``.run/mail/<id>.eml`` and listed at http://127.0.0.1:8025
(a page for people) and by the same JSON endpoints as Mailpit's API, so ``omsctl mail list``
reads both: ``GET /api/v1/messages`` (newest first) and ``GET /api/v1/message/<id>``.

    python deploy/local/mailcatcher.py [--smtp-port 1025] [--http-port 8025] [--dir .run/mail]

It prints ``READY <smtp port> <http port>`` once both listen.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import signal
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


class Mailbox:
    """The messages caught, on disk (one ``.eml`` each, named by arrival) and summarized."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    def add(self, content: bytes) -> str:
        with self.lock:
            number = len(list(self.directory.glob("*.eml"))) + 1
            message_id = f"{number:06d}"
            (self.directory / f"{message_id}.eml").write_bytes(content)
        return message_id

    def read(self, message_id: str) -> EmailMessage | None:
        path = self.directory / f"{message_id}.eml"
        if not message_id.isdigit() or not path.exists():
            return None
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def ids(self) -> list[str]:
        return sorted((path.stem for path in self.directory.glob("*.eml")), reverse=True)

    def summary(self, message_id: str) -> dict[str, Any]:
        message = self.read(message_id)
        assert message is not None
        text = _text(message)
        return {
            "ID": message_id,
            "From": {"Address": str(message["From"] or "")},
            "To": [{"Address": address.strip()} for address in str(message["To"] or "").split(",")],
            "Subject": str(message["Subject"] or ""),
            "Created": _created(self.directory / f"{message_id}.eml"),
            "Snippet": " ".join(text.split())[:200],
        }

    def full(self, message_id: str) -> dict[str, Any] | None:
        message = self.read(message_id)
        if message is None:
            return None
        return {**self.summary(message_id), "Text": _text(message)}


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content().replace("\r\n", "\n") if part is not None else ""


def _created(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()


class _Smtp:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mailbox.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def http_handler(mailbox: Mailbox) -> type[BaseHTTPRequestHandler]:
    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/api/v1/messages":
                found = [mailbox.summary(i) for i in mailbox.ids()]
                self._json(200, {"total": len(found), "messages": found})
            elif path.startswith("/api/v1/message/"):
                message = mailbox.full(path.rsplit("/", 1)[1])
                self._json(404, {"error": "no such message"}) if message is None else self._json(
                    200, message
                )
            elif path in ("", "/index.html"):
                self._send(200, "text/html; charset=utf-8", _page(mailbox).encode())
            else:
                self._json(404, {"error": "not found"})

        def _json(self, status: int, body: Any) -> None:
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: requests are not worth a log line here."""

    return Pages


def _page(mailbox: Mailbox) -> str:
    rows = []
    for message_id in mailbox.ids():
        full = mailbox.full(message_id) or {}
        to = ", ".join(t["Address"] for t in full.get("To", []))
        rows.append(
            f"<details><summary>{html.escape(full.get('Created', ''))} &middot; "
            f"<b>{html.escape(to)}</b> &middot; {html.escape(full.get('Subject', ''))}</summary>"
            f"<pre>{html.escape(full.get('Text', ''))}</pre></details>"
        )
    body = "\n".join(rows) or "<p>No e-mail yet.</p>"
    return (
        "<!doctype html><meta charset=utf-8><title>OMS e-mails</title>"
        "<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em}</style>"
        f"<h1>E-mails sent by OMS ({len(rows)})</h1>{body}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--dir", type=Path, default=ROOT / ".run" / "mail")
    args = parser.parse_args()
    mailbox = Mailbox(args.dir)
    smtp = Controller(_Smtp(mailbox), hostname=args.host, port=args.smtp_port)
    smtp.start()
    pages = ThreadingHTTPServer((args.host, args.http_port), http_handler(mailbox))
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    print(f"READY {args.smtp_port} {args.http_port}", flush=True)  # noqa: T201
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    pages.shutdown()
    smtp.stop()


if __name__ == "__main__":
    main()
