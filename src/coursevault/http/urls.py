"""Every path the API hands out to clients, spelt once.

Services return ids and tokens; the URLs built from them live here, next to the route
prefixes they must match, so a moved route cannot leave a stale link behind.
"""

from __future__ import annotations

UPLOADS_PREFIX = "/api/uploads"
HLS_PREFIX = "/hls"


def upload(video_id: str) -> str:
    """Where a tus client creates the upload of VIDEO_ID."""
    return f"{UPLOADS_PREFIX}/{video_id}"


def hls_master(token: str, video_id: str) -> str:
    """The master playlist of VIDEO_ID under the signed media TOKEN."""
    return hls_file(token, video_id, "master.m3u8")


def hls_file(token: str, video_id: str, name: str) -> str:
    """One published file of VIDEO_ID under the signed media TOKEN."""
    return f"{HLS_PREFIX}/{token}/{video_id}/{name}"


def checkout_page(order_id: str) -> str:
    """The web app's page that pays ORDER_ID."""
    return f"/checkout/{order_id}"


def membership_checkout_page(membership_id: str) -> str:
    """The web app's test checkout page of a membership waiting for its first payment."""
    return f"/memberships/{membership_id}/checkout"


def memberships_page() -> str:
    """The member's own memberships (cancel, resume)."""
    return "/account/memberships"


def absolute(settings_public_url: str, path: str) -> str:
    """PATH on the site's public address (for links that leave the site, e.g. in mail)."""
    return settings_public_url.rstrip("/") + path


def verify_email_page(token: str) -> str:
    """The web page that confirms an address. The token rides in the fragment, which
    browsers never send to a server, so it stays out of access logs and Referer headers."""
    return f"/verify-email#token={token}"


def password_reset_page(token: str) -> str:
    """The web page that sets a new password with TOKEN (in the fragment, as above)."""
    return f"/reset-password#token={token}"


def sign_in_page() -> str:
    return "/signin"


def forgot_password_page() -> str:
    return "/forgot-password"


def course_page(course_id: str) -> str:
    return f"/courses/{course_id}"


def studio_page() -> str:
    return "/studio"


def my_courses_page() -> str:
    return "/my"


def bundle_page(bundle_id: str) -> str:
    return f"/bundles/{bundle_id}"


def my_gifts_page() -> str:
    """Where a buyer follows the gifts they bought."""
    return "/my/gifts"


def gift_claim_page(token: str) -> str:
    """The page where a signed-in recipient claims a gift with TOKEN (in the fragment, as
    every mailed secret: never sent to a server, so out of logs and Referer headers)."""
    return f"/gifts/claim#token={token}"


def my_teams_page() -> str:
    """Where a seat manager hands out the seats they bought."""
    return "/my/teams"


def seat_claim_page(token: str) -> str:
    """The page where the holder of a team seat claims it with TOKEN (in the fragment)."""
    return f"/seats/claim#token={token}"


def certificate_page(verification_id: str) -> str:
    """The public page that proves a certificate."""
    return f"/verify/{verification_id}"


def certificate_pdf(course_id: str) -> str:
    """Where the student downloads the certificate of COURSE_ID."""
    return f"/api/courses/{course_id}/certificate.pdf"


COVERS_PREFIX = "/covers"


def cover(name: str) -> str:
    """An uploaded course cover (its name is its content hash)."""
    return f"{COVERS_PREFIX}/{name}"


def default_cover(course_id: str) -> str:
    """The poster of a course's first video lesson, standing in for a cover."""
    return f"{COVERS_PREFIX}/course/{course_id}.jpg"
