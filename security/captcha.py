"""A CAPTCHA made here, with no external service: a small sum ("7 + 4") drawn as jittered
seven-segment strokes in an SVG (no text a script could read off the markup), noise lines
over it. The answer is kept in the session only as a salted hash with an expiry; a check
consumes it (single use, right or wrong).
"""

from __future__ import annotations

import hashlib
import secrets
import time

from django.utils.html import escape

SESSION_KEY = "lz_captcha"
LIFETIME_SECONDS = 300
WIDTH, HEIGHT = 180, 60

# Seven segments (a–g) of a digit in a 20×36 box, as line endpoints.
_SEGMENTS = {
    "a": ((2, 2), (18, 2)),
    "b": ((18, 2), (18, 18)),
    "c": ((18, 18), (18, 34)),
    "d": ((2, 34), (18, 34)),
    "e": ((2, 18), (2, 34)),
    "f": ((2, 2), (2, 18)),
    "g": ((2, 18), (18, 18)),
}
_DIGITS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abged",
    "3": "abgcd",
    "4": "fgbc",
    "5": "afgcd",
    "6": "afgedc",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
}
_PLUS = (((4, 18), (16, 18)), ((10, 12), (10, 24)))
_EQUALS = (((4, 14), (16, 14)), ((4, 22), (16, 22)))


def _hash(answer: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{answer.strip()}".encode()).hexdigest()


def _jitter(rng: secrets.SystemRandom, amount: float = 2.0) -> float:
    return rng.uniform(-amount, amount)


def _glyph(rng: secrets.SystemRandom, char: str, x: float) -> list[str]:
    lines: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    if char == "+":
        lines = _PLUS
    elif char == "=":
        lines = _EQUALS
    else:
        lines = tuple(_SEGMENTS[s] for s in _DIGITS[char])
    dy = 10 + _jitter(rng, 4)
    slant = rng.uniform(-0.25, 0.25)
    paths = []
    for (x1, y1), (x2, y2) in lines:
        ax = x + x1 + slant * (18 - y1) + _jitter(rng)
        bx = x + x2 + slant * (18 - y2) + _jitter(rng)
        paths.append(
            f"M{ax:.1f} {dy + y1 + _jitter(rng):.1f}L{bx:.1f} {dy + y2 + _jitter(rng):.1f}"
        )
    return paths


def new_challenge(session) -> str:
    """Draw a new sum, keep its hashed answer in the session, return the SVG."""
    rng = secrets.SystemRandom()
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    salt = secrets.token_hex(8)
    session[SESSION_KEY] = {
        "h": _hash(str(a + b), salt),
        "s": salt,
        "exp": int(time.time()) + LIFETIME_SECONDS,
    }
    strokes: list[str] = []
    x = 8.0
    for char in f"{a}+{b}=":
        strokes += _glyph(rng, char, x)
        x += 28 + rng.uniform(0, 6)
    noise = [
        f"M{rng.uniform(0, WIDTH):.1f} {rng.uniform(0, HEIGHT):.1f}"
        f"L{rng.uniform(0, WIDTH):.1f} {rng.uniform(0, HEIGHT):.1f}"
        for _ in range(6)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape("captcha")}">'
        f'<rect width="100%" height="100%" fill="#f6f6f6"/>'
        f'<path d="{" ".join(noise)}" stroke="#9aa" stroke-width="1.2" fill="none"/>'
        f'<path d="{" ".join(strokes)}" stroke="#233" stroke-width="3" '
        f'stroke-linecap="round" fill="none"/></svg>'
    )


def check(session, answer: str) -> bool:
    """Right, unexpired and not used before; the challenge is consumed either way."""
    stored = session.pop(SESSION_KEY, None)
    if not isinstance(stored, dict) or not (answer or "").strip():
        return False
    if int(stored.get("exp", 0)) < time.time():
        return False
    return secrets.compare_digest(_hash(answer, str(stored.get("s", ""))), str(stored.get("h")))
