"""A treaty return on paper (Appendix 2), read back with pdftotext: the Kazakh headings,
the values and the signers are there as text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from registry.paper.appendix import ReturnContent, render_return
from registry.services.treaties import forms


def test_an_appendix_2_return_renders_as_its_table(tmp_path: Path) -> None:
    rows = [(f.rows[2], f.heading_in(2), f"мән {f.name}") for f in forms.fields_of(2)]
    content = ReturnContent(2, forms.TITLES[2], "TRT-000007", 2026, "AGENCY:MINECON", rows,
                            ("Dana Zhunusova",))  # fmt: skip
    pdf = render_return(content)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "return.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Мәліметтердің деректемелері" in flat
    assert "TRT-000007 · 2026 · AGENCY:MINECON" in flat
    assert "мән states_parties" in flat
    assert "Халықаралық шартқа қатысушы мемлекеттер" in flat
    assert "Dana Zhunusova" in flat
