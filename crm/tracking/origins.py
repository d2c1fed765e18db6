"""A tracked site's origins: how a browser's Origin header is compared with the
origins a site lists (origin_normalize, origins_parse), and the strict check of
what a manager types before it is saved (origins_clean), so that every origin
saved is one a browser can send."""

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ValidationError

SCHEMES = {"http": 80, "https": 443}  # and each one's default port, which browsers leave out
# A host name by labels of letters, digits and inner hyphens (browsers send IDNs as punycode).
HOST_NAME = re.compile(r"\A(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\Z")
EXAMPLE = "https://www.example.com"


def origin_normalize(origin: str) -> str:
    """An origin as the beacon endpoint compares them: trimmed, lowercase, and
    without a trailing slash."""
    return origin.strip().rstrip("/").lower()


def origins_parse(text: str) -> list[str]:
    """The origins a site lists, one per line, normalised, each once, in order."""
    origins = (origin_normalize(line) for line in text.splitlines() if line.strip())
    return list(dict.fromkeys(origins))


def origins_clean(text: str) -> list[str]:
    """The origins typed one per line, checked and normalised (lowercase, no trailing
    slash, no default port), each once, in order. A ValidationError names every
    line that is not an origin, or says that there is none."""
    origins, problems = [], []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        try:
            origins.append(origin_clean(line))
        except ValueError as problem:
            problems.append(f"“{_shortened(line)}”: {problem}")
    if problems:
        raise ValidationError(problems)
    if not origins:
        raise ValidationError(f"Add at least one origin, e.g. {EXAMPLE}.")
    return list(dict.fromkeys(origins))


def origin_clean(line: str) -> str:
    """scheme://host[:port] in the form browsers send it; ValueError says what is wrong."""
    if any(character.isspace() for character in line):
        raise ValueError("an origin has no spaces.")
    try:
        parts = urlsplit(line)
    except ValueError:  # brackets around something that is not an IPv6 address
        raise ValueError("the host is not a host name, e.g. www.example.com.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not line.lower().startswith(f"{scheme}://"):
        raise ValueError(f"start with http:// or https://, e.g. {EXAMPLE}.")
    if parts.path not in ("", "/") or "?" in line or "#" in line:
        raise ValueError("only the scheme and the host, without a path, query or fragment.")
    if "@" in parts.netloc:
        raise ValueError("no user name or password.")
    return f"{scheme}://{_host(parts.hostname or '')}{_port(parts, scheme)}"


def _host(host: str) -> str:
    if not host.isascii():
        raise ValueError("write an international domain name in its xn-- (punycode) form.")
    if HOST_NAME.match(host):
        return host
    try:
        return f"[{ipaddress.IPv6Address(host).compressed}]"
    except ValueError:
        raise ValueError("the host is not a host name, e.g. www.example.com.") from None


def _port(parts: SplitResult, scheme: str) -> str:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None or port == SCHEMES[scheme]:
        return ""
    if not 0 < port < 65536 or not parts.netloc.endswith(f":{port}"):
        raise ValueError("the port is not a number from 1 to 65535.")
    return f":{port}"


def _shortened(line: str) -> str:
    return line if len(line) <= 80 else f"{line[:79]}…"
