#!/usr/bin/env bash
# Captures the client-document fixtures of the follina, office-hta-ole2link and equation-editor
# virtual patches: make-docs.py builds the documents, serve.py (python3 http.server + a tiny SMTP
# receiver) serves them in namespace tsv-cli-s (198.18.4.2), curl fetches / mails them from
# tsv-cli-c (198.18.4.1), tcpdump records each exchange. Run as root from anywhere; traffic stays
# between the two namespaces, which are deleted on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PACKS=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d)
C=tsv-cli-c; S=tsv-cli-s
cleanup() {
  [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null || true
  ip netns del $C 2>/dev/null || true
  ip netns del $S 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add $C; ip netns add $S
ip link add tsvc0 netns $C type veth peer name tsvs0 netns $S
ip -n $C addr add 198.18.4.1/24 dev tsvc0; ip -n $S addr add 198.18.4.2/24 dev tsvs0
ip -n $C link set tsvc0 up; ip -n $S link set tsvs0 up
ip -n $C link set lo up; ip -n $S link set lo up
python3 "$HERE/make-docs.py" "$WORK/docs"
ip netns exec $S python3 "$HERE/serve.py" "$WORK/docs" & SRV=$!
sleep 1.5

# cap OUT.pcap CMD...: one client command in tsv-cli-c, recorded on the client side
cap() {
  local out=$1; shift
  ip netns exec $C tcpdump -i tsvc0 -U --immediate-mode -w "$out" 'tcp and host 198.18.4.2' 2>/dev/null & local td=$!
  sleep 2  # tcpdump must be listening before the client starts
  ip netns exec $C "$@" >/dev/null
  sleep 1.5  # let tcpdump write what the ring still holds
  kill -INT $td; wait $td || true
  [ "$(stat -c %s "$out")" -gt 24 ] || { echo "capture $out is empty" >&2; exit 1; }
  python3 "$HERE/../../ms17-010/traffic/fix-checksums.py" "$out"  # veth offload leaves partial checksums
}
UA='Mozilla/4.0 (compatible; ms-office; MSOffice 16)'
get() { cap "$1" curl -s -A "$UA" -H 'Accept-Encoding: gzip' -o /dev/null "http://198.18.4.2/$2"; }

F=$PACKS/follina/traffic
get $F/follina-http.pcap follina.html
get $F/follina-case-gzip-chunked.pcap 'follina-case.html?gzip&chunked'
get $F/follina-jsesc-gzip.pcap 'follina-jsesc.html?gzip'
get $F/follina-entity.pcap follina-entity.html
get $F/msdt-help.pcap 'msdt-help.html?chunked'
# the same HTML as a mail attachment (curl's SMTP client, MIME built here)
{
  printf 'From: hr@tsv-cli.test\r\nTo: user@tsv-cli.test\r\nSubject: Salary review\r\nMIME-Version: 1.0\r\n'
  printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nPlease see the attachment.\r\n'
  printf -- '--b1\r\nContent-Type: text/html; name="review.html"\r\nContent-Disposition: attachment; filename="review.html"\r\n'
  printf 'Content-Transfer-Encoding: base64\r\n\r\n'
  base64 "$WORK/docs/follina.html" | sed 's/$/\r/'
  printf -- '--b1--\r\n'
} > "$WORK/mail.eml"
cap $F/follina-smtp.pcap curl -s smtp://198.18.4.2:25 --mail-from hr@tsv-cli.test --mail-rcpt user@tsv-cli.test -T "$WORK/mail.eml"

O=$PACKS/office-hta-ole2link/traffic
get $O/ole2link-rtf.pcap ole2link.rtf
get $O/ole2link-obf-chunked.pcap 'ole2link-obf.rtf?chunked'
get $O/hta.pcap payload.hta
get $O/normal-rtf.pcap normal.rtf
get $O/normal-html-gzip.pcap 'normal.html?gzip'

E=$PACKS/equation-editor/traffic
get $E/equation-rtf.pcap equation.rtf
get $E/equation-obf-gzip.pcap 'equation-obf.rtf?gzip'
get $E/equation-par.pcap 'equation-par.rtf?chunked'
get $E/equation-doc.pcap equation.doc
get $E/equation-normal.pcap equation-normal.rtf
ls -la $F/*.pcap $O/*.pcap $E/*.pcap
