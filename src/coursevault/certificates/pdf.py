"""The certificate as a one-page A4 PDF (fpdf2). DejaVu Sans when the system has it (any
name in any Latin, Greek or Cyrillic script), else the PDF core font with characters it
cannot show replaced."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from coursevault.certificates.models import Certificate

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _font(pdf: FPDF) -> tuple[str, bool]:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def _score(score: float | None) -> str:
    return "" if score is None else f"with a score of {score:g} %"


def render(certificate: Certificate, verify_url: str) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(f"Certificate: {certificate.course_title}")
    pdf.set_author("CourseVault")
    pdf.add_page()
    family, unicode = _font(pdf)

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_draw_color(67, 56, 202)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    lines = [
        (14, "", "CERTIFICATE OF COMPLETION", 30),
        (12, "", "This certifies that", 18),
        (30, "B", certificate.student_name, 22),
        (12, "", "has completed the course", 16),
        (22, "B", certificate.course_title, 22),
        (12, "", f"taught by {certificate.instructor_name}", 12),
        (12, "", f"on {certificate.issued_at:%d %B %Y}", 12),
        (12, "B", _score(certificate.score), 14),
        (9, "", f"Verify this certificate: {verify_url}", 8),
    ]
    pdf.set_y(32)
    for size, style, value, gap in lines:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, text(value), align="C")
        pdf.ln(gap * 0.4)
    return bytes(pdf.output())
