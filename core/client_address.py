"""Which address a request came from: the one answer the login throttle and the audit trail use.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, ``REMOTE_ADDR`` is the nearest proxy's address for
everyone. Each proxy appends the address it saw to ``X-Forwarded-For``, so the client is the N-th
entry from the right; anything further left was written by the client and is ignored. With no
trusted proxy the header is ignored altogether (anyone can send it).
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def _parse(entry: str) -> str | None:
    """``entry`` as a canonical IP address, accepting ``1.2.3.4:port`` and ``[v6]:port``."""
    entry = entry.strip()
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address, or ``REMOTE_ADDR`` (possibly empty) when no trusted header says."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For")
    if count <= 0 or forwarded is None:
        return remote
    entries = forwarded.split(",")
    address = _parse(entries[-count]) if len(entries) >= count else None
    if address is None:
        # Our proxies always write a valid entry, so this is a request that bypassed them or a
        # TRUSTED_PROXY_COUNT that does not match the deployment: say so, trust nothing.
        logger.warning(
            "X-Forwarded-For %r does not hold %d trusted entries; using REMOTE_ADDR",
            forwarded[:200],
            count,
        )
        return remote
    return address
