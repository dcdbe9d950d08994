"""QR codes as inline SVG (no image files, no external service): the authenticator setup
page, printed questionnaire codes and open links, the voting-code sheets of democratic
evaluations."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG picture of `data` as a QR code; "" if it cannot be made (callers show the text
    as well, so nothing is lost)."""
    try:
        image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
        return str(image.to_string(encoding="unicode"))
    except Exception:
        return ""
