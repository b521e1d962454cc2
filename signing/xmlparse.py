"""The one hardened XML parser every Arna reader uses (docs/architecture.md).

Letters arrive from agencies, foreign systems and auditors; none of them is
trusted.  A DTD is the door to XXE (file and network reads), billion-laughs
entity expansion and external-subset fetches, and Arna letters never need one,
so any document type declaration is refused outright rather than "safely"
processed.  Size is bounded before libxml2 sees a byte, and the shape of the
tree (namespace declarations, elements, attributes, depth, text) while it is
being built: canonicalisation costs grow with namespaces × elements, so a small
hostile document (50,000 namespace declarations over 100,000 empty elements in
1.5 MB) could otherwise cost tens of seconds of CPU in c14n and digests before
any trust decision.  The limits are checked here, in one place, before any
cryptography, and a refusal names the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from lxml import etree

#: Default limit: a letter with a few scanned attachments (base64) fits; a
#: memory-exhaustion attempt does not.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

# A DOCTYPE or an entity declaration anywhere in the prolog.  Checked on the raw
# bytes first (cheap, and before libxml2 builds anything), and again on the
# parsed tree for encodings the byte scan cannot see through.
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class XMLLimits:
    """Bounds on a document's shape; a letter with a few signatures is far inside each."""

    #: xmlns declarations in the whole document (a signed letter has a handful).
    namespace_declarations: int = 256
    elements: int = 20_000
    attributes: int = 50_000
    depth: int = 64
    #: Characters of text and tails together (base64 attachments are most of a letter).
    text_chars: int = DEFAULT_MAX_BYTES


DEFAULT_LIMITS = XMLLimits()

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


def parse_xml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: XMLLimits = DEFAULT_LIMITS
) -> etree._Element:
    """Parse untrusted bytes into an element tree, refusing what could hurt us.

    Raises XMLInputError for oversized input, a tree beyond ``limits``, any DTD
    or entity declaration, and malformed XML.  Returns the document element.
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
        root = _parse_within(bytes(data), limits)
    except etree.XMLSyntaxError as exc:
        raise XMLInputError(f"XML input malformed: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XMLInputError("XML input refused: DTDs and entity declarations are not allowed")
    if next(root.iter(etree.Entity), None) is not None:
        raise XMLInputError("XML input refused: entity references are not allowed")
    return root


def _parse_within(data: bytes, limits: XMLLimits) -> etree._Element:
    """Parse ``data`` and refuse it beyond ``limits``, at C speed for ordinary letters.

    Namespace declarations are what make canonicalisation costly, and libxml2 does
    not count them for us.  "xmlns" appearing no more often than the limit in the
    bytes of a document in an ASCII-compatible encoding bounds them from above, so
    such a document is parsed at once and its other counts taken by XPath.  Any
    other document is parsed event by event, counting exactly and stopping at the
    first limit exceeded, before the tree is even complete.
    """
    wide = b"\x00" in data[:4] or data.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16/32
    if not wide and data.count(b"xmlns") <= limits.namespace_declarations:
        root = etree.fromstring(data, parser=_parser())
        if (root.getroottree().docinfo.encoding or "").upper() in _ASCII_COMPATIBLE:
            _check_tree(root, limits)
            return root
    return _parse_counting(data, limits)


#: Encodings in which "xmlns" is always the bytes b"xmlns" (not UTF-16/32, UTF-7, EBCDIC).
_ASCII_COMPATIBLE = frozenset(
    {"UTF-8", "US-ASCII", "ASCII", "ISO-8859-1", "ISO-8859-5", "WINDOWS-1251", "WINDOWS-1252"}
)
_ELEMENTS = etree.XPath("count(//*)")
_ATTRIBUTES = etree.XPath("count(//@*)")
_TEXT = etree.XPath("string-length(string(/))")


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """True when an element lies more than ``depth`` levels deep."""
    return etree.XPath("boolean(/" + "/".join(["*"] * (depth + 1)) + ")")


def _check_tree(root: etree._Element, limits: XMLLimits) -> None:
    _within(int(_ELEMENTS(root)), limits.elements, "elements")
    _within(int(_ATTRIBUTES(root)), limits.attributes, "attributes")
    if _deeper_than(limits.depth)(root):
        _within(limits.depth + 1, limits.depth, "levels of nesting")
    _within(int(_TEXT(root)), limits.text_chars, "characters of text")


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe: one per call is cheap next to parsing.
    return etree.XMLParser(**_PARSER_OPTIONS)


def _parse_counting(data: bytes, limits: XMLLimits) -> etree._Element:
    """Build the tree event by event, counting exactly, stopping at the first limit exceeded."""
    events = etree.iterparse(BytesIO(data), events=("start", "end", "start-ns"), **_PARSER_OPTIONS)
    namespaces = elements = attributes = depth = text = 0
    for event, node in events:
        if event == "start-ns":
            namespaces += 1
            _within(namespaces, limits.namespace_declarations, "namespace declarations")
        elif event == "start":
            elements += 1
            depth += 1
            attributes += len(node.attrib)
            _within(elements, limits.elements, "elements")
            _within(depth, limits.depth, "levels of nesting")
            _within(attributes, limits.attributes, "attributes")
        else:
            depth -= 1
            # A child's tail is complete once its parent ends.
            text += len(node.text or "") + sum(len(child.tail or "") for child in node)
            _within(text, limits.text_chars, "characters of text")
    root = events.root
    if root is None:
        raise XMLInputError("XML input malformed: no document element")
    return root


def _within(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise XMLInputError(f"XML input refused: more than {limit} {what}")


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
