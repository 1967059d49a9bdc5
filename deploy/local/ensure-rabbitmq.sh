#!/usr/bin/env bash
# Make sure a local RabbitMQ answers on 127.0.0.1:5672 with its management API on :15672, both
# on the loopback interface only (the development users have published passwords).
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

# For the node at its next start: AMQP, epmd and the distribution port on 127.0.0.1
# (rabbitmq-env.conf), the management API too (conf.d, read by RabbitMQ 3.9 and later). No port
# is named: other nodes started on this machine with a config of their own (the cluster tests)
# read conf.d as well.
local_only_config() {
  as_root mkdir -p /etc/rabbitmq/conf.d
  printf '%s\n' "# Written by OMS's deploy/local/ensure-rabbitmq.sh: this machine only." \
    "management.tcp.ip = 127.0.0.1" |
    as_root tee /etc/rabbitmq/conf.d/10-oms-local-only.conf >/dev/null
  if ! grep -qs '^ERL_EPMD_ADDRESS=' /etc/rabbitmq/rabbitmq-env.conf; then
    printf '%s\n' "ERL_EPMD_ADDRESS=127.0.0.1" "NODE_IP_ADDRESS=127.0.0.1" \
      'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"' |
      as_root tee -a /etc/rabbitmq/rabbitmq-env.conf >/dev/null
  fi
}

# Restart the management listener of a running node on 127.0.0.1 (the application is stopped,
# not unloaded, so its new listener setting holds; a disable/enable would read the old one).
management_to_loopback() {
  as_root rabbitmqctl -q eval "ok = application:stop(rabbitmq_management), \
ok = application:set_env(rabbitmq_management, tcp_config, [{ip, \"127.0.0.1\"}, {port, $API_PORT}]), \
application:start(rabbitmq_management)." >/dev/null
}

# Whether something listens on the management port on an interface other than the loopback.
management_public() {
  command -v ss >/dev/null 2>&1 &&
    ss -ltnH "sport = :$API_PORT" 2>/dev/null | awk '{print $4}' | grep -qvE '^(127\.0\.0\.1|\[::1\]):'
}

if ! port_open "$AMQP_PORT"; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "installing rabbitmq-server from the OS packages..."
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  if ! port_open "$AMQP_PORT"; then
    local_only_config
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
if management_public; then
  # Enabled with the default listener (all interfaces: guest/guest works from this machine
  # only, but the development users from anywhere): move it to the loopback interface.
  echo "moving the RabbitMQ management API to 127.0.0.1:$API_PORT..."
  local_only_config
  management_to_loopback
  wait_for_port "$API_PORT" "RabbitMQ management"
fi
echo "RabbitMQ ready on 127.0.0.1:$AMQP_PORT (management on 127.0.0.1:$API_PORT)"
