#!/usr/bin/env bash
# Captures real RDP client traffic for the bluekeep tests:
#   nmap-rdp.pcap  nmap --script rdp-enum-encryption,rdp-vuln-ms12-020 against rdp-listener.py (a
#                  listener that confirms standard RDP security, so nmap's MCS Connect Initial, with
#                  the client network data channels rdpdr/cliprdr/rdpsnd, goes in clear): benign
#                  connection sequences of a real client.
# Hosts: network namespaces tsv-smb-rcli (198.18.1.11) and tsv-smb-rsrv (198.18.1.12); nothing leaves
# them (rules/packs/traffic/netns.sh). Run as root; the pcap lands in $OUT (default: beside this script).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_pair tsv-smb-rcli 198.18.1.11/24 tsv-smb-rsrv 198.18.1.12/24
tsv_serve python3 "$TSV_HERE/rdp-listener.py" 198.18.1.12
tsv_wait_port 3389
tsv_cap "$OUT/nmap-rdp.pcap" 'tcp port 3389' nmap -Pn -n -p3389 --script rdp-enum-encryption,rdp-vuln-ms12-020 198.18.1.12
