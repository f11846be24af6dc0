# netns.sh: the plumbing every rules/packs/vpatch/*/traffic/capture.sh shares (bash, sourced, root).
# It builds a client/server pair of network namespaces joined by one veth pair, starts servers and
# tcpdump inside them, recomputes the checksums of each pcap, and on exit (normal, error, Ctrl-C)
# kills every process it started and deletes the namespaces.
# It must never let traffic out: addresses are accepted only in 198.18.0.0/15 (RFC 2544 benchmarking)
# or fd00::/8 (unique local), no route, NAT or bridge to a host interface is ever added, and commands
# only run inside the two namespaces.
#
# @example
#   . "$(dirname "$0")/../../../traffic/netns.sh"
#   OUT="${OUT:-$TSV_HERE}"
#   tsv_http_pair tsv-demo-c 198.18.9.1/24 tsv-demo-s 198.18.9.2/24 80
#   tsv_scenario demo curl -s "http://$TSV_SIP/"   # -> $OUT/demo.pcap
#
# Sourcing it turns on set -euo pipefail. Set by this file: TSV_LIB (this folder), TSV_HERE (the capture script's folder), TSV_WORK (a temporary folder removed on exit).
# Set by tsv_pair: TSV_CLI / TSV_SRV (namespace names, also the veth name inside each), TSV_CIP /
# TSV_SIP (addresses without the prefix length).

if [ -z "${BASH_VERSION:-}" ]; then echo "netns.sh: source it from bash" >&2; return 1 2>/dev/null || exit 1; fi
if [ "$(id -u)" != 0 ]; then echo "${0##*/}: run as root (it creates network namespaces)" >&2; exit 1; fi

set -euo pipefail
TSV_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TSV_HERE="$(cd "$(dirname "$0")" && pwd)"  # the capture script's folder
TSV_WORK="$(mktemp -d /tmp/tsv-capture.XXXXXX)"
TSV_NETNS=()    # namespaces this script created: deleted on exit
TSV_PIDS=()     # background processes this script started: killed on exit
TSV_ON_EXIT=()  # extra commands run first on exit
TSV_TCPDUMP=""  # the running tcpdump, if any
TSV_TCPDUMP_OUT=""
TSV_SETTLE="${TSV_SETTLE:-1}"  # seconds tcpdump keeps writing after a client ends

tsv_die() { echo "${0##*/}: $*" >&2; exit 1; }

# tsv_cleanup: the EXIT trap. Kills what the script started (tcpdump, servers, anything still running in
# its namespaces), deletes the namespaces and the work folder; keeps the script's exit status.
tsv_cleanup() {
  local rc=$? p ns
  set +e
  trap '' INT TERM  # finish cleaning even when a dying server signals its process group
  for p in "${TSV_ON_EXIT[@]}"; do eval "$p"; done
  for p in $TSV_TCPDUMP "${TSV_PIDS[@]}" $(jobs -p); do kill "$p" 2>/dev/null; done
  for ns in "${TSV_NETNS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  sleep 0.2
  for ns in "${TSV_NETNS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$TSV_WORK"
  exit "$rc"
}
trap tsv_cleanup EXIT
trap 'exit 130' INT TERM

