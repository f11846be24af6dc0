#!/usr/bin/env bash
# Captures real traffic for the outlook-ntlm-leak tests (the tests replay it with the client moved into
# $HOME_NET and the server into $EXTERNAL_NET, or both inside the LAN for the benign case):
#   smb-ntlm.pcap  smbclient -U alice%... (NTLMv2 with a real user name; Samba maps the unknown user to
#                  guest) against smbd: once SMB 3.1.1, once SMB1 (NT1) — the authentication a UNC path
#                  triggers
#   webdav.pcap    curl with the WebClient service's User-Agent (Microsoft-WebDAV-MiniRedir/10.0.19045)
#                  sending OPTIONS and PROPFIND (Depth: 0) as the redirector does, to python3 http.server
#   browse.pcap    curl with a browser User-Agent: GET / and GET of a file (benign HTTP)
# Hosts: network namespaces tsv-smb-ocli (198.18.1.21) and tsv-smb-osrv (198.18.1.22); nothing leaves
# them (rules/packs/traffic/netns.sh). Run as root; pcaps land in $OUT (default: beside this script).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
work="$TSV_WORK"
tsv_pair tsv-smb-ocli 198.18.1.21/24 tsv-smb-osrv 198.18.1.22/24

mkdir -p "$work"/{share,www}
echo "hello" > "$work/share/note.txt"
echo "<html><body>hello</body></html>" > "$work/www/index.html"
head -c 4000 /usr/share/common-licenses/GPL-3 > "$work/www/doc.txt"
chmod -R 777 "$work/share"
tsv_smbd_conf "$work" 198.18.1.22/24 TSVOSRV
cat >> "$work/smb.conf" <<CONF
[pub]
  path = $work/share
  guest ok = yes
  read only = yes
CONF
tsv_serve smbd -F --no-process-group -s "$work/smb.conf"
tsv_serve python3 -m http.server --directory "$work/www" --bind 198.18.1.22 80
tsv_wait_port 445; tsv_wait_port 80

tsv_tcpdump_start "$OUT/smb-ntlm.pcap" 'tcp port 445'
tsv_client smbclient -U 'alice%Winter2026!' -m SMB3 //198.18.1.22/pub -c 'ls'
tsv_client smbclient -U 'alice%Winter2026!' -m NT1 --option='client min protocol=NT1' //198.18.1.22/pub -c 'ls'
tsv_tcpdump_stop

ua='Microsoft-WebDAV-MiniRedir/10.0.19045'
tsv_tcpdump_start "$OUT/webdav.pcap" 'tcp port 80'
tsv_client curl -s -o /dev/null -A "$ua" -X OPTIONS -H 'translate: f' -H 'Connection: Keep-Alive' http://198.18.1.22/
tsv_client curl -s -o /dev/null -A "$ua" -X PROPFIND -H 'Depth: 0' -H 'translate: f' -H 'Content-Length: 0' http://198.18.1.22/share/note.txt
tsv_tcpdump_stop

bua='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
tsv_tcpdump_start "$OUT/browse.pcap" 'tcp port 80'
tsv_client curl -s -o /dev/null -A "$bua" http://198.18.1.22/
tsv_client curl -s -o /dev/null -A "$bua" http://198.18.1.22/doc.txt
tsv_tcpdump_stop
