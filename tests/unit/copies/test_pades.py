"""The registry's PAdES signature on a copy: validates, and any alteration is caught."""

from __future__ import annotations

from io import BytesIO

from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader, PdfWriter

from registry.paper.pades import FIELD_NAME, sign_copy, validate_copy


def test_signed_copy_validates_against_the_registry_root(signed_pdf: bytes, ca) -> None:
    result = validate_copy(signed_pdf, [ca.root_cert])
    assert result.ok, result.reason
    assert result.intact
    assert result.valid
    assert result.trusted
    assert result.whole_file
    assert result.unmodified
    assert "Arna Registry Seal" in (result.signer or "")
    assert result.signing_time is not None


def test_signature_is_pades_baseline_b_certification(signed_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(signed_pdf))
    field = next(f for f in reader.get_fields().values() if f.get("/T") == FIELD_NAME)
    signature = field["/V"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    perms = reader.trailer["/Root"]["/Perms"]
    assert "/DocMDP" in perms  # a certification signature: readers flag any later change


def test_pem_key_and_certificate_are_accepted(unsigned_pdf: bytes, ca) -> None:
    key_pem = ca.signer_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = ca.signer_cert.public_bytes(serialization.Encoding.PEM)
    root_pem = ca.root_cert.public_bytes(serialization.Encoding.PEM)
    signed = sign_copy(unsigned_pdf, key_pem, cert_pem, [root_pem])
    assert validate_copy(signed, [root_pem]).ok


def test_flipped_byte_in_the_signed_content_fails(signed_pdf: bytes, ca) -> None:
    data = bytearray(signed_pdf)
    position = data.index(b"stream\n") + 40  # inside the first (compressed) content stream
    data[position] ^= 0x01
    result = validate_copy(bytes(data), [ca.root_cert])
    assert not result.ok
    assert not result.intact


def test_incremental_update_changing_the_page_fails(signed_pdf: bytes, ca) -> None:
    """Paint over the page in an appended revision: the old signature still verifies its bytes,
    but no longer covers the file, and DocMDP forbids the change."""
    writer = PdfWriter(BytesIO(signed_pdf), incremental=True)
    page = writer.pages[0]
    contents = page.get_contents()
    assert contents is not None
    contents.set_data(contents.get_data() + b"\nq 1 1 1 rg 40 40 500 120 re f Q\n")
    page.replace_contents(contents)
    out = BytesIO()
    writer.write(out)
    altered = out.getvalue()
    assert altered.startswith(signed_pdf)  # an update appended, the signed revision untouched
    result = validate_copy(altered, [ca.root_cert])
    assert result.intact  # the signed revision itself is fine ...
    assert not result.ok  # ... but the copy is not what the registry issued
    assert not result.whole_file
    assert not result.unmodified


def test_untrusted_root_fails(signed_pdf: bytes, other_ca) -> None:
    result = validate_copy(signed_pdf, [other_ca.root_cert])
    assert not result.ok
    assert result.intact
    assert not result.trusted


def test_unsigned_and_garbage_inputs_are_refused_without_raising(unsigned_pdf: bytes, ca) -> None:
    assert validate_copy(unsigned_pdf, [ca.root_cert]).reason == "expected one signature, found 0"
    for junk in (b"", b"%PDF-1.7\n garbage", b"\x00" * 100):
        assert not validate_copy(junk, [ca.root_cert]).ok
