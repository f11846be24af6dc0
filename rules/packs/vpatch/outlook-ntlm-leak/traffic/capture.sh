#!/usr/bin/env bash
# Captures real traffic for the outlook-ntlm-leak tests (the tests replay it with the client moved into
# $HOME_NET and the server into $EXTERNAL_NET, or both inside the LAN for the benign case):
#   smb-ntlm.pcap  smbclient -U alice%... (NTLMv2 with a real user name; Samba maps the unknown user to
#                  guest) against smbd: once SMB 3.1.1, once SMB1 (NT1) — the authentication a UNC path
#                  triggers
#   webdav.pcap    curl with the WebClient service's User-Agent (Microsoft-WebDAV-MiniRedir/10.0.19045)
#                  sending OPTIONS and PROPFIND (Depth: 0) as the redirector does, to python3 http.server
#   browse.pcap    curl with a browser User-Agent: GET / and GET of a file (benign HTTP)
# Hosts: network namespaces tsv-smb-ocli (198.18.1.21) and tsv-smb-osrv (198.18.1.22); nothing leaves them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/tsv-smb-o.XXXXXX)"
cleanup() {
  [ -f "$work/smbd.pid" ] && kill "$(cat "$work/smbd.pid")" 2>/dev/null || true
  [ -n "${hpid:-}" ] && kill "$hpid" 2>/dev/null || true
  [ -n "${tcpd:-}" ] && kill "$tcpd" 2>/dev/null || true
  ip netns del tsv-smb-ocli 2>/dev/null || true
  ip netns del tsv-smb-osrv 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add tsv-smb-ocli
ip netns add tsv-smb-osrv
ip link add tsv-smb-o0 type veth peer name tsv-smb-o1
ip link set tsv-smb-o0 netns tsv-smb-ocli
ip link set tsv-smb-o1 netns tsv-smb-osrv
ip -n tsv-smb-ocli addr add 198.18.1.21/24 dev tsv-smb-o0
ip -n tsv-smb-osrv addr add 198.18.1.22/24 dev tsv-smb-o1
for n in ocli osrv; do ip -n tsv-smb-$n link set lo up; done
ip -n tsv-smb-ocli link set tsv-smb-o0 up
ip -n tsv-smb-osrv link set tsv-smb-o1 up

mkdir -p "$work"/{priv,lock,state,cache,pid,share,www}
echo "hello" > "$work/share/note.txt"
echo "<html><body>hello</body></html>" > "$work/www/index.html"
head -c 4000 /usr/share/common-licenses/GPL-3 > "$work/www/doc.txt"
chmod -R 777 "$work/share"
cat > "$work/smb.conf" <<CONF
[global]
  workgroup = TSUGI
  netbios name = TSVOSRV
  server min protocol = NT1
  ntlm auth = yes
  map to guest = Bad User
  guest account = nobody
  private dir = $work/priv
  lock directory = $work/lock
  state directory = $work/state
  cache directory = $work/cache
  pid directory = $work/pid
  interfaces = 198.18.1.22/24
  bind interfaces only = yes
  disable netbios = yes
  smb ports = 445
  load printers = no
  printcap name = /dev/null
[pub]
  path = $work/share
  guest ok = yes
  read only = yes
CONF
ip netns exec tsv-smb-osrv smbd -F --no-process-group -s "$work/smb.conf" >"$work/smbd.log" 2>&1 &
echo $! > "$work/smbd.pid"
(cd "$work/www" && exec ip netns exec tsv-smb-osrv python3 -m http.server --bind 198.18.1.22 80) >/dev/null 2>&1 &
hpid=$!
for i in $(seq 50); do ip netns exec tsv-smb-ocli bash -c 'exec 3<>/dev/tcp/198.18.1.22/445 && exec 4<>/dev/tcp/198.18.1.22/80' 2>/dev/null && break; sleep 0.2; done

cap() { ip netns exec tsv-smb-ocli tcpdump -i tsv-smb-o0 -U -w "$1" "$2" 2>/dev/null & tcpd=$!; sleep 1; }
stop() { sleep 1; kill "$tcpd"; wait "$tcpd" 2>/dev/null || true; tcpd=""; }

cap "$here/smb-ntlm.pcap" 'tcp port 445'
ip netns exec tsv-smb-ocli smbclient -U 'alice%Winter2026!' -m SMB3 //198.18.1.22/pub -c 'ls' || true
ip netns exec tsv-smb-ocli smbclient -U 'alice%Winter2026!' -m NT1 --option='client min protocol=NT1' //198.18.1.22/pub -c 'ls' || true
stop

ua='Microsoft-WebDAV-MiniRedir/10.0.19045'
cap "$here/webdav.pcap" 'tcp port 80'
ip netns exec tsv-smb-ocli curl -s -o /dev/null -A "$ua" -X OPTIONS -H 'translate: f' -H 'Connection: Keep-Alive' http://198.18.1.22/ || true
ip netns exec tsv-smb-ocli curl -s -o /dev/null -A "$ua" -X PROPFIND -H 'Depth: 0' -H 'translate: f' -H 'Content-Length: 0' http://198.18.1.22/share/note.txt || true
stop

cap "$here/browse.pcap" 'tcp port 80'
bua='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
ip netns exec tsv-smb-ocli curl -s -o /dev/null -A "$bua" http://198.18.1.22/ || true
ip netns exec tsv-smb-ocli curl -s -o /dev/null -A "$bua" http://198.18.1.22/doc.txt || true
stop
chown root: "$here"/*.pcap 2>/dev/null || true
python3 "$here/../../ms17-010/traffic/fix-checksums.py" "$here"/*.pcap  # veth captures carry offloaded (partial) checksums
ls -l "$here"/*.pcap
