#!/usr/bin/env bash
# Captures the heartbleed fixtures: nmap's ssl-heartbleed NSE script (namespace tsv-cli-hc,
# 198.18.4.101) against hb-server.py (tsv-cli-hs, 198.18.4.102:443), which advertises the heartbeat
# extension as OpenSSL 1.0.1 did; and a normal openssl s_client -> openssl s_server TLS 1.2 session
# (benign). Run as root; traffic stays between the two namespaces, deleted on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
C=tsv-cli-hc; S=tsv-cli-hs
cleanup() {
  for p in ${SRV:-} ${OSSL:-}; do kill "$p" 2>/dev/null || true; done
  ip netns del $C 2>/dev/null || true
  ip netns del $S 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add $C; ip netns add $S
ip link add tsvhc0 netns $C type veth peer name tsvhs0 netns $S
ip -n $C addr add 198.18.4.101/24 dev tsvhc0; ip -n $S addr add 198.18.4.102/24 dev tsvhs0
for n in $C $S; do ip -n $n link set lo up; done
ip -n $C link set tsvhc0 up; ip -n $S link set tsvhs0 up
ip netns exec $S python3 "$HERE/hb-server.py" 443 & SRV=$!
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 30 -subj /CN=tls.tsv-cli.test 2>/dev/null
ip netns exec $S openssl s_server -quiet -accept 4433 -key "$WORK/k.pem" -cert "$WORK/c.pem" -www </dev/null >"$WORK/s_server.log" 2>&1 & OSSL=$!
sleep 3

cap() {
  local out=$1; shift
  ip netns exec $C tcpdump -i tsvhc0 -U --immediate-mode -w "$out" "$FILTER" 2>/dev/null & local td=$!
  sleep 2  # tcpdump must be listening before the client starts
  ip netns exec $C "$@" || true
  sleep 1.5  # let tcpdump write what the ring still holds
  kill -INT $td; wait $td || true
  [ "$(stat -c %s "$out")" -gt 24 ] || { echo "capture $out is empty" >&2; cat "$WORK"/*.log >&2 2>/dev/null; exit 1; }
  python3 "$HERE/../../ms17-010/traffic/fix-checksums.py" "$out"  # veth offload leaves partial checksums
}
FILTER='tcp port 443'
cap "$HERE/nmap-ssl-heartbleed.pcap" nmap -Pn -sT -n -p 443 --script ssl-heartbleed 198.18.4.102
FILTER='tcp port 4433'
cap "$HERE/openssl-normal.pcap" sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | timeout 5 openssl s_client -quiet -tls1_2 -connect 198.18.4.102:4433 -servername tls.tsv-cli.test >/dev/null 2>"$WORK/s_client.log"'
ls -la "$HERE"/*.pcap
