#!/usr/bin/env bash
# Captures the real SMB traffic the SMB virtual-patch tests replay (ms17-010, smbghost, outlook-ntlm-leak):
#   ms17010-nmap.pcap   nmap --script smb-vuln-ms17-010 (the MS17-010 check: PeekNamedPipe TRANS on FID 0)
#                       and smb-protocols against Samba's smbd with SMB1 (NT1) enabled
#   smb1-copy.pcap      smbclient -m NT1: ls and a file copy both ways over SMB1 (benign)
#   smb3-copy.pcap      smbclient (SMB 3.1.1): ls and a file copy both ways (benign)
# Hosts are network namespaces tsv-smb-cli (198.18.1.1) and tsv-smb-srv (198.18.1.2); nothing leaves
# them (rules/packs/traffic/netns.sh). Run as root from anywhere; pcaps land in $OUT (default: beside
# this script).
. "$(dirname "$0")/../../../traffic/netns.sh"
OUT="${OUT:-$TSV_HERE}"
work="$TSV_WORK"
tsv_pair tsv-smb-cli 198.18.1.1/24 tsv-smb-srv 198.18.1.2/24

mkdir -p "$work/share"
head -c 20000 /usr/share/common-licenses/GPL-3 > "$work/share/readme.txt"
head -c 30000 /usr/share/common-licenses/GPL-2 > "$work/upload.txt"
chmod -R 777 "$work/share"
tsv_smbd_conf "$work" 198.18.1.2/24 TSVSRV 'server string = tsugi test' 'security = user' 'log level = 0'
cat >> "$work/smb.conf" <<CONF
[pub]
  path = $work/share
  guest ok = yes
  read only = no
  force user = root
CONF
tsv_serve smbd -F --no-process-group -s "$work/smb.conf" --debug-stdout
tsv_wait_port 445

tsv_tcpdump_start "$OUT/ms17010-nmap.pcap" 'tcp port 445'
tsv_client nmap -Pn -n -p445 --script smb-vuln-ms17-010,smb-protocols 198.18.1.2
tsv_tcpdump_stop

tsv_tcpdump_start "$OUT/smb1-copy.pcap" 'tcp port 445'
tsv_client smbclient -N -m NT1 --option='client min protocol=NT1' //198.18.1.2/pub \
  -c "ls; get readme.txt $work/got1.txt; put $work/upload.txt up1.txt; ls"
tsv_tcpdump_stop

tsv_tcpdump_start "$OUT/smb3-copy.pcap" 'tcp port 445'
tsv_client smbclient -N -m SMB3 //198.18.1.2/pub \
  -c "ls; get readme.txt $work/got3.txt; put $work/upload.txt up3.txt; ls"
tsv_tcpdump_stop
