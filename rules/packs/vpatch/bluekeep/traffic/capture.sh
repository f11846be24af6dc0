#!/usr/bin/env bash
# Captures real RDP client traffic for the bluekeep tests:
#   nmap-rdp.pcap  nmap --script rdp-enum-encryption,rdp-vuln-ms12-020 against rdp-listener.py (a
#                  listener that confirms standard RDP security, so nmap's MCS Connect Initial, with
#                  the client network data channels rdpdr/cliprdr/rdpsnd, goes in clear): benign
#                  connection sequences of a real client.
# Hosts: network namespaces tsv-smb-rcli (198.18.1.11) and tsv-smb-rsrv (198.18.1.12); nothing leaves them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cleanup() {
  [ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null || true
  [ -n "${tcpd:-}" ] && kill "$tcpd" 2>/dev/null || true
  ip netns del tsv-smb-rcli 2>/dev/null || true
  ip netns del tsv-smb-rsrv 2>/dev/null || true
}
trap cleanup EXIT
ip netns add tsv-smb-rcli
ip netns add tsv-smb-rsrv
ip link add tsv-smb-r0 type veth peer name tsv-smb-r1
ip link set tsv-smb-r0 netns tsv-smb-rcli
ip link set tsv-smb-r1 netns tsv-smb-rsrv
ip -n tsv-smb-rcli addr add 198.18.1.11/24 dev tsv-smb-r0
ip -n tsv-smb-rsrv addr add 198.18.1.12/24 dev tsv-smb-r1
for n in rcli rsrv; do ip -n tsv-smb-$n link set lo up; done
ip -n tsv-smb-rcli link set tsv-smb-r0 up
ip -n tsv-smb-rsrv link set tsv-smb-r1 up
ip netns exec tsv-smb-rsrv python3 "$here/rdp-listener.py" 198.18.1.12 &
lpid=$!
sleep 1
ip netns exec tsv-smb-rcli tcpdump -i tsv-smb-r0 -U -w "$here/nmap-rdp.pcap" 'tcp port 3389' 2>/dev/null &
tcpd=$!
sleep 1
ip netns exec tsv-smb-rcli nmap -Pn -n -p3389 --script rdp-enum-encryption,rdp-vuln-ms12-020 198.18.1.12 || true
sleep 1
kill "$tcpd"; wait "$tcpd" 2>/dev/null || true; tcpd=""
python3 "$here/../../ms17-010/traffic/fix-checksums.py" "$here"/*.pcap  # veth captures carry offloaded (partial) checksums
ls -l "$here"/*.pcap
