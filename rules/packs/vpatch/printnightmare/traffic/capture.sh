#!/bin/bash
# Captures the DCERPC virtual-patch fixtures (ms08-067, printnightmare, zerologon, petitpotam).
# Run as root from anywhere: bash rules/packs/vpatch/printnightmare/traffic/capture.sh
# Two network namespaces (tsv-rpc-cli 198.18.2.1, tsv-rpc-srv 198.18.2.2) joined by a veth pair;
# rpc_server.py (impacket SimpleSMBServer + an accept-every-bind DCERPC endpoint on TCP 49700) in the
# server namespace, rpc_client.py (impacket dcerpc v5 clients) in the client namespace.
# Traffic stays between the two namespaces; they are deleted on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VP=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
CLI=tsv-rpc-cli
SRV=tsv-rpc-srv
SRV_IP=198.18.2.2
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  ip netns del $CLI 2>/dev/null || true
  ip netns del $SRV 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add $CLI
ip netns add $SRV
ip link add tsv-rpc-c type veth peer name tsv-rpc-s
ip link set tsv-rpc-c netns $CLI
ip link set tsv-rpc-s netns $SRV
ip -n $CLI addr add 198.18.2.1/24 dev tsv-rpc-c
ip -n $SRV addr add $SRV_IP/24 dev tsv-rpc-s
for ns in $CLI $SRV; do ip -n $ns link set lo up; done
ip -n $CLI link set tsv-rpc-c up
ip -n $SRV link set tsv-rpc-s up
# Keep segments at the Ethernet size (no GRO/TSO super-frames in the capture), when ethtool exists.
ip netns exec $CLI ethtool -K tsv-rpc-c tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
ip netns exec $SRV ethtool -K tsv-rpc-s tso off gso off gro off tx off rx off >/dev/null 2>&1 || true

ip netns exec $SRV $PY "$HERE/rpc_server.py" >/tmp/tsv-rpc-server.log 2>&1 &
SERVER_PID=$!
sleep 3

# capture OUT COMMAND...: one pcap per scenario, only this conversation's packets.
capture() {
  local out=$1
  shift
  ip netns exec $SRV tcpdump -i tsv-rpc-s -U -w "$out" "tcp port 445 or tcp port 49700" 2>/dev/null &
  local tp=$!
  sleep 1
  ip netns exec $CLI "$@" || true
  sleep 1
  kill $tp
  wait $tp 2>/dev/null || true
  # veth offload leaves partial checksums, which the IPS rightly drops as bad packets
  python3 "$VP/ms17-010/traffic/fix-checksums.py" "$out"
  echo "$out: $(stat -c %s "$out") bytes"
}
client() { capture "$1" $PY "$HERE/rpc_client.py" "$2" $SRV_IP; }

client "$VP/ms08-067/traffic/canonicalize-smb2.pcap" ms08067-canon
client "$VP/ms08-067/traffic/compare-slash-smb1-frag.pcap" ms08067-compare-smb1-frag
client "$VP/ms08-067/traffic/benign-srvsvc.pcap" ms08067-benign

client "$VP/printnightmare/traffic/rprn-unc-smb2.pcap" pn-unc
client "$VP/printnightmare/traffic/rprn-warned-flag-smb1-frag.pcap" pn-flag-smb1-frag
client "$VP/printnightmare/traffic/par-slash-tcp.pcap" pn-par
client "$VP/printnightmare/traffic/benign-spoolss.pcap" pn-benign

client "$VP/zerologon/traffic/zerologon-tcp.pcap" zl-attack-tcp
client "$VP/zerologon/traffic/zerologon-smb1.pcap" zl-attack-smb1
client "$VP/zerologon/traffic/samebytes-challenge-tcp.pcap" zl-samebytes-tcp
client "$VP/zerologon/traffic/passwordset2-smb2.pcap" zl-setpw
client "$VP/zerologon/traffic/benign-netlogon-tcp.pcap" zl-benign-tcp

client "$VP/petitpotam/traffic/openfileraw-lsarpc-smb2.pcap" pp-lsarpc
client "$VP/petitpotam/traffic/encryptfilesrv-efsrpc-smb1.pcap" pp-efsrpc-smb1
client "$VP/petitpotam/traffic/queryusers-tcp.pcap" pp-efsrpc-tcp
client "$VP/petitpotam/traffic/benign-lsarpc.pcap" pp-benign
