"""The rendered copy, read back with real tools: pdftoppm, pdftotext, zbarimg."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from registry.paper.content import CopyContent
from registry.paper.pdf import STAMP_KK, STAMP_RU, TEST_MARK, format_time, render_copy

# Kept for a person (or CI) to look at; git ignores the folder, so runs leave the tree clean.
ARTIFACT = Path(__file__).resolve().parents[3] / "test-artifacts" / "copy-page1.png"
KAZAKH_LETTERS = "әғқңөұүһі" + "ӘҒҚҢӨҰҮҺІ"


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def render_png(pdf: bytes, tmp_path: Path, dpi: int, page: int = 1) -> Path:
    source = tmp_path / "copy.pdf"
    source.write_bytes(pdf)
    stem = tmp_path / f"page{page}-{dpi}"
    subprocess.run(
        [
            "pdftoppm", "-png", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page),
            "-singlefile", str(source), str(stem),
        ],
        check=True,
    )  # fmt: skip
    return stem.with_suffix(".png")


def zbarimg(png: Path) -> list[str]:
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, check=True, text=True
    ).stdout
    return out.split()


def test_text_carries_stamp_number_and_hash(
    signed_pdf: bytes, content: CopyContent, tmp_path: Path
) -> None:
    text = pdftotext(signed_pdf, tmp_path)
    assert STAMP_KK in text  # the stamp wording of ¶32-1, in Kazakh
    assert STAMP_RU in text  # and in Russian beneath it
    assert text.index(STAMP_KK) < text.index(STAMP_RU)
    assert content.registry_number in text
    assert content.letter_sha256 in text
    assert content.verification_code in text
    assert content.certified_by in text
    assert format_time(content.certified_at) in text


def test_text_carries_letter_signatures_route_and_custody(
    signed_pdf: bytes, content: CopyContent, tmp_path: Path
) -> None:
    text = pdftotext(signed_pdf, tmp_path)
    for attachment in content.attachments:
        assert attachment.file_name in text
        assert attachment.sha256 in text
    signature = content.signatures[0]
    assert signature.signer in text
    assert format_time(signature.signing_time, zone=False) in " ".join(text.split())
    assert "TOTAL_PASSED" in text
    assert "Жарамды / Действительна" in text
    assert " → ".join(content.route) in text
    for row in content.custody:
        assert row.action in text
        assert row.actor in text


def test_kazakh_letters_survive_as_text(signed_pdf: bytes, tmp_path: Path) -> None:
    text = pdftotext(signed_pdf, tmp_path)
    assert "ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І" in text
    assert set(KAZAKH_LETTERS) <= set(text)


def test_each_signer_shows_iin_bin_role_and_pki(content: CopyContent, tmp_path: Path) -> None:
    """What the signer's certificate says, the NCA test PKI marked as such."""
    line = dataclasses.replace(
        content.signatures[0], iin="123456789011", bin="123456789021", role="first_head",
        pki="nca-test",
    )  # fmt: skip
    text = pdftotext(render_copy(dataclasses.replace(content, signatures=(line,))), tmp_path)
    assert "ЖСН/ИИН 123456789011" in text
    assert "БСН/БИН 123456789021" in text
    assert "бірінші басшы / первый руководитель" in " ".join(text.split())
    assert "ҰКО ТЕСТ / НУЦ ТЕСТ" in text
    assert "ЖСН/ИИН" not in pdftotext(render_copy(content), tmp_path)  # none given, none shown


def test_page_image_is_kept_and_its_qr_leads_to_the_verification_page(
    signed_pdf: bytes, content: CopyContent, tmp_path: Path
) -> None:
    """Keep page 1 as the test artefact; the QR decodes to ``<base_url>/verify/<code>``."""
    small = render_png(signed_pdf, tmp_path, dpi=72)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_bytes(small.read_bytes())
    assert ARTIFACT.stat().st_size < 200_000
    decoded = zbarimg(render_png(signed_pdf, tmp_path, dpi=110))
    assert decoded == [content.verification_url]
    assert decoded[0].endswith("/verify/" + content.verification_code)


def test_rendering_is_repeatable(content: CopyContent, unsigned_pdf: bytes) -> None:
    assert render_copy(content) == unsigned_pdf


def test_long_letter_keeps_the_stamp_whole_and_numbers_every_page(
    make_content: Callable[[int], CopyContent], tmp_path: Path
) -> None:
    content = make_content(40)
    text = pdftotext(render_copy(content), tmp_path)
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"Бет / Стр\. {number} / {len(pages)}\b", page)
        assert content.registry_number in page
    stamp_pages = [page for page in pages if STAMP_KK in page]
    assert len(stamp_pages) == 1
    assert STAMP_RU in stamp_pages[0]
    assert content.letter_sha256 in stamp_pages[0]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1, 12, 0))


def test_a_test_registrys_copy_says_so_on_every_page(content: CopyContent, tmp_path: Path) -> None:
    assert "TEST REGISTRY" not in pdftotext(render_copy(content), tmp_path)
    text = pdftotext(render_copy(replace(content, test_registry=True)), tmp_path)
    pages = text.split("\f")
    assert all("TEST REGISTRY" in page for page in pages if page.strip())
    assert text.count("ТЕСТОВЫЙ РЕЕСТР") >= 2  # the banner and every page's footer
    assert TEST_MARK.split(" / ")[0] in text
