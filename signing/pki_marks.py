"""Which PKI a trust anchor belongs to: NCA RK production, NCA RK test, this registry, other.

A signature's ``pki`` in the report is the mark of the anchor its path ends at
(``TrustStore.add_anchor(data, pki=...)``).  Callers that know what they import
say so; ``recognise`` is for anchors given without a mark (``python -m signing
verify --trust``):

1. the SHA-256 fingerprints below, of the NCA RK roots and intermediates
   published at pki.gov.kz / test.pki.gov.kz (tests/data/nca/SOURCES.md);
2. otherwise the subject: C=KZ and a CN naming the National (ҰЛТТЫҚ) or Root
   (НЕГІЗГІ) Certification Centre (КУӘЛАНДЫРУШЫ ОРТАЛЫҚ, ҰКО, КО) — ``nca-test``
   when the CN says TEST, else ``nca-production``: the NCA's newer CAs keep these
   names, and a mark only labels an anchor the operator chose to trust;
3. O=Arna registry (the registry CA's own root): ``registry``; anything else ``other``.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from signing.ca import REGISTRY_ORGANIZATION

NCA_PRODUCTION = "nca-production"
NCA_TEST = "nca-test"
REGISTRY = "registry"
OTHER = "other"
MARKS = frozenset({NCA_PRODUCTION, NCA_TEST, REGISTRY, OTHER})

_KNOWN = {
    # NCA RK test PKI
    "4d05179bcb02180bfc37618372671357df7dd8b7865973eae77b83213cae717b": NCA_TEST,  # root RSA
    "06021684f52054692a1859686d5af527eda779e6183c2f3cd4fc1278e4067beb": NCA_TEST,  # root GOST
    "b995e79e7c07429f8f79e185451e5599ce342ac720000f01b3854fdfa03031a6": NCA_TEST,  # root GOST 2022
    "7e96a36409dc11e0fc99efae41f8c639e16a495d77c2f2278edb98580f997231": NCA_TEST,  # ҰКО 3.0 RSA
    "0307e8bdf77cb708b7c9d9a5799facdc6de7154447cb394af9ac9b528c3d82c7": NCA_TEST,  # ҰКО 3.0 GOST
    "beeffc0bdb77cd798c35983eb0715f6ef0051cccb71d7cd05505e8a4fb2c6f4d": NCA_TEST,  # GOST 2022
    # NCA RK production (2015 roots, 2018 intermediates)
    "a7064abc5699827f370c67b09f1a1bfd7ad5e1514d471223df209c08300ea972": NCA_PRODUCTION,
    "9ab210e54e6b0343321131202d9edcc2598f598cfdd9ee4ec1056021ab2e9759": NCA_PRODUCTION,
    "34d1b311a9873191ae3382805df51e0a5da23315c512a8deeb885668ceeb5834": NCA_PRODUCTION,
    "908521d0531e5645e64b34d3588374a3a83582c860e5f7293a04c41217e8cc18": NCA_PRODUCTION,
}

_NCA_NAMES = ("КУӘЛАНДЫРУШЫ ОРТАЛЫҚ", "ҰКО ", "НЕГІЗГІ КО ")


def published(cert: x509.Certificate) -> str | None:
    """The mark of a CA certificate whose fingerprint NCA RK publishes (rule 1), else None."""
    return _KNOWN.get(cert.fingerprint(hashes.SHA256()).hex())


def recognise(cert: x509.Certificate) -> str:
    """The PKI mark of an anchor given without one (see the module docstring)."""
    known = published(cert)
    if known:
        return known
    subject = cert.subject
    country = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)]
    for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        name = str(attribute.value).upper()
        if country == ["KZ"] and any(marker in name + " " for marker in _NCA_NAMES):
            return NCA_TEST if "TEST" in name else NCA_PRODUCTION
    organisations = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if [str(a.value) for a in organisations] == [REGISTRY_ORGANIZATION]:
        return REGISTRY
    return OTHER
