"""Pages on a phone (#28): at 390×844 nothing scrolls sideways, every control a finger uses
is at least 44 px in both directions, axe finds nothing serious, and a screenshot is kept.
Text links inside a sentence are exempt, as in WCAG 2.5.5 (they keep the line's height)."""

from __future__ import annotations

from playwright.sync_api import Page, ViewportSize

from tests.a11y import assert_accessible
from tests.browser import shot

PHONE: ViewportSize = {"width": 390, "height": 844}
TAP = 44

# Controls a finger hits that are smaller than TAP: "tag "name" WxH". A link is inline when
# its parent's text has words of its own beside it (a sentence), not when it is the item.
_SMALL_TARGETS = """(tap) => {
  const small = [];
  const targets = document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [role=button], [role=tab], [role=slider]');
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.sr-only, .skip, [aria-hidden=true]')) continue;
    if (el.tagName === 'A' && el.parentElement) {
      const own = [...el.parentElement.childNodes]
        .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent.trim()).join('');
      if (/[A-Za-zÄÖÜäöüß]{2}/.test(own)) continue;
    }
    // What a finger hits is the hit area, which may be larger than the box (a thin seek
    // bar's pseudo-element): probe TAP px across it, centred, in each short direction.
    const hits = (x, y) => { const at = document.elementFromPoint(x, y); return !!at && el.contains(at); };
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2, r = tap / 2 - 1;
    const wide = box.width >= tap - 0.5 || (hits(cx - r, cy) && hits(cx + r, cy));
    const tall = box.height >= tap - 0.5 || (hits(cx, cy - r) && hits(cx, cy + r));
    if (!wide || !tall) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.name || '').trim();
      small.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ` +
        `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def assert_fits_phone(page: Page, where: str, screenshot: str) -> None:
    """PAGE (already at PHONE size, its content shown) fits a phone; its screenshot is
    SCREENSHOT-phone.png."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{where} scrolls sideways by {overflow} px on a phone"
    small = page.evaluate(_SMALL_TARGETS, TAP)
    assert not small, f"tap targets under {TAP} px on {where}: {small}"
    assert_accessible(page, f"{where} on a phone")
    shot(page, f"{screenshot}-phone")
