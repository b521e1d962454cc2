"""Inclusive canonicalisation of a document subset, as the C14N recommendations define it.

Canonicalising an element inside a document (a SignedInfo, a SignedProperties)
renders the apex with what it inherits: its ancestors' namespace declarations —
which lxml does — and, for inclusive C14N 1.0, their xml:* attributes (§2.4; C14N 1.1
keeps only the inheritable xml:lang and xml:space) — which lxml does not.  xmlsec,
Apache Santuario (NCALayer, KalkanCrypt) and libxml2's node-set C14N all do, so a
letter with e.g. xml:lang on its document element would otherwise fail to verify.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lxml import etree

_XML = "{http://www.w3.org/XML/1998/namespace}"
_C14N_11_INHERITED = frozenset({_XML + "lang", _XML + "space"})


def inherited_xml_attributes(node: etree._Element, *, c14n_11: bool = False) -> dict[str, str]:
    """The xml:* attributes of ``node``'s ancestors it does not set itself, nearest first."""
    found: dict[str, str] = {}
    for ancestor in node.iterancestors():
        for name, value in ancestor.attrib.items():
            inheritable = name in _C14N_11_INHERITED if c14n_11 else name.startswith(_XML)
            if inheritable and name not in node.attrib:
                found.setdefault(name, value)
    return found


@contextmanager
def inherited_on_apex(node: etree._Element, *, c14n_11: bool = False) -> Iterator[None]:
    """Lend ``node`` its inherited xml:* attributes while it is canonicalised (inclusive)."""
    lent = inherited_xml_attributes(node, c14n_11=c14n_11)
    for name, value in lent.items():
        node.set(name, value)
    try:
        yield
    finally:
        for name in lent:
            del node.attrib[name]
