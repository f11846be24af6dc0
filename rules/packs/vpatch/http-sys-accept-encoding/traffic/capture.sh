#!/usr/bin/env bash
# Captures the http-sys-accept-encoding virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-ae-c (198.18.3.71); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-ae-s (198.18.3.72); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_http_pair tsv-web1-ae-c 198.18.3.71/25 tsv-web1-ae-s 198.18.3.72/25 80
U="http://$TSV_SIP"

# Attacks: the public PoC's header (curl -H) and a python3 http.client request whose list starts with
# an empty element followed by unknown codings.
tsv_scenario attack-poc curl -s "$U/" -H 'Accept-Encoding: doar-e, ftw, imo, ,'
tsv_scenario attack-leading python3 -c "
import http.client
c = http.client.HTTPConnection('$TSV_SIP', 80, timeout=5)
c.putrequest('GET', '/', skip_accept_encoding=True)
c.putheader('Accept-Encoding', ',x-foo, x-bar,gzip')
c.endheaders(); c.getresponse().read()"
# Benign: curl --compressed, and a python3 client with q-values and identity.
tsv_scenario benign-compressed curl -s --compressed "$U/index.html"
tsv_scenario benign-qvalues python3 -c "
import http.client
c = http.client.HTTPConnection('$TSV_SIP', 80, timeout=5)
c.putrequest('GET', '/app.js', skip_accept_encoding=True)
c.putheader('Accept-Encoding', 'gzip;q=1.0, identity; q=0.5, *;q=0')
c.endheaders(); c.getresponse().read()"
