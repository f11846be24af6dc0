#!/usr/bin/env bash
# Captures the heartbleed fixtures: nmap's ssl-heartbleed NSE script (namespace tsv-cli-hc,
# 198.18.4.101) against hb-server.py (tsv-cli-hs, 198.18.4.102:443), which advertises the heartbeat
# extension as OpenSSL 1.0.1 did; and a normal openssl s_client -> openssl s_server TLS 1.2 session
# (benign). Run as root; traffic stays between the two namespaces (rules/packs/traffic/netns.sh);
# pcaps land in $OUT (default: beside this script).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
WORK="$TSV_WORK"
tsv_pair tsv-cli-hc 198.18.4.101/24 tsv-cli-hs 198.18.4.102/24
tsv_serve python3 "$TSV_HERE/hb-server.py" 443
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 30 -subj /CN=tls.tsv-cli.test 2>/dev/null
tsv_serve openssl s_server -quiet -accept 4433 -key "$WORK/k.pem" -cert "$WORK/c.pem" -www </dev/null
tsv_wait_port 443; tsv_wait_port 4433

tsv_cap "$OUT/nmap-ssl-heartbleed.pcap" 'tcp port 443' nmap -Pn -sT -n -p 443 --script ssl-heartbleed 198.18.4.102
tsv_cap "$OUT/openssl-normal.pcap" 'tcp port 4433' sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | timeout 5 openssl s_client -quiet -tls1_2 -connect 198.18.4.102:4433 -servername tls.tsv-cli.test'
