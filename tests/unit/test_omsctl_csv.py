"""omsctl reads a query that answers CSV (the ledger's ``/journal.csv``) as text, and prints
it as it came."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from omsctl.cli import main
from omsctl.queries import get

CSV = "date,account,debit\r\n2026-03-01,1200,30.00\r\n"


class _Csv(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = CSV.encode()
        self.send_response(200)
        self.send_header("content-type", "text/csv; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def billing_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Csv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OMSCTL_BILLING_URL", url)
    yield url
    server.shutdown()
    server.server_close()


def test_a_csv_answer_is_text_and_printed_as_it_came(billing_url: str) -> None:
    assert get("billing", "/journal.csv", {"from": "2026-03-01"}, timeout=5) == (200, CSV)
    result = CliRunner().invoke(main, ["query", "billing", "/journal.csv", "from=2026-03-01"])
    assert result.exit_code == 0, result.output
    assert result.output == CSV.replace("\r\n", "\n")  # the terminal's line ends
