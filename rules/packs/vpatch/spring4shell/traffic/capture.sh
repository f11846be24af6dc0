#!/usr/bin/env bash
# Captures the spring4shell virtual patch's test traffic (attacks and benign look-alikes) from real clients.
# Clients (curl, nmap, python3) run in namespace tsv-web1-s4s-c (198.18.3.41); rules/packs/traffic/
# http-ok.py answers every request with 200 in tsv-web1-s4s-s (198.18.3.42); each scenario's
# client-side traffic becomes $OUT/NAME.pcap (OUT defaults to this folder). Run as root; the plumbing
# is rules/packs/traffic/netns.sh (198.18.0.0/15 only, nothing leaves the two namespaces).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
tsv_http_pair tsv-web1-s4s-c 198.18.3.41/25 tsv-web1-s4s-s 198.18.3.42/25 80
U="http://$TSV_SIP"

# Attacks: the public PoC's five fields as a form POST (curl --data), the same path in the query with
# key syntax (curl -g), and as multipart fields (curl -F), capitalised.
P='class.module.classLoader.resources.context.parent.pipeline.first'
tsv_scenario attack-form-post curl -s "$U/greeting" -H 'suffix: %>//' -H 'c1: Runtime' -H 'c2: <%' --data "$P.pattern=%25%7Bc2%7Di%20if(%22j%22.equals(request.getParameter(%22pwd%22)))%7B%7D&$P.suffix=.jsp&$P.directory=webapps/ROOT&$P.prefix=tomcatwar&$P.fileDateFormat="
tsv_scenario attack-query-brackets curl -s -g "$U/greeting?class['module'][\"classLoader\"].resources.context.parent.pipeline.first.suffix=.jsp"
tsv_scenario attack-multipart curl -s "$U/greeting" -F 'Class.Module.ClassLoader.resources.context.parent.pipeline.first.prefix=shell' -F 'name=x'
# Benign: a normal form with "class"/"module" fields and a search about class loaders.
tsv_scenario benign-form curl -s "$U/greeting" --data 'name=Ada&class=premium&module=billing&classLoaderHint=none'
tsv_scenario benign-search curl -s "$U/search?q=java+class+module+classloader+tutorial&sort=new"
