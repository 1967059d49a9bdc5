"""A service process under abuse of its queries: thousands of requests without a credential, a
header far too long, a forged credential; each refused cheaply, logged once per source and
interval, the service ready throughout; and /metrics only on the port Prometheus scrapes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from shared.access.tokens import Signer
from tests.e2e.conftest import start
from tests.support.credentials import headers, new_private_jwk
from tests.support.services import Environment, free_port

REQUESTS = 2000


async def test_a_flood_of_bad_requests_is_refused_logged_once_and_the_service_stays_ready(
    env: Environment, tmp_path: Path
) -> None:
    metrics_port = free_port()
    process = start(env, "order", tmp_path, metrics_port=metrics_port)
    try:
        await process.wait_ready()
        base = f"http://127.0.0.1:{process.port}"
        forged = {
            "authorization": f"Bearer {Signer(new_private_jwk('operator:dev')).mint('order')}"
        }
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            began = time.monotonic()
            statuses = set()
            for _ in range(REQUESTS):
                statuses.add((await http.get("/orders", params={"order_id": "X"})).status_code)
            took = time.monotonic() - began
            assert statuses == {401}
            assert (await http.get("/health/ready")).status_code == 200
            huge = await http.get("/orders", headers={"authorization": "Bearer " + "A" * 70_000})
            assert huge.status_code in {400, 401, 431}
            assert (await http.get("/orders", headers=forged)).json()["reason"] == "bad_signature"
            assert (await http.get("/health/ready")).status_code == 200
            allowed = await http.get(
                "/orders", params={"order_id": "nope"}, headers=headers("order")
            )
            assert allowed.status_code == 404
            assert (await http.get("/metrics")).status_code == 404
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{metrics_port}", timeout=5
        ) as scrape:
            assert "oms_query_refusals_total" in (await scrape.get("/metrics")).text
            assert (await scrape.get("/orders")).status_code == 404
        assert took < 20, f"{REQUESTS} refusals took {took:.1f} s"
    finally:
        assert await process.stop() == 0
    refusals = [
        line
        for line in process.log_path.read_text().splitlines()
        if line.startswith("{") and json.loads(line).get("event") == "query_refused"
    ]
    reasons = [json.loads(line)["reason"] for line in refusals]
    assert reasons.count("missing_credential") == 1, refusals
    assert reasons.count("bad_signature") == 1
