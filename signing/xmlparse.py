"""The one hardened XML parser every Arna reader uses (docs/architecture.md).

Letters arrive from agencies, foreign systems and auditors; none of them is
trusted.  A DTD is the door to XXE (file and network reads), billion-laughs
entity expansion and external-subset fetches, and Arna letters never need one,
so any document type declaration is refused outright rather than "safely"
processed.  Size is bounded before libxml2 sees a byte.
"""

from __future__ import annotations

import re

from lxml import etree

#: Default limit: a letter with a few scanned attachments (base64) fits; a
#: memory-exhaustion attempt does not.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

# A DOCTYPE or an entity declaration anywhere in the prolog.  Checked on the raw
# bytes first (cheap, and before libxml2 builds anything), and again on the
# parsed tree for encodings the byte scan cannot see through.
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

_PARSER_OPTIONS = {
    "resolve_entities": False,  # never substitute entities (billion laughs, XXE)
    "no_network": True,  # never fetch anything
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,  # keep libxml2's depth and text-node limits
    "remove_comments": False,  # comments are signed content: c14n must see them
    "remove_pis": False,
    "collect_ids": False,  # ID-based references are not how Arna signatures work
}


class XMLInputError(ValueError):
    """The input is not an XML document Arna accepts; the message says why in one line."""


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe: one per call is cheap next to parsing.
    return etree.XMLParser(**_PARSER_OPTIONS)


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted bytes into an element tree, refusing what could hurt us.

    Raises XMLInputError for oversized input, any DTD or entity declaration,
    and malformed XML.  Returns the document element.
    """
    if not isinstance(data, bytes | bytearray):
        raise XMLInputError("XML input must be bytes, not " + type(data).__name__)
    if len(data) > max_bytes:
        raise XMLInputError(
            f"XML input refused: {len(data)} bytes exceeds the limit of {max_bytes}"
        )
    if not data.strip():
        raise XMLInputError("XML input refused: the document is empty")
    if _DTD_MARKUP.search(data):
        raise XMLInputError("XML input refused: DTDs and entity declarations are not allowed")
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLInputError(f"XML input malformed: {exc}") from None
    if root is None:
        raise XMLInputError("XML input malformed: no document element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XMLInputError("XML input refused: DTDs and entity declarations are not allowed")
    if next(root.iter(etree.Entity), None) is not None:
        raise XMLInputError("XML input refused: entity references are not allowed")
    return root


def remove_keeping_tail(node: etree._Element) -> None:
    """Remove ``node`` from its parent but keep the text after it (lxml keeps that text on
    the node itself), so the document's character content is otherwise unchanged.
    A node without a parent (e.g. a comment beside the document element) is left alone."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
