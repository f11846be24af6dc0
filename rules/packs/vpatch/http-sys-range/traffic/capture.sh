#!/usr/bin/env bash
# Captures the http-sys-range virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-rng-c (198.18.3.61); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-rng-s (198.18.3.62); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_http_pair tsv-web1-rng-c 198.18.3.61/25 tsv-web1-rng-s 198.18.3.62/25 80
U="http://$TSV_SIP"

# Attacks: nmap's http-vuln-cve2015-1635 check, the DoS PoC's range (curl -H), and a multi-range list
# whose second end is 2^64 (curl -r).
tsv_scenario attack-nmap nmap -Pn -n -sT -p80 --script http-vuln-cve2015-1635 "$TSV_SIP"
tsv_scenario attack-dos curl -s "$U/welcome.png" -H 'Range: bytes=18-18446744073709551615'
tsv_scenario attack-multi curl -s "$U/iis-85.png" -r '0-10,20-18446744073709551616'
# Benign: resuming downloads (curl -r / -C), a suffix range.
tsv_scenario benign-ranges curl -s "$U/big.iso" -r 0-1048575 "$U/big.iso" -r 1048576- "$U/big.iso" -H 'Range: bytes=-500'
