#!/usr/bin/env bash
# Captures the apache-path-traversal virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-apt-c (198.18.3.51); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-apt-s (198.18.3.52); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_http_pair tsv-web1-apt-c 198.18.3.51/25 tsv-web1-apt-s 198.18.3.52/25 80
U="http://$TSV_SIP"

# Attacks: CVE-2021-41773 file read through /icons/ and RCE through /cgi-bin/ (.%2e), CVE-2021-42013
# double encoding (%%32%65) through /cgi-bin/ and mixed .%%32%65 through /icons/.
tsv_scenario attack-41773-icons curl -s --path-as-is "$U/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"
tsv_scenario attack-41773-cgi curl -s --path-as-is "$U/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh" --data 'echo Content-Type: text/plain; echo; id'
tsv_scenario attack-42013-cgi curl -s --path-as-is "$U/cgi-bin/%%32%65%%32%65/%%32%65%%32%65/%%32%65%%32%65/%%32%65%%32%65/bin/sh" --data 'echo; id'
tsv_scenario attack-42013-icons curl -s --path-as-is "$U/icons/.%%32%65/.%%32%65/.%%32%65/.%%32%65/etc/passwd"
# Benign: icons and cgi-bin as a browser uses them, an encoded dot in a file name, dots in a name.
tsv_scenario benign-paths curl -s "$U/icons/apache_pb.png" "$U/cgi-bin/status.cgi?x=1" "$U/docs/release%2enotes.txt" "$U/icons/..%2e..png" "$U/files/v1.2..3/report%20final.pdf"
