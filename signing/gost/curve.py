"""GOST R 34.10-2012 512-bit curve arithmetic in plain Python integers (the pure path).

Verification computes ``C = z1*P + z2*Q`` on a short Weierstrass curve with
``a = -3``.  Both multiplications run interleaved (Shamir's trick) over width-5
NAFs, in Jacobian coordinates with mixed additions of affine table points, so a
verify costs about 512 doublings and ~170 additions and a single field inversion
at the end — roughly a tenth of a textbook affine double-and-add.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Width of the non-adjacent form: tables of 2**(W-2) odd multiples per point.
_WINDOW = 5

_Jacobian = tuple[int, int, int]  # (X, Y, Z) for x = X/Z², y = Y/Z³; Z = 0 is infinity
_Affine = tuple[int, int]


@dataclass(frozen=True)
class Curve:
    """A GOST R 34.10 elliptic curve y² = x³ + ax + b over GF(p), base point (x, y) of order q."""

    name: str
    p: int
    a: int
    b: int
    q: int
    x: int
    y: int

    def contains(self, x: int, y: int) -> bool:
        """Whether (x, y) is a finite point of this curve."""
        p = self.p
        return 0 <= x < p and 0 <= y < p and (y * y - (x * x * x + self.a * x + self.b)) % p == 0


#: tc26 GOST R 34.10-2012 512-bit parameter set A (RFC 7836, 1.2.643.7.1.2.1.2.1); the curve
#: NCA RK names 1.2.398.3.10.1.1.2.2.1.
TC26_512_A = Curve(
    name="id-tc26-gost-3410-12-512-paramSetA",
    p=(1 << 512) - 569,
    a=(1 << 512) - 572,
    b=int(
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
        "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        16,
    ),
    q=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        16,
    ),
    x=3,
    y=int(
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921"
        "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
        16,
    ),
)


def verify(curve: Curve, qx: int, qy: int, e: int, r: int, s: int) -> bool:
    """GOST R 34.10-2012 §6.2: whether (r, s) signs the digest integer ``e`` under key Q.

    ``e`` is the digest already read as an integer (the caller decides the byte
    order); it is reduced mod q here, and 0 becomes 1 as the standard says.
    """
    q = curve.q
    if not (0 < r < q and 0 < s < q):
        return False
    e %= q
    v = pow(e or 1, -1, q)
    z1 = s * v % q
    z2 = -r * v % q
    point = _double_multiply(curve, z1, (curve.x, curve.y), z2, (qx, qy))
    if point[2] == 0:
        return False
    zinv = pow(point[2], -1, curve.p)
    x = point[0] * zinv * zinv % curve.p
    return x % q == r


def sign(curve: Curve, d: int, e: int, k: int) -> tuple[int, int] | None:
    """GOST R 34.10-2012 §6.1: (r, s) for the digest integer ``e`` under the private key ``d``
    with the one-time secret ``k`` (1 <= k < q); None when ``k`` yields r = 0 or s = 0
    (the caller draws another).  Not constant-time: the stand-in of tests signs with it,
    the registry never holds a GOST key."""
    q = curve.q
    e %= q
    x = multiply(curve, k, (curve.x, curve.y))[0]
    r = x % q
    s = (r * d + k * (e or 1)) % q
    return (r, s) if r and s else None


def multiply(curve: Curve, k: int, point: _Affine) -> _Affine:
    """k*point in affine coordinates (k not a multiple of the point's order)."""
    return _to_affine(_double_multiply(curve, k, point, 0, point), curve.p)


def _double_multiply(curve: Curve, k1: int, p1: _Affine, k2: int, p2: _Affine) -> _Jacobian:
    """k1*p1 + k2*p2 by interleaved width-5 NAFs."""
    naf1, naf2 = _wnaf(k1), _wnaf(k2)
    table1, table2 = _odd_multiples(curve, p1), _odd_multiples(curve, p2)
    prime = curve.p
    acc: _Jacobian = (1, 1, 0)
    for i in range(max(len(naf1), len(naf2)) - 1, -1, -1):
        acc = _double(acc, prime)
        for naf, table in ((naf1, table1), (naf2, table2)):
            digit = naf[i] if i < len(naf) else 0
            if digit > 0:
                acc = _add_affine(curve, acc, table[digit >> 1])
            elif digit < 0:
                x, y = table[-digit >> 1]
                acc = _add_affine(curve, acc, (x, prime - y))
    return acc


def _wnaf(k: int) -> list[int]:
    """Width-w non-adjacent form of k >= 0, least significant digit first."""
    digits = []
    modulus = 1 << _WINDOW
    half = modulus >> 1
    while k:
        if k & 1:
            digit = k & (modulus - 1)
            if digit >= half:
                digit -= modulus
            k -= digit
        else:
            digit = 0
        digits.append(digit)
        k >>= 1
    return digits


def _odd_multiples(curve: Curve, point: _Affine) -> list[_Affine]:
    """[P, 3P, 5P, …, (2**(w-1) - 1)P] in affine coordinates."""
    prime = curve.p
    twice = _to_affine(_double((point[0], point[1], 1), prime), prime)
    multiples = [point]
    for _ in range((1 << (_WINDOW - 2)) - 1):
        last = multiples[-1]
        multiples.append(_to_affine(_add_affine(curve, (last[0], last[1], 1), twice), prime))
    return multiples


def _to_affine(point: _Jacobian, prime: int) -> _Affine:
    x, y, z = point
    if z == 0:
        # Only reachable with a point of small order, which a valid curve key is not.
        raise ValueError("point at infinity in a precomputed table")
    zinv = pow(z, -1, prime)
    zinv2 = zinv * zinv % prime
    return x * zinv2 % prime, y * zinv2 * zinv % prime


def _double(point: _Jacobian, prime: int) -> _Jacobian:
    """2P for a = -3 (dbl-2001-b)."""
    x1, y1, z1 = point
    if z1 == 0 or y1 == 0:
        return (1, 1, 0)
    delta = z1 * z1 % prime
    gamma = y1 * y1 % prime
    beta = x1 * gamma % prime
    alpha = 3 * (x1 - delta) * (x1 + delta) % prime
    x3 = (alpha * alpha - 8 * beta) % prime
    z3 = ((y1 + z1) ** 2 - gamma - delta) % prime
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % prime
    return x3, y3, z3


def _add_affine(curve: Curve, point: _Jacobian, other: _Affine) -> _Jacobian:
    """P + R with R affine (madd-2007-bl)."""
    prime = curve.p
    x1, y1, z1 = point
    x2, y2 = other
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % prime
    u2 = x2 * z1z1 % prime
    s2 = y2 * z1 * z1z1 % prime
    h = (u2 - x1) % prime
    r = 2 * (s2 - y1) % prime
    if h == 0:
        return _double(point, prime) if r == 0 else (1, 1, 0)
    hh = h * h % prime
    i = 4 * hh % prime
    j = h * i % prime
    v = x1 * i % prime
    x3 = (r * r - j - 2 * v) % prime
    y3 = (r * (v - x3) - 2 * y1 * j) % prime
    z3 = ((z1 + h) ** 2 - z1z1 - hh) % prime
    return x3, y3, z3