# tsv_check_addr ADDR/PREFIX: dies unless the whole subnet lies in 198.18.0.0/15 or fd00::/8.
tsv_check_addr() {
  local a="${1%/*}" len="${1##*/}" o1 o2 o3 o4
  [[ "$1" == */* && "$len" =~ ^[0-9]+$ ]] || tsv_die "$1: give the address with its prefix length (198.18.9.1/24)"
  if [[ "$a" == *:* ]]; then
    [[ "${a,,}" =~ ^fd[0-9a-f]{0,2}: ]] && [ "$len" -ge 8 ] && [ "$len" -le 128 ] && return 0
    tsv_die "$1: IPv6 test addresses must be in fd00::/8 (unique local), prefix 8 to 128"
  fi
  IFS=. read -r o1 o2 o3 o4 <<<"$a"
  [[ "$o1" == 198 && ( "$o2" == 18 || "$o2" == 19 ) && "$o3" =~ ^[0-9]+$ && "$o4" =~ ^[0-9]+$ ]] \
    && [ "$o3" -le 255 ] && [ "$o4" -le 255 ] && [ "$len" -ge 15 ] && [ "$len" -le 32 ] && return 0
  tsv_die "$1: IPv4 test addresses must be in 198.18.0.0/15 (RFC 2544), prefix 15 to 32"
}

# tsv_offload_off NS DEV: checksum offload (and with it TSO) off, so captures hold wire-sized segments.
# ethtool when present, else the same ETHTOOL_STXCSUM request through python3.
tsv_offload_off() {
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 && return 0
  ip netns exec "$1" python3 -c '
import array, fcntl, socket, struct, sys
ev = array.array("B", struct.pack("II", 0x17, 0))  # struct ethtool_value { ETHTOOL_STXCSUM, 0 }
addr, _ = ev.buffer_info()
ifr = struct.pack("16sP", sys.argv[1].encode(), addr) + bytes(16)
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, ifr)  # SIOCETHTOOL
' "$2"
}

# tsv_pair CLIENT_NS CLIENT_ADDR/PREFIX SERVER_NS SERVER_ADDR/PREFIX: two namespaces (leftovers of an
# earlier run are deleted first) joined by a veth pair whose ends carry the namespaces' names.
tsv_pair() {
  [ $# = 4 ] || tsv_die "usage: tsv_pair CLIENT_NS CLIENT_ADDR/PREFIX SERVER_NS SERVER_ADDR/PREFIX"
  local c="$1" s="$3" ns p
  for ns in "$c" "$s"; do
    [[ ${#ns} -le 15 && "$ns" =~ ^[a-z0-9-]+$ ]] || tsv_die "$ns: namespace names are [a-z0-9-], 15 bytes at most (they name the veth too)"
  done
  tsv_check_addr "$2"; tsv_check_addr "$4"
  for ns in "$c" "$s"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  TSV_CLI="$c"; TSV_SRV="$s"; TSV_CIP="${2%/*}"; TSV_SIP="${4%/*}"
  ip netns add "$c"; TSV_NETNS+=("$c")
  ip netns add "$s"; TSV_NETNS+=("$s")
  ip link add "$c" netns "$c" type veth peer name "$s" netns "$s"
  for p in "$c $2" "$s $4"; do  # nodad: an IPv6 address is usable at once
    set -- $p
    if [[ "$2" == *:* ]]; then ip -n "$1" addr add "$2" dev "$1" nodad; else ip -n "$1" addr add "$2" dev "$1"; fi
  done
  for ns in "$c" "$s"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$ns" up
    tsv_offload_off "$ns" "$ns"
  done
}

# tsv_http_pair CLIENT_NS CLIENT_ADDR/PREFIX SERVER_NS SERVER_ADDR/PREFIX PORT...: tsv_pair, then
# http-ok.py (HTTP/1.0, 200 to everything) listening on each PORT of the server, ready when it returns;
# TSV_FILTER is set to those ports for tsv_scenario.
tsv_http_pair() {
  local port
  tsv_pair "$1" "$2" "$3" "$4"; shift 4
  tsv_serve python3 "$TSV_LIB/http-ok.py" "$@"
  TSV_FILTER=""
  for port in "$@"; do
    tsv_wait_port "$port"
    TSV_FILTER="${TSV_FILTER:+$TSV_FILTER or }tcp port $port"
  done
}

# tsv_serve CMD...: runs CMD in the server namespace in the background (output in $TSV_WORK/server.log);
# TSV_SERVE_PID is its pid. tsv_serve_in NS CMD... does the same in another namespace of the pair.
tsv_serve() { tsv_serve_in "$TSV_SRV" "$@"; }
tsv_serve_in() {
  local ns="$1"; shift
  # setsid: a server of its own process group (smbd, for one, signals its whole group when it stops)
  ip netns exec "$ns" setsid "$@" >>"$TSV_WORK/server.log" 2>&1 &
  TSV_SERVE_PID=$!
  TSV_PIDS+=("$TSV_SERVE_PID")
}

# tsv_wait_port PORT [HOST]: waits (10 s at most) until HOST (the server) accepts TCP PORT from the client.
tsv_wait_port() {
  local port="$1" host="${2:-$TSV_SIP}" i  # bash's /dev/tcp takes IPv6 addresses without brackets
  for i in $(seq 100); do
    ip netns exec "$TSV_CLI" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$TSV_WORK/server.log" >&2 2>/dev/null
  tsv_die "nothing listens on $host port $port in $TSV_SRV after 10 s (server output above)"
}

# tsv_client CMD...: runs CMD in the client namespace (output in $TSV_WORK/client.log); a failing client
# is reported, not fatal: the capture shows what it sent.
tsv_client() {
  local rc=0
  ip netns exec "$TSV_CLI" "$@" >>"$TSV_WORK/client.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || echo "  ($1: exit $rc)"
}

# tsv_tcpdump_start OUT.pcap FILTER [NS DEV]: tcpdump on the client's veth (or NS's DEV) into OUT.pcap;
# returns once tcpdump has opened the interface.
tsv_tcpdump_start() {
  local out="$1" filter="$2" ns="${3:-$TSV_CLI}" dev="${4:-${3:-$TSV_CLI}}" i
  [ -z "$TSV_TCPDUMP" ] || tsv_die "tcpdump already running (into $TSV_TCPDUMP_OUT)"
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
  ip netns exec "$ns" tcpdump -i "$dev" --immediate-mode -U -w "$out" "$filter" 2>>"$TSV_WORK/tcpdump.log" &
  TSV_TCPDUMP=$!; TSV_TCPDUMP_OUT="$out"
  for i in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
  [ -s "$out" ] || { cat "$TSV_WORK/tcpdump.log" >&2; tsv_die "tcpdump did not start on $dev in $ns"; }
  sleep 0.3
}

# tsv_tcpdump_stop: lets tcpdump write what is left, stops it, recomputes the pcap's checksums (veth
# offload leaves partial ones, which an IPS rightly drops) and prints its packet count; an empty
# capture is fatal.
tsv_tcpdump_stop() {
  local out="$TSV_TCPDUMP_OUT" n
  [ -n "$TSV_TCPDUMP" ] || tsv_die "tsv_tcpdump_stop without tsv_tcpdump_start"
  sleep "$TSV_SETTLE"
  kill -INT "$TSV_TCPDUMP"; wait "$TSV_TCPDUMP" 2>/dev/null || true
  TSV_TCPDUMP=""; TSV_TCPDUMP_OUT=""
  tsv_fix_checksums "$out"
  n=$(tcpdump -r "$out" 2>/dev/null | wc -l)
  echo "${out}: $n packets"
  [ "$n" -gt 0 ] || tsv_die "$out is empty (client output: $TSV_WORK/client.log)"
}

# tsv_cap OUT.pcap FILTER CMD...: one client command recorded on the client side into OUT.pcap.
tsv_cap() {
  local out="$1" filter="$2"; shift 2
  tsv_tcpdump_start "$out" "$filter"
  tsv_client "$@"
  tsv_tcpdump_stop
}

# tsv_scenario NAME CMD...: tsv_cap into $OUT/NAME.pcap with the filter in TSV_FILTER.
tsv_scenario() {
  local name="$1"; shift
  tsv_cap "$OUT/$name.pcap" "$TSV_FILTER" "$@"
}

# tsv_fix_checksums FILE.pcap...: recomputes IPv4 header and TCP/UDP checksums in place.
tsv_fix_checksums() { python3 "$TSV_LIB/fix-checksums.py" "$@"; }

# tsv_smbd_conf DIR ADDR NETBIOS [GLOBAL_LINE...]: writes DIR/smb.conf, a [global] section for a
# throw-away smbd bound to ADDR:445 only (SMB1 allowed, guests mapped, state kept under DIR), plus the
# given lines; append the shares after it.
tsv_smbd_conf() {
  local dir="$1" addr="$2" name="$3" line; shift 3
  mkdir -p "$dir"/{priv,lock,state,cache,pid}
  {
    printf '%s\n' '[global]' '  workgroup = TSUGI' "  netbios name = $name" '  server min protocol = NT1' \
      '  ntlm auth = yes' '  map to guest = Bad User' '  guest account = nobody' \
      "  private dir = $dir/priv" "  lock directory = $dir/lock" "  state directory = $dir/state" \
      "  cache directory = $dir/cache" "  pid directory = $dir/pid" "  interfaces = $addr" \
      '  bind interfaces only = yes' '  disable netbios = yes' '  smb ports = 445' '  load printers = no' \
      '  printcap name = /dev/null'
    for line in "$@"; do printf '  %s\n' "$line"; done
  } >"$dir/smb.conf"
}
