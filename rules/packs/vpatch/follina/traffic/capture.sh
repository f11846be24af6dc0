#!/usr/bin/env bash
# Captures the client-document fixtures of the follina, office-hta-ole2link and equation-editor
# virtual patches: make-docs.py builds the documents, serve.py (python3 http.server + a tiny SMTP
# receiver) serves them in namespace tsv-cli-s (198.18.4.2), curl fetches / mails them from
# tsv-cli-c (198.18.4.1), tcpdump records each exchange on the client side. Run as root from anywhere;
# traffic stays between the two namespaces (rules/packs/traffic/netns.sh). Pcaps land in
# <patch>/traffic/ under $OUT (default: rules/packs/vpatch, i.e. beside each patch).
. "$(dirname "$0")/../../../traffic/netns.sh"
ROOT="${OUT:-$TSV_HERE/../..}"  # pcaps go to $ROOT/<patch>/traffic/
WORK="$TSV_WORK"
tsv_pair tsv-cli-c 198.18.4.1/24 tsv-cli-s 198.18.4.2/24
python3 "$TSV_HERE/make-docs.py" "$WORK/docs"
tsv_serve python3 "$TSV_HERE/serve.py" "$WORK/docs"
tsv_wait_port 80; tsv_wait_port 25
TSV_FILTER='tcp and host 198.18.4.2'

UA='Mozilla/4.0 (compatible; ms-office; MSOffice 16)'
get() { tsv_cap "$1" "$TSV_FILTER" curl -s -A "$UA" -H 'Accept-Encoding: gzip' -o /dev/null "http://198.18.4.2/$2"; }

F=$ROOT/follina/traffic
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
tsv_cap $F/follina-smtp.pcap "$TSV_FILTER" curl -s smtp://198.18.4.2:25 --mail-from hr@tsv-cli.test --mail-rcpt user@tsv-cli.test -T "$WORK/mail.eml"

O=$ROOT/office-hta-ole2link/traffic
get $O/ole2link-rtf.pcap ole2link.rtf
get $O/ole2link-obf-chunked.pcap 'ole2link-obf.rtf?chunked'
get $O/hta.pcap payload.hta
get $O/normal-rtf.pcap normal.rtf
get $O/normal-html-gzip.pcap 'normal.html?gzip'

E=$ROOT/equation-editor/traffic
get $E/equation-rtf.pcap equation.rtf
get $E/equation-obf-gzip.pcap 'equation-obf.rtf?gzip'
get $E/equation-par.pcap 'equation-par.rtf?chunked'
get $E/equation-doc.pcap equation.doc
get $E/equation-normal.pcap equation-normal.rtf
