"""The hardened parser refuses what could read files, reach the network or exhaust memory."""

import pytest
from lxml import etree

from signing.xmlparse import XMLInputError, XMLLimits, parse_xml

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE letter [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<letter>&xxe;</letter>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE letter [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<letter/>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE letter SYSTEM "http://127.0.0.1:9/letter.dtd"><letter/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>"""


@pytest.mark.parametrize(
    "data",
    [XXE_FILE, XXE_NETWORK, EXTERNAL_DTD, BILLION_LAUGHS],
    ids=["xxe-file", "xxe-net", "dtd", "laughs"],
)
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(XMLInputError, match="DTDs and entity declarations are not allowed"):
        parse_xml(data)


def test_doctype_hidden_by_utf16_is_still_refused() -> None:
    """The byte scan cannot see UTF-16; the check on the parsed tree does."""
    data = XXE_FILE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(XMLInputError, match="not allowed"):
        parse_xml(data.decode("ascii").encode("utf-16"))


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(XMLInputError, match="exceeds the limit of 1024"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1024)


@pytest.mark.parametrize("data", [b"", b"   ", b"<a>", b"<a></b>", b"not xml", b"<a/><b/>"])
def test_malformed_input_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(XMLInputError, match="XML input"):
        parse_xml(data)


def test_text_is_not_bytes() -> None:
    with pytest.raises(XMLInputError, match="must be bytes"):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_comments_and_processing_instructions_are_kept() -> None:
    """They are part of the canonical form a signature covers."""
    root = parse_xml(b"<a><!-- c --><?pi x?><b>t</b></a>")
    assert [type(n) for n in root] == [etree._Comment, etree._ProcessingInstruction, etree._Element]


def test_a_plain_document_parses() -> None:
    root = parse_xml('<a xmlns="urn:x"><b>Қазақстан</b></a>'.encode())
    assert root.findtext("{urn:x}b") == "Қазақстан"


def test_the_namespace_flood_is_refused_fast_naming_the_limit() -> None:
    """Issue 11 M1: 50,000 namespace declarations + 100,000 empty elements in 1.5 MB cost
    tens of seconds in c14n; the parser refuses them before anything else runs."""
    declarations = b"".join(b' xmlns:n%d="urn:n%d"' % (i, i) for i in range(50_000))
    data = b"<letter" + declarations + b">" + b"<e/>" * 100_000 + b"</letter>"
    assert len(data) < 2_000_000
    with pytest.raises(XMLInputError, match="more than 256 namespace declarations"):
        parse_xml(data)


@pytest.mark.parametrize(
    ("data", "limits", "what"),
    [
        (b"<a>" + b"<e/>" * 30 + b"</a>", XMLLimits(elements=20), "more than 20 elements"),
        (
            b"<a " + b" ".join(b'x%d="1"' % i for i in range(11)) + b"/>",
            XMLLimits(attributes=10),
            "more than 10 attributes",
        ),
        (b"<a>" * 9 + b"</a>" * 9, XMLLimits(depth=8), "more than 8 levels of nesting"),
        (
            b"<a>" + b"x" * 60 + b"<b/>" + b"y" * 60 + b"</a>",
            XMLLimits(text_chars=100),
            "more than 100 characters of text",
        ),
    ],
    ids=["elements", "attributes", "depth", "text"],
)
def test_each_cost_limit_refuses_with_its_name(data: bytes, limits: XMLLimits, what: str) -> None:
    with pytest.raises(XMLInputError, match=what):
        parse_xml(data, limits=limits)


def test_a_document_at_the_limits_parses() -> None:
    limits = XMLLimits(elements=31, attributes=1, depth=2, text_chars=120, namespace_declarations=1)
    data = b'<a xmlns="urn:x" k="v">' + b"x" * 60 + b"<e/>" * 30 + b"y" * 60 + b"</a>"
    assert len(parse_xml(data, limits=limits)) == 30


@pytest.mark.parametrize(
    "data",
    [
        # "xmlns" in the text more often than the limit: counted exactly, not refused.
        b"<a>" + b"xmlns " * 300 + b"</a>",
        # UTF-16: the byte count cannot see the declarations, so they are counted exactly.
        "<a xmlns:x='urn:x'><b/></a>".encode("utf-16"),
    ],
    ids=["xmlns-in-text", "utf-16"],
)
def test_documents_the_byte_count_cannot_judge_are_counted_exactly(data: bytes) -> None:
    assert parse_xml(data).tag == "a"


def test_declarations_hidden_by_utf16_still_count() -> None:
    declarations = "".join(f' xmlns:n{i}="urn:n{i}"' for i in range(300))
    with pytest.raises(XMLInputError, match="more than 256 namespace declarations"):
        parse_xml(f"<a{declarations}/>".encode("utf-16"))
