"""The fast path: Streebog and GOST verification from the system's OpenSSL 3 + gost-engine.

Debian's ``libengine-gost-openssl`` (installed by ``scripts/system-deps.sh``)
ships two modules for the system ``libcrypto.so.3``: the ``gostprov`` provider
(Streebog and the other GOST digests) and the ``gost`` engine (GOST R 34.10
signatures; the provider of version 3.0 has no signatures yet).  They are bound
with ``ctypes`` rather than through ``OPENSSL_CONF``, so that nothing changes the
process's OpenSSL configuration:

- Streebog comes from a *private* library context (``OSSL_LIB_CTX``) that loads
  ``gostprov``; ``hashlib`` and every other user of the default context see no
  change.
- The engine is loaded but never made a default; its key and signature methods
  are registered only for the GOST key types (the engine implements no others),
  and are used only by the key contexts made here.  ``cryptography`` links its
  own OpenSSL and is not affected at all.

``load()`` returns None when the library or either module is missing; callers
then use the pure path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

_VP = ctypes.c_void_p
_BYTES = ctypes.c_char_p
#: name -> (result type, argument types) of the libcrypto functions used here.
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "OSSL_LIB_CTX_new": (_VP, []),
    "OSSL_PROVIDER_load": (_VP, [_VP, _BYTES]),
    "EVP_MD_fetch": (_VP, [_VP, _BYTES, _BYTES]),
    "EVP_Digest": (
        ctypes.c_int,
        [_BYTES, ctypes.c_size_t, _BYTES, ctypes.POINTER(ctypes.c_uint), _VP, _VP],
    ),
    "ENGINE_by_id": (_VP, [_BYTES]),
    "ENGINE_init": (ctypes.c_int, [_VP]),
    "ENGINE_register_pkey_asn1_meths": (ctypes.c_int, [_VP]),
    "ENGINE_register_pkey_meths": (ctypes.c_int, [_VP]),
    "d2i_PUBKEY": (_VP, [_VP, ctypes.POINTER(_BYTES), ctypes.c_long]),
    "EVP_PKEY_free": (None, [_VP]),
    "EVP_PKEY_CTX_new": (_VP, [_VP, _VP]),
    "EVP_PKEY_CTX_free": (None, [_VP]),
    "EVP_PKEY_verify_init": (ctypes.c_int, [_VP]),
    "EVP_PKEY_verify": (
        ctypes.c_int,
        [_VP, _BYTES, ctypes.c_size_t, _BYTES, ctypes.c_size_t],
    ),
    "ERR_clear_error": (None, []),
}


class NativeGost:
    """Streebog-512 and GOST R 34.10-2012 512-bit verification through libcrypto."""

    def __init__(self, lib: ctypes.CDLL, streebog: int, engine: int) -> None:
        self._lib = lib
        self._streebog = streebog
        self._engine = engine

    def streebog512(self, data: bytes) -> bytes:
        """The 64-byte Streebog-512 digest of ``data``."""
        out = ctypes.create_string_buffer(64)
        size = ctypes.c_uint()
        if not self._lib.EVP_Digest(data, len(data), out, ctypes.byref(size), self._streebog, None):
            raise RuntimeError("libcrypto could not compute Streebog-512")
        return out.raw[: size.value]

    def verify(self, spki_der: bytes, digest: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (RFC 4491 layout: s||r big-endian) signs ``digest``.

        ``spki_der`` is an RFC 4491 SubjectPublicKeyInfo (tc26 OIDs, key X||Y
        little-endian); the engine reads ``digest`` as a little-endian integer.
        """
        lib = self._lib
        cursor = _BYTES(spki_der)
        pkey = lib.d2i_PUBKEY(None, ctypes.byref(cursor), len(spki_der))
        if not pkey:
            lib.ERR_clear_error()
            raise ValueError("libcrypto could not read the GOST public key")
        ctx = lib.EVP_PKEY_CTX_new(pkey, self._engine)
        try:
            if not ctx or lib.EVP_PKEY_verify_init(ctx) != 1:
                raise RuntimeError("libcrypto could not start a GOST verification")
            ok = lib.EVP_PKEY_verify(ctx, signature, len(signature), digest, len(digest)) == 1
        finally:
            lib.ERR_clear_error()
            lib.EVP_PKEY_CTX_free(ctx)
            lib.EVP_PKEY_free(pkey)
        return ok


@cache
def load() -> NativeGost | None:
    """The fast path, or None where libcrypto 3, gostprov or the gost engine is missing."""
    name = ctypes.util.find_library("crypto")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        for function, (restype, argtypes) in _SIGNATURES.items():
            bound = getattr(lib, function)
            bound.restype = restype
            bound.argtypes = argtypes
    except (OSError, AttributeError):  # no library, or an OpenSSL older than 3
        return None
    context = lib.OSSL_LIB_CTX_new()
    streebog = (
        lib.EVP_MD_fetch(context, b"md_gost12_512", None)
        if context and lib.OSSL_PROVIDER_load(context, b"gostprov")
        else None
    )
    engine = lib.ENGINE_by_id(b"gost")
    usable = (
        streebog
        and engine
        and lib.ENGINE_init(engine) == 1
        and lib.ENGINE_register_pkey_asn1_meths(engine) == 1
        and lib.ENGINE_register_pkey_meths(engine) == 1
    )
    lib.ERR_clear_error()
    if not usable:
        return None
    return NativeGost(lib, streebog, engine)
