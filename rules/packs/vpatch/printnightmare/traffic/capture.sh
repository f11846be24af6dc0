#!/usr/bin/env bash
# Captures the DCERPC virtual-patch fixtures (ms08-067, printnightmare, zerologon, petitpotam).
# Run as root from anywhere: bash rules/packs/vpatch/printnightmare/traffic/capture.sh
# Two network namespaces (tsv-rpc-cli 198.18.2.1, tsv-rpc-srv 198.18.2.2) joined by a veth pair;
# rpc_server.py (impacket SimpleSMBServer + an accept-every-bind DCERPC endpoint on TCP 49700) in the
# server namespace, rpc_client.py (impacket dcerpc v5 clients) in the client namespace.
# Traffic stays between the two namespaces (rules/packs/traffic/netns.sh). Pcaps land in
# <patch>/traffic/ under $OUT (default: rules/packs/vpatch, i.e. beside each patch).
. "$(dirname "$0")/../../../traffic/netns.sh"
VP="${OUT:-$TSV_HERE/../..}"  # pcaps go to $VP/<patch>/traffic/
PY=/usr/bin/python3
tsv_pair tsv-rpc-cli 198.18.2.1/24 tsv-rpc-srv 198.18.2.2/24
tsv_serve $PY "$TSV_HERE/rpc_server.py"
tsv_wait_port 445; tsv_wait_port 49700

# client OUT SCENARIO: one rpc_client.py scenario, recorded on the server side (this conversation only).
client() {
  tsv_tcpdump_start "$1" "tcp port 445 or tcp port 49700" "$TSV_SRV"
  tsv_client $PY "$TSV_HERE/rpc_client.py" "$2" "$TSV_SIP"
  tsv_tcpdump_stop
}

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
