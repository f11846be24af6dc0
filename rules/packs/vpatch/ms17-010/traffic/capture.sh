#!/usr/bin/env bash
# Captures the real SMB traffic the SMB virtual-patch tests replay (ms17-010, smbghost, outlook-ntlm-leak):
#   ms17010-nmap.pcap   nmap --script smb-vuln-ms17-010 (the MS17-010 check: PeekNamedPipe TRANS on FID 0)
#                       and smb-protocols against Samba's smbd with SMB1 (NT1) enabled
#   smb1-copy.pcap      smbclient -m NT1: ls and a file copy both ways over SMB1 (benign)
#   smb3-copy.pcap      smbclient (SMB 3.1.1): ls and a file copy both ways (benign)
# Hosts are network namespaces tsv-smb-cli (198.18.1.1) and tsv-smb-srv (198.18.1.2) joined by a veth
# pair; nothing leaves them. Run as root from anywhere; pcaps land beside this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/tsv-smb.XXXXXX)"
cleanup() {
  [ -f "$work/smbd.pid" ] && kill "$(cat "$work/smbd.pid")" 2>/dev/null || true
  [ -n "${tcpd:-}" ] && kill "$tcpd" 2>/dev/null || true
  ip netns del tsv-smb-cli 2>/dev/null || true
  ip netns del tsv-smb-srv 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add tsv-smb-cli
ip netns add tsv-smb-srv
ip link add tsv-smb-c0 type veth peer name tsv-smb-s0
ip link set tsv-smb-c0 netns tsv-smb-cli
ip link set tsv-smb-s0 netns tsv-smb-srv
ip -n tsv-smb-cli addr add 198.18.1.1/24 dev tsv-smb-c0
ip -n tsv-smb-srv addr add 198.18.1.2/24 dev tsv-smb-s0
for n in cli srv; do ip -n tsv-smb-$n link set lo up; done
ip -n tsv-smb-cli link set tsv-smb-c0 up
ip -n tsv-smb-srv link set tsv-smb-s0 up

mkdir -p "$work"/{priv,lock,state,cache,pid,share}
head -c 20000 /usr/share/common-licenses/GPL-3 > "$work/share/readme.txt"
head -c 30000 /usr/share/common-licenses/GPL-2 > "$work/upload.txt"
chmod -R 777 "$work/share"
cat > "$work/smb.conf" <<CONF
[global]
  workgroup = TSUGI
  server string = tsugi test
  netbios name = TSVSRV
  server min protocol = NT1
  ntlm auth = yes
  map to guest = Bad User
  guest account = nobody
  security = user
  private dir = $work/priv
  lock directory = $work/lock
  state directory = $work/state
  cache directory = $work/cache
  pid directory = $work/pid
  interfaces = 198.18.1.2/24
  bind interfaces only = yes
  disable netbios = yes
  smb ports = 445
  load printers = no
  printcap name = /dev/null
  log level = 0
[pub]
  path = $work/share
  guest ok = yes
  read only = no
  force user = root
CONF
ip netns exec tsv-smb-srv smbd -F --no-process-group -s "$work/smb.conf" --debug-stdout >"$work/smbd.log" 2>&1 &
echo $! > "$work/smbd.pid"
for i in $(seq 50); do ip netns exec tsv-smb-cli bash -c 'exec 3<>/dev/tcp/198.18.1.2/445' 2>/dev/null && break; sleep 0.2; done

cap() { # cap FILE: start tcpdump in the client namespace
  ip netns exec tsv-smb-cli tcpdump -i tsv-smb-c0 -U -w "$1" 'tcp port 445' 2>/dev/null &
  tcpd=$!
  sleep 1
}
stop() { sleep 1; kill "$tcpd"; wait "$tcpd" 2>/dev/null || true; tcpd=""; }

cap "$here/ms17010-nmap.pcap"
ip netns exec tsv-smb-cli nmap -Pn -n -p445 --script smb-vuln-ms17-010,smb-protocols 198.18.1.2 || true
stop

cap "$here/smb1-copy.pcap"
ip netns exec tsv-smb-cli smbclient -N -m NT1 --option='client min protocol=NT1' //198.18.1.2/pub \
  -c "ls; get readme.txt $work/got1.txt; put $work/upload.txt up1.txt; ls" || true
stop

cap "$here/smb3-copy.pcap"
ip netns exec tsv-smb-cli smbclient -N -m SMB3 //198.18.1.2/pub \
  -c "ls; get readme.txt $work/got3.txt; put $work/upload.txt up3.txt; ls" || true
stop
python3 "$here/fix-checksums.py" "$here"/*.pcap  # veth captures carry offloaded (partial) checksums
ls -l "$here"/*.pcap
