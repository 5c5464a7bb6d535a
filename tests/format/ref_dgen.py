#!/usr/bin/env python3
"""An independent implementation of docs/FORMAT.md (dgen1 and dgen2 streams), written from
the document alone and sharing no code with libdgen: pure-Python AES rounds, the dedup
permutation and the compression layout. XXH3 and XXH64 come from the system's libxxhash
(the document defines the keys through XXH3, whose output is frozen by its own spec).

    ref_dgen.py GOLDEN_DGEN1_INC GOLDEN_DGEN2_INC

reproduces a sample of the golden rows (tests/unit/golden_dgen*.inc) and exits 1, naming
the row, on the first that differs: then the spec and the code have drifted apart.
Section numbers (§) refer to docs/FORMAT.md."""
import ctypes
import ctypes.util
import math
import re
import struct
import sys

MASK64 = (1 << 64) - 1

# --- XXH3 / XXH64 (libxxhash) ------------------------------------------------------------
_xxh = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")


class _Hash128(ctypes.Structure):
    _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]


_xxh.XXH3_128bits_withSeed.restype = _Hash128
_xxh.XXH3_128bits_withSeed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
_xxh.XXH3_64bits_withSeed.restype = ctypes.c_uint64
_xxh.XXH3_64bits_withSeed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
_xxh.XXH64.restype = ctypes.c_uint64
_xxh.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]


def xxh3_128(data, seed):
    h = _xxh.XXH3_128bits_withSeed(data, len(data), seed)
    return h.low64, h.high64


def xxh3_64(data, seed):
    return _xxh.XXH3_64bits_withSeed(data, len(data), seed)


def xxh64(data):
    return _xxh.XXH64(data, len(data), 0)


