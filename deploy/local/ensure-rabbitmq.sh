#!/usr/bin/env bash
# Make sure a local RabbitMQ answers on 127.0.0.1:5672 with its management API on :15672.
# Installs Debian's rabbitmq-server if it is missing (needs root), starts it if it is down.
# Used by `make run`, `make test` and .ci/run on machines without Docker.
set -euo pipefail

AMQP_PORT=${OMS_LOCAL_AMQP_PORT:-5672}
API_PORT=${OMS_LOCAL_RABBITMQ_API_PORT:-15672}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

wait_for_port() {
  local port=$1 what=$2
  for _ in $(seq 1 120); do
    if port_open "$port"; then return 0; fi
    sleep 0.5
  done
  echo "$what did not open port $port within 60 s" >&2
  return 1
}

if ! port_open "$AMQP_PORT"; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "installing rabbitmq-server from the OS packages..."
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  if ! port_open "$AMQP_PORT"; then
    echo "starting rabbitmq-server..."
    as_root rabbitmq-server -detached
  fi
  wait_for_port "$AMQP_PORT" RabbitMQ
fi

if ! port_open "$API_PORT"; then
  # The tests give every test its own virtual host through the management API.
  as_root rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_for_port "$API_PORT" "RabbitMQ management"
fi
echo "RabbitMQ ready on 127.0.0.1:$AMQP_PORT (management on :$API_PORT)"
