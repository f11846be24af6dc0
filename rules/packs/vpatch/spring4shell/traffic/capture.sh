#!/usr/bin/env bash
# Captures the spring4shell virtual patch's test traffic (attacks and benign look-alikes) from real clients.
set -euo pipefail
# Builds two network namespaces joined by a veth pair (client 198.18.3.41, server 198.18.3.42 in
# 198.18.3.0/25), serves HTTP from the server namespace with a tiny python3 http.server that answers
# every method with 200 (reading any body), and records each scenario's client traffic with tcpdump
# into its own pcap beside this script. Run as root; needs ip, python3, tcpdump, curl (and nmap
# where a scenario uses it). Traffic never leaves the two namespaces; both are deleted on exit.
HERE="$(cd "$(dirname "$0")" && pwd)"
NC=tsv-web1-s4s-c
NS=tsv-web1-s4s-s
CIP=198.18.3.41
VC="w1-${NC#tsv-web1-}"; VS="w1-${NS#tsv-web1-}"  # veth names (15 bytes at most)
SIP=198.18.3.42
cleanup() {
  if [ -n "${SRV:-}" ]; then kill "$SRV" 2>/dev/null || true; fi
  ip netns del "$NC" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$NC"
ip netns add "$NS"
ip link add "$VC" type veth peer name "$VS"
ip link set "$VC" netns "$NC"
ip link set "$VS" netns "$NS"
ip -n "$NC" addr add "$CIP/25" dev "$VC"
ip -n "$NS" addr add "$SIP/25" dev "$VS"
ip -n "$NC" link set lo up; ip -n "$NC" link set "$VC" up
ip -n "$NS" link set lo up; ip -n "$NS" link set "$VS" up
# Offloads off so the capture holds wire-sized segments with real checksums: ethtool when present,
# else the same ETHTOOL_STXCSUM request (checksum offload off, which also turns TSO off) via python3.
txoff() {
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 && return 0
  ip netns exec "$1" python3 -c '
import array, fcntl, socket, struct, sys
ev = array.array("B", struct.pack("II", 0x17, 0))  # struct ethtool_value { ETHTOOL_STXCSUM, 0 }
addr, _ = ev.buffer_info()
ifr = struct.pack("16sP", sys.argv[1].encode(), addr) + bytes(16)
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, ifr)  # SIOCETHTOOL
' "$2"
}
txoff "$NC" "$VC"
txoff "$NS" "$VS"
ip netns exec "$NS" python3 -c '
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline: self.close_connection = True; return
        if not self.parse_request(): return
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        body = b"ok\n"
        self.send_response(200); self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
socketserver.TCPServer.allow_reuse_address = True
http.server.HTTPServer(("0.0.0.0", 80), H).serve_forever()
' 2>/dev/null &
SRV=$!
for _ in $(seq 50); do ip netns exec "$NC" bash -c "echo > /dev/tcp/$SIP/80" 2>/dev/null && break; sleep 0.1; done
# cap NAME CMD...: runs CMD in the client namespace while tcpdump writes NAME.pcap (port 80).
cap() {
  local name="$1"; shift
  ip netns exec "$NC" tcpdump -i "$VC" --immediate-mode -U -w "$HERE/$name.pcap" "tcp port 80" 2>/dev/null &
  local td=$!
  sleep 1
  ip netns exec "$NC" "$@" >/dev/null 2>&1 || echo "($name: client exit $?)"
  sleep 0.5
  kill -INT "$td"; wait "$td" 2>/dev/null || true
  echo "$name.pcap: $(tcpdump -r "$HERE/$name.pcap" 2>/dev/null | wc -l) packets"
}
U="http://$SIP"

# Attacks: the public PoC's five fields as a form POST (curl --data), the same path in the query with
# key syntax (curl -g), and as multipart fields (curl -F), capitalised.
P='class.module.classLoader.resources.context.parent.pipeline.first'
cap attack-form-post curl -s "$U/greeting" -H 'suffix: %>//' -H 'c1: Runtime' -H 'c2: <%' --data "$P.pattern=%25%7Bc2%7Di%20if(%22j%22.equals(request.getParameter(%22pwd%22)))%7B%7D&$P.suffix=.jsp&$P.directory=webapps/ROOT&$P.prefix=tomcatwar&$P.fileDateFormat="
cap attack-query-brackets curl -s -g "$U/greeting?class['module'][\"classLoader\"].resources.context.parent.pipeline.first.suffix=.jsp"
cap attack-multipart curl -s "$U/greeting" -F 'Class.Module.ClassLoader.resources.context.parent.pipeline.first.prefix=shell' -F 'name=x'
# Benign: a normal form with "class"/"module" fields and a search about class loaders.
cap benign-form curl -s "$U/greeting" --data 'name=Ada&class=premium&module=billing&classLoaderHint=none'
cap benign-search curl -s "$U/search?q=java+class+module+classloader+tutorial&sort=new"