# --- AES rounds (FIPS-197), as x86 AESENC / AESENCLAST apply them ---------------------------
def _xtime(b):
    return ((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1


def _gmul(a, b):
    p = 0
    while b:
        if b & 1:
            p ^= a
        a, b = _xtime(a), b >> 1
    return p


def _make_sbox():
    inv = [0] * 256
    for a in range(1, 256):
        inv[a] = next(b for b in range(1, 256) if _gmul(a, b) == 1)
    box = []
    for a in range(256):
        x, s = inv[a], inv[a]
        for _ in range(4):
            x = ((x << 1) | (x >> 7)) & 0xFF
            s ^= x
        box.append(s ^ 0x63)
    return box


SBOX = _make_sbox()
X2 = [_xtime(b) for b in range(256)]
# State byte i is row i % 4 of column i // 4; ShiftRows moves row r left by r columns.
SHIFT = [(i % 4) + 4 * ((i // 4 + i % 4) % 4) for i in range(16)]


def aes_round(state, key, last=False):
    s = [SBOX[state[SHIFT[i]]] for i in range(16)]  # ShiftRows then SubBytes (they commute)
    if not last:
        m = []
        for c in range(0, 16, 4):
            a0, a1, a2, a3 = s[c:c + 4]
            t = a0 ^ a1 ^ a2 ^ a3
            m += [a0 ^ t ^ X2[a0 ^ a1], a1 ^ t ^ X2[a1 ^ a2], a2 ^ t ^ X2[a2 ^ a3], a3 ^ t ^ X2[a3 ^ a0]]
        s = m
    return bytes(x ^ k for x, k in zip(s, key))


# --- §2: ARS-5 -----------------------------------------------------------------------------
WEYL = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B)


def le128(low, high):
    return struct.pack("<QQ", low & MASK64, high & MASK64)


def round_keys(ars_key, rounds=5):
    lo, hi = ars_key
    keys = [le128(lo, hi)]
    for _ in range(rounds):
        lo, hi = (lo + WEYL[0]) & MASK64, (hi + WEYL[1]) & MASK64
        keys.append(le128(lo, hi))
    return keys


def ars(keys, counter):
    v = bytes(a ^ b for a, b in zip(le128(counter & MASK64, counter >> 64), keys[0]))
    for k in keys[1:-1]:
        v = aes_round(v, k)
    return aes_round(v, keys[-1], last=True)


# --- §3: dedup -------------------------------------------------------------------------------
WINDOW_SHIFT = 20


def mix64(x):
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def permute(dedup_key, w, n, t):
    k = max(0, (n - 1).bit_length())  # smallest k with 2^k >= n
    h = max(1, (k + 1) // 2)
    mask = (1 << h) - 1
    wkey = mix64(dedup_key ^ ((w * 0x9E3779B97F4A7C15) & MASK64))

    def feistel(y):
        left, right = y >> h, y & mask
        for i in range(4):
            left, right = right, left ^ (mix64((wkey + (i << 32) + right) & MASK64) & mask)
        return (left << h) | right

    y = feistel(t)
    while y >= n:
        y = feistel(y)
    return y


# --- §4: compression layout ----------------------------------------------------------------
def round_half_away(x):
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def random_bytes_per_sector(c):
    if c < 1.5:
        overhead = 14 * (c - 1)
    elif c <= 4:
        overhead = 7
    else:
        overhead = max(4, 7 - 0.375 * (c - 4))
    return min(max(512 / c - overhead, 16), 512)


class Stream:
    def __init__(self, fmt, seed, name, size, d, c, unit, dedup_run):
        self.size, self.d, self.c, self.unit = size, d, c, unit
        self.runlen = 1 if fmt == 1 else max(1, dedup_run // unit)  # R; dgen1: always 1
        name = name.encode()
        if fmt == 1:
            ars_key = xxh3_128(b"dgen1/key/" + name, seed)
            self.dedup_key = xxh3_64(b"dgen1/dedup/" + name, seed)
        else:
            p = struct.pack("<QQdd", unit, self.runlen, d, c)
            ars_key = xxh3_128(b"dgen2/key/" + p + name, seed)
            self.dedup_key = xxh3_64(b"dgen2/dedup/" + p + name, seed)
        self.keys = round_keys(ars_key)
        units = -(-size // unit)
        self.runs = -(-units // self.runlen)
        x = random_bytes_per_sector(c)
        self.random_len = [round_half_away((j + 1) * x) - round_half_away(j * x) for j in range(unit // 512)]

    def content(self, u):
        if self.d == 1:
            return u
        r, j = divmod(u, self.runlen)
        w, t = r >> WINDOW_SHIFT, r & ((1 << WINDOW_SHIFT) - 1)
        n = min(1 << WINDOW_SHIFT, self.runs - (w << WINDOW_SHIFT))
        m = max(1, math.floor(n / self.d + 0.5))
        content_run = (w << WINDOW_SHIFT) + permute(self.dedup_key, w, n, t) * m // n
        return content_run * self.runlen + j

    def read(self, offset, length):
        end = min(offset + length, self.size)
        out = bytearray()
        pos = offset
        while pos < end:
            u, a = divmod(pos, self.unit)
            base = self.content(u) * (self.unit // 16)
            stop = min(end - pos, self.unit - a) + a
            block_index, block = None, b""
            for b in range(a, stop):
                if b // 16 != block_index:
                    block_index = b // 16
                    block = ars(self.keys, base + block_index)
                keep = (b % 512) < self.random_len[b // 512]
                out.append(block[b % 16] if keep else 0)
            pos += stop - a
        return bytes(out)


# --- golden rows -------------------------------------------------------------------------------
ROW = re.compile(r'^\{(\d+)ull, "([^"]*)", (\d+)ull, ([^,]+), ([^,]+), (\d+), (?:(\d+)ull, )?(\d+)ull, '
                 r'(\d+), (\d+), 0x([0-9a-f]+)ull\},$')


def rows(path, fmt):
    for line in open(path):
        m = ROW.match(line)
        if not m:
            continue
        seed, name, size, d, c, unit, run, off, length, returned, h = m.groups()
        yield (fmt, int(seed), name, int(size), float(d), float(c), int(unit), int(run or 0),
               int(off), int(length), int(returned), int(h, 16))


def sample(all_rows):
    """Per stream: every 17-byte row (each offset the tool chose: unit, run and window
    boundaries, the middle, the end) and the first 4096-byte row that crosses a unit
    boundary (offset U - 1): about a quarter of the rows, in about a second."""
    seen = set()
    for row in all_rows:
        stream, unit, offset, length = row[:8], row[6], row[8], row[9]
        if length == 17:
            yield row
        elif length == 4096 and offset % unit == unit - 1 and stream not in seen:
            seen.add(stream)
            yield row


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    checked = 0
    total = {1: 0, 2: 0}
    for fmt, path in ((1, argv[1]), (2, argv[2])):
        all_rows = list(rows(path, fmt))
        total[fmt] = len(all_rows)
        if not all_rows:
            print(f"no golden rows read from {path}", file=sys.stderr)
            return 1
        streams = {}
        for row in sample(all_rows):
            fmt_, seed, name, size, d, c, unit, run, off, length, returned, want = row
            key = row[:8]
            if key not in streams:
                streams[key] = Stream(fmt_, seed, name, size, d, c, unit, run)
            got = streams[key].read(off, length)
            if len(got) != returned or xxh64(got) != want:
                print(f"spec and code differ (format break or spec error): dgen{fmt} {name} seed {seed} "
                      f"size {size} D {d} C {c} unit {unit} run {run} offset {off} length {length}: "
                      f"got {len(got)} bytes xxh64 {xxh64(got):016x}, golden {returned} bytes {want:016x}",
                      file=sys.stderr)
                return 1
            checked += 1
    print(f"ref_dgen: {checked} golden rows reproduced from docs/FORMAT.md "
          f"(of {total[1]} dgen1 and {total[2]} dgen2 rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
