#!/usr/bin/env bash
# Records what the real keepalived (Debian 12's 2.2.7) says about each config in
# tests/keepalived/*.conf with `keepalived -t -f /tmp/netstep-ka/NAME.conf`, run in a
# network namespace of its own whose interface eth0 (192.168.10.101/24, one end of a veth
# pair) is what the
# node in tests/keepalived_conf.rs has. Writes NAME.expected beside each file: the output,
# then `[exit N]`. Needs root and `apt-get install keepalived`; CI does not run it (the
# .expected files are committed), it is how they were made.
set -euo pipefail
cd "$(dirname "$0")/../keepalived"
ns=ntkacorpus
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
trap 'ip netns del "$ns"; rm -rf /tmp/netstep-ka' EXIT
ip -n "$ns" link add eth0 type veth peer name peer0
ip -n "$ns" link set peer0 up
ip -n "$ns" addr add 192.168.10.101/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set lo up
mkdir -p /tmp/netstep-ka
for f in *.conf; do
  name=${f%.conf}
  cp "$f" "/tmp/netstep-ka/$f"
  set +e
  out=$(ip netns exec "$ns" timeout 10 keepalived -t -f "/tmp/netstep-ka/$f" 2>&1)
  rc=$?
  set -e
  printf '%s\n[exit %d]\n' "$out" "$rc" | sed '1{/^$/d}' > "$name.expected"
done
