"""The certificate as a one-page A4 PDF (fpdf2). DejaVu Sans when the system has it (any
name in any Latin, Greek or Cyrillic script), else the PDF core font with characters it
cannot show replaced. Its fixed words and its date are in the learner's language."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from coursevault import i18n
from coursevault.certificates.models import Certificate
from coursevault.i18n import Language, msg

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _font(pdf: FPDF) -> tuple[str, bool]:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def render(certificate: Certificate, verify_url: str, language: Language) -> bytes:
    def words(template: i18n.Text) -> str:
        return i18n.render(template, language)

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(words(msg("Certificate: {title}", title=certificate.course_title)))
    pdf.set_author("CourseVault")
    pdf.add_page()
    family, unicode = _font(pdf)

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_draw_color(67, 56, 202)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    score = certificate.score
    scored = "" if score is None else words(msg("with a score of {score:g} %", score=score))
    lines = [
        (14, "", words(msg("CERTIFICATE OF COMPLETION")), 30),
        (12, "", words(msg("This certifies that")), 18),
        (30, "B", certificate.student_name, 22),
        (12, "", words(msg("has completed the course")), 16),
        (22, "B", certificate.course_title, 22),
        (12, "", words(msg("taught by {name}", name=certificate.instructor_name)), 12),
        (12, "", words(msg("on {date:%d %B %Y}", date=certificate.issued_at)), 12),
        (12, "B", scored, 14),
        (9, "", words(msg("Verify this certificate: {url}", url=verify_url)), 8),
    ]
    pdf.set_y(32)
    for size, style, value, gap in lines:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, text(value), align="C")
        pdf.ln(gap * 0.4)
    return bytes(pdf.output())
