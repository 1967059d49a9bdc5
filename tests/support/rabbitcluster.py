"""Three RabbitMQ nodes of a test's own, clustered, on their own ports and directories.

Built from :class:`~tests.support.rabbitnode.RabbitNode` (root needed, as there): the nodes
join the first one (``stop_app; join_cluster; start_app``, see ../shared/INFRA.md) and are
stopped and deleted afterwards; the shared node on 5672 is never touched.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

from tests.support.rabbitnode import RabbitNode


class RabbitCluster:
    def __init__(self, size: int = 3) -> None:
        self.nodes = [RabbitNode() for _ in range(size)]

    def ctl(self, node: RabbitNode, *args: str) -> str:
        done = subprocess.run(
            ["rabbitmqctl", "-n", node.name, *args],
            env=node._env(),
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout

    def start(self) -> None:
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.start(), self.nodes))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            self.ctl(node, "stop_app")
            self.ctl(node, "join_cluster", first.name)
            self.ctl(node, "start_app")
        for node in self.nodes:
            self.ctl(node, "await_startup")

    def add_user(self, name: str) -> None:
        self.nodes[0].add_user(name)  # users and permissions are cluster-wide

    def running_nodes(self) -> list[str]:
        status = json.loads(self.ctl(self.nodes[0], "cluster_status", "--formatter", "json"))
        return sorted(status["running_nodes"])

    def leaders(self, via: RabbitNode) -> dict[str, str]:
        """Each quorum queue's leader node, as ``via`` sees it."""
        rows = json.loads(
            self.ctl(via, "list_queues", "name", "type", "leader", "--formatter", "json")
        )
        return {row["name"]: row["leader"] for row in rows if row.get("type") == "quorum"}

    def remove(self) -> None:
        for node in reversed(self.nodes):
            node.remove()
