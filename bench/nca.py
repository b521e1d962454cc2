"""Full verification of the NCA RK samples (issue 9): what an NCALayer letter costs.

For each vendored sample (tests/data/nca), prints the median time of Arna's whole
``verify_letter`` — parsing with cost limits, structural pinning, core
validation (signing.core_validation, RSA and GOST alike), certificate path to
the NCA test CAs — beside its lower bound in the same run: parse + the
canonicalisation of SignedInfo + one raw signature verification (``gost.verify``
or RSA PKCS#1 v1.5 with ``cryptography``).

    .venv/bin/python bench/nca.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
import warnings
from base64 import b64decode
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from signing import gost
from signing.gost import native
from signing.pki_marks import recognise
from signing.trust import TrustStore, load_certificates
from signing.verify import verify_letter
from signing.xmlparse import parse_xml

NCA = Path(__file__).resolve().parents[1] / "tests" / "data" / "nca"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
SAMPLES = {
    "ncanode_rsa_sha256.xml": dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
    "kalkan_gost2015_hello.xml": dt.datetime(2023, 6, 1, tzinfo=dt.UTC),
    "ncanode_xades_gost2015_b.xml": None,
}


def _median_ms(op: Callable[[], object], rounds: int = 200) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        op()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _lower_bound(xml: bytes) -> Callable[[], object]:
    """Parse, c14n of SignedInfo, one signature verification: what no verifier avoids."""
    signature = parse_xml(xml).find(f"{DS}Signature")
    text = signature.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    cert = load_certificates(b64decode("".join(text.split())))[0]
    value = b64decode("".join(signature.findtext(f"{DS}SignatureValue").split()))
    exclusive = "exc-c14n" in signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod").get(
        "Algorithm"
    )
    if gost.is_gost_certificate(cert):
        key = gost.public_key_from_certificate(cert)

        def check(data: bytes) -> bool:
            return gost.verify(key, data, value)
    else:
        public = cert.public_key()

        def check(data: bytes) -> bool:
            public.verify(value, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
            return True

    def op() -> bool:
        root = parse_xml(xml)
        signed_info = root.find(f"{DS}Signature/{DS}SignedInfo")
        return check(etree.tostring(signed_info, method="c14n", exclusive=exclusive))

    assert op()
    return op


def main() -> None:
    warnings.filterwarnings("ignore", "Attribute's length must be", UserWarning)  # NCA's long CNs
    trust = TrustStore()
    for path in sorted((NCA / "ca").iterdir()):
        for cert in load_certificates(path.read_bytes()):
            trust.add_anchor(cert, pki=recognise(cert))
    print("GOST:", "fast path (gost engine)" if native.load() else "pure Python")
    print(f"{'sample':34} {'bytes':>6} {'verify ms':>10} {'bound ms':>9} {'ratio':>6}")
    for name, at in SAMPLES.items():
        xml = (NCA / name).read_bytes()
        assert verify_letter(xml, trust, at).passed, name
        full = _median_ms(lambda xml=xml, at=at: verify_letter(xml, trust, at))
        bound = _median_ms(_lower_bound(xml))
        print(f"{name:34} {len(xml):6} {full:10.3f} {bound:9.3f} {full / bound:5.1f}x")


if __name__ == "__main__":
    main()
