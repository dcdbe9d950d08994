"""The chain keys: the trust root of the audit chain and of the letter-signature chains.

Someone who can write the database can recompute any plain hash; they cannot compute an HMAC
without the key, and the key never lives in the database. Keys come from (first found wins):

- `LIANGGE_CHAIN_KEYS="kid1:<base64>,kid2:<base64>"` (environment), or
- `LIANGGE_CHAIN_KEY_FILE=/path/to/file` with one `kid:<base64>` per line (`#` comments),
- otherwise the development key `dev`, derived from SECRET_KEY, with a loud warning (and
  `check --deploy` warns: security.W901).

The first key listed signs new rows (or `LIANGGE_CHAIN_KEY_ID` names it); every key listed
verifies the rows that name it, so rotation is: add the new key first, keep the old ones.
Each row stores the id of the key that signed it.

`LIANGGE_CHAIN_ALGORITHM`: `hmac-sha256` (default) or `hmac-sm3` (the national hash, GM/T
0004, through the pure-Python `gmssl` package, which must then be installed). The algorithm is
part of what a row's key id means: a key id is bound to one algorithm for its whole life.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("security.keys")

DEV_KEY_ID = "dev"
ALGORITHMS = ("hmac-sha256", "hmac-sm3")


@dataclass(frozen=True)
class ChainKeys:
    keys: dict[str, bytes]
    current: str
    algorithm: str
    is_dev: bool

    def mac(self, kid: str, message: str) -> str:
        """The hex MAC of `message` under key `kid` (KeyError: a key id we do not hold)."""
        return _MACS[self.algorithm](self.keys[kid], message.encode("utf-8"))


def _hmac_sha256(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _hmac_sm3(key: bytes, data: bytes) -> str:
    """HMAC (RFC 2104) over SM3, block size 64 bytes."""
    try:
        from gmssl import sm3  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImproperlyConfigured(
            "LIANGGE_CHAIN_ALGORITHM=hmac-sm3 needs the gmssl package (pip install gmssl)."
        ) from exc

    def digest(message: bytes) -> bytes:
        return bytes.fromhex(sm3.sm3_hash(list(message)))

    if len(key) > 64:
        key = digest(key)
    key = key.ljust(64, b"\0")
    inner = digest(bytes(b ^ 0x36 for b in key) + data)
    return digest(bytes(b ^ 0x5C for b in key) + inner).hex()


_MACS: dict[str, Callable[[bytes, bytes], str]] = {
    "hmac-sha256": _hmac_sha256,
    "hmac-sm3": _hmac_sm3,
}


def parse_keys(text: str) -> dict[str, bytes]:
    """`kid:<base64>` entries separated by commas or new lines (`#` starts a comment)."""
    keys: dict[str, bytes] = {}
    for raw in text.replace(",", "\n").splitlines():
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        kid, sep, encoded = entry.partition(":")
        kid = kid.strip()
        if not sep or not kid or len(kid) > 16:
            raise ImproperlyConfigured(f"chain key entry {kid!r}: expected kid:<base64>")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"chain key {kid!r} is not valid base64") from exc
        if len(secret) < 32:
            raise ImproperlyConfigured(f"chain key {kid!r} must be at least 32 bytes")
        keys[kid] = secret
    return keys


def dev_key() -> bytes:
    """The development key: derived from SECRET_KEY (outside the database too, but shared
    with everything else SECRET_KEY protects)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"liangge-zeren chain key (dev)", "sha256"
    ).digest()


def _configured_text() -> str:
    text = os.environ.get("LIANGGE_CHAIN_KEYS", "") or getattr(settings, "CHAIN_KEYS", "")
    if text:
        return text
    path = os.environ.get("LIANGGE_CHAIN_KEY_FILE", "") or getattr(settings, "CHAIN_KEY_FILE", "")
    if path:
        try:
            return Path(path).read_text()
        except OSError as exc:
            raise ImproperlyConfigured(f"LIANGGE_CHAIN_KEY_FILE {path}: {exc}") from exc
    return ""


@lru_cache(maxsize=1)
def chain_keys() -> ChainKeys:
    algorithm = os.environ.get("LIANGGE_CHAIN_ALGORITHM", "") or getattr(
        settings, "CHAIN_ALGORITHM", "hmac-sha256"
    )
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(f"LIANGGE_CHAIN_ALGORITHM must be one of {ALGORITHMS}")
    keys = parse_keys(_configured_text())
    if not keys:
        if not settings.DEBUG:
            log.warning(
                "NO CHAIN KEY CONFIGURED: the audit and signature chains are keyed with the "
                "development key derived from SECRET_KEY. Set LIANGGE_CHAIN_KEYS or "
                "LIANGGE_CHAIN_KEY_FILE (see security/README.md)."
            )
        return ChainKeys({DEV_KEY_ID: dev_key()}, DEV_KEY_ID, algorithm, is_dev=True)
    current = os.environ.get("LIANGGE_CHAIN_KEY_ID", "") or next(iter(keys))
    if current not in keys:
        raise ImproperlyConfigured(f"LIANGGE_CHAIN_KEY_ID {current!r} is not among the keys")
    return ChainKeys(keys, current, algorithm, is_dev=False)


def reset_cache() -> None:
    """Forget the loaded keys (tests, or after changing the environment)."""
    chain_keys.cache_clear()


def check_chain_key(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """`check --deploy`: the chains must not be keyed with the development key in production,
    and the configured keys must load."""
    from django.core.checks import Error, Warning

    try:
        keys = chain_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="security.E901")]
    if keys.is_dev:
        return [
            Warning(
                "The audit and signature chains are keyed with the development key derived "
                "from SECRET_KEY.",
                hint="Set LIANGGE_CHAIN_KEYS or LIANGGE_CHAIN_KEY_FILE (security/README.md).",
                id="security.W901",
            )
        ]
    return []
