#!/bin/sh
# Every code point above U+007F, percent-encoded in a request path, through
# cerbo_request_parse() of libcerbo.so.0 (python3 ctypes): refused exactly
# when Python's own Unicode database (14.0, the version of the table in
# store/fold.c) says that NFKC, case mapping or case folding turns it into
# text holding ASCII, or it is U+2126 OHM / U+212B ANGSTROM SIGN or a
# Default_Ignorable_Code_Point.  The oracle shares no code with the table.
. "$CERBO_TOP/tests/e2e/lib.sh"

SO="$B/libcerbo.so.0"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
[ -f "$SO" ] || skip_all "no $SO"
ucd=$(python3 -c 'import unicodedata; print(unicodedata.unidata_version)')
[ "$ucd" = 14.0.0 ] ||
    skip_all "python3's Unicode database is $ucd, the table is of 14.0.0"

# Under make asan the library needs the ASan runtime loaded first.
out=$(LD_PRELOAD="${CERBO_ASAN_RT:-}" ASAN_OPTIONS=detect_leaks=0 \
    python3 - "$SO" <<'PY'
import ctypes, sys, unicodedata as u, urllib.parse

lib = ctypes.CDLL(sys.argv[1])

class Request(ctypes.Structure):  # struct cerbo_request
    _fields_ = [("size", ctypes.c_size_t), ("method", ctypes.c_char * 32),
                ("path", ctypes.c_char * 4096)]

# DerivedCoreProperties.txt 14.0, Default_Ignorable_Code_Point
IGNORABLE = [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C),
             (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
             (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F),
             (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
             (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
             (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)]

def ascii_in(s):
    return any(ch < "\x80" for ch in s)

def folds(cp):
    if any(lo <= cp <= hi for lo, hi in IGNORABLE) or cp in (0x2126, 0x212B):
        return True
    ch = chr(cp)
    if u.category(ch) == "Cn":
        return False
    n = u.normalize("NFKC", ch)
    return any(ascii_in(f) for f in (n, ch.lower(), ch.upper(), ch.title(),
        ch.casefold(), n.casefold(), u.normalize("NFKC", n.casefold())))

wrong, refused = [], 0
for cp in range(0x80, 0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    r = Request(size=ctypes.sizeof(Request))
    line = b"GET /a/" + urllib.parse.quote(chr(cp)).encode() + b"/b"
    got = lib.cerbo_request_parse(line, ctypes.byref(r), None) != 0
    want = folds(cp)
    refused += want
    if got != want:
        wrong.append("U+%04X %s, expected %s" % (cp,
            "refused" if got else "accepted",
            "refused" if want else "accepted"))
print(refused)
print(len(wrong))
for w in wrong[:20]:
    print(w)
PY
)
refused=$(printf '%s\n' "$out" | sed -n 1p)
wrong=$(printf '%s\n' "$out" | sed -n 2p)
echo "# $refused code points fold or normalise into other text"
check_eq "every code point is refused exactly when it folds" "$wrong" 0
[ "$wrong" = 0 ] || printf '%s\n' "$out" | sed -n '3,$s/^/# /p'
