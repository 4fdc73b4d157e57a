#!/usr/bin/env bash
# Enables RabbitMQ's MQTT and Web MQTT plugins on ports that do not collide with Mosquitto
# (which owns 1883): MQTT on 127.0.0.1:1884, Web MQTT on 127.0.0.1:15675 (path /ws).
# Idempotent. The listeners are set in the running node before the plugins start, and written
# to rabbitmq.conf so that a restarted node comes back with the same ports.
set -euo pipefail
CONF=/etc/rabbitmq/rabbitmq.conf
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
mqtt_ports_open() { port_open 1884 && port_open 15675; }
if ! port_open 5672; then
  echo "rabbitmq-mqtt: RabbitMQ is not running on 5672" >&2
  exit 1
fi
if [ -w "$(dirname "$CONF")" ] && ! grep -q '^mqtt.listeners.tcp' "$CONF" 2>/dev/null; then
  cat >>"$CONF" <<'CONF'
mqtt.listeners.tcp.default = 127.0.0.1:1884
web_mqtt.tcp.ip = 127.0.0.1
web_mqtt.tcp.port = 15675
CONF
fi
if mqtt_ports_open; then
  exit 0
fi
wait_ports() {
  for _ in $(seq 1 "$1"); do
    if mqtt_ports_open; then return 0; fi
    sleep 1
  done
  return 1
}
# The applications are loaded before their environment is set: loading an application resets
# its environment to the .app defaults (MQTT on 1883, which Mosquitto holds).
rabbitmqctl eval 'application:load(rabbitmq_mqtt), application:load(rabbitmq_web_mqtt), application:set_env(rabbitmq_mqtt, tcp_listeners, [{"127.0.0.1", 1884}]), application:set_env(rabbitmq_web_mqtt, tcp_config, [{ip, "127.0.0.1"}, {port, 15675}]).' >/dev/null || true
rabbitmq-plugins enable rabbitmq_mqtt rabbitmq_web_mqtt >/dev/null || true
if wait_ports 20; then exit 0; fi
# Last resort: restart the node, which reads the listeners from rabbitmq.conf.
echo "rabbitmq-mqtt: restarting RabbitMQ to apply $CONF" >&2
rabbitmqctl stop >/dev/null 2>&1 || true
for _ in $(seq 1 30); do port_open 5672 || break; sleep 1; done
rabbitmq-server -detached
for _ in $(seq 1 60); do port_open 5672 && break; sleep 1; done
if wait_ports 60; then exit 0; fi
echo "rabbitmq-mqtt: the MQTT listeners did not come up on 1884 and 15675" >&2
exit 1
