"""Small real files for loader tests (no mocks: real PDF bytes, real HTML)."""

from __future__ import annotations


def make_pdf(lines: list[str], title: str = "", info: dict[str, str] | None = None) -> bytes:
    """A valid one-page PDF whose text layer holds ``lines`` (Helvetica); ``info`` adds document-information entries."""
    text_ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text_ops.append(f"({escaped}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    entries = {"Title": title, **(info or {})} if title else dict(info or {})
    info_dict = ("<< " + " ".join(f"/{k} ({v})" for k, v in entries.items()) + " >>").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info_dict,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


ARTICLE_HTML = """<!doctype html>
<html><head><title>Harbour reopens after storm</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<p>The city harbour reopened on Tuesday after a three-day closure caused by the storm.
Port officials said that forty-two cargo ships had waited offshore during the closure.</p>
<p>Repairs to the northern pier are expected to cost about 3 million euros, the mayor said,
and work will begin next month once engineers have inspected the damaged pilings.</p>
<p>Fishermen welcomed the decision but warned that the fish market would need another week
before it could operate at full capacity again.</p>
</article>
<footer>Copyright 2026 Example News. All rights reserved. Cookie settings.</footer>
</body></html>
"""
