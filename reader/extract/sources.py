"""Reading inputs: local files, stdin and fetched bytes -> clean ``str`` and a kind.

Everything a user can hand us goes through here before extraction:

- size: at most :data:`MAX_BYTES` (a 50 MB "page" is refused, not read into memory);
- binary content (PDF, images, archives, executables) is refused with a name for it;
- decoding follows what a browser does: a byte-order mark wins, then the charset the
  server declared, then a ``<meta charset>`` (or XML declaration) in the first bytes,
  then strict UTF-8, then charset-normalizer's guess. ISO-8859-1 and ASCII labels are
  read as Windows-1252, as the WHATWG encoding standard says (pages labelled latin-1
  are nearly always cp1252: curly quotes and the euro sign live in 0x80-0x9F);
- mojibake (UTF-8 once read as Latin-1: "fÃ¼r") is repaired, then control characters and
  ANSI escape sequences (a copy from a terminal) are stripped, in that order;
- whether the content is HTML or plain text is decided by :func:`sniff`, from the
  content; the file name only breaks a tie.
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from typing import BinaryIO, Literal

from reader import files
from reader.errors import InputError
from reader.text.sanitize import strip_controls

# Larger inputs are refused: no article is 20 MB of text, and reading one in full would
# stall a batch. Fetching stops reading at the same cap.
MAX_BYTES = 20 * 1024 * 1024

Kind = Literal["html", "text"]


@dataclass(frozen=True, slots=True)
class Loaded:
    """An input read and decoded: ``text`` is HTML or plain text according to ``kind``."""

    source: str  # what the user gave: a path, a URL or "-"
    text: str
    kind: Kind
    url: str | None = None  # the final URL after redirects, for fetched pages


def is_url(source: str) -> bool:
    return bool(re.match(r"(?i)^https?://", source))


def too_large(size: int | None = None) -> str:
    return files.too_large(MAX_BYTES, size)


def read_file(path: str) -> bytes:
    """The bytes of a local file, refusing what is missing, not a regular file (a folder,
    a named pipe, a device) or too large."""
    return files.read_user_file(path, MAX_BYTES)


def read_stdin(stream: BinaryIO | None = None) -> bytes:
    """All of standard input (``-``), up to the size cap."""
    handle = stream if stream is not None else sys.stdin.buffer
    return _read_capped(handle, "-")


def _read_capped(handle: BinaryIO, subject: str) -> bytes:
    data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(subject, too_large())
    return data


# -- binary content -------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", ""),  # too weak alone; see _binary_kind
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"MZ", ""),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def _binary_kind(data: bytes) -> str | None:
    for magic, name in _SIGNATURES:
        if name and data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "a WAV audio file"
    if data[4:12] in (b"ftypavif", b"ftypheic", b"ftypmif1"):
        return "an image"
    if data[4:8] == b"ftyp":
        return "a video or audio file"
    return None


def not_text_reason(kind: str) -> str:
    return f"not an HTML page or text ({kind})"


# -- decoding ---------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that mean Windows-1252 on the web (WHATWG encoding standard).
_CP1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso_8859-1"}
)

# [^<>], not [^>]: each scan stops at the next tag, so "<meta<meta<meta..." stays linear.
_META_CHARSET = re.compile(
    rb"""<meta[^<>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return name


def _decode_cp1252(data: bytes) -> str:
    """cp1252, with the five bytes it leaves undefined read as latin-1 control points."""
    return data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    return not any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def _try(data: bytes, codec: str, *, tolerant: bool = False) -> str | None:
    """Decode with ``codec``; when ``tolerant``, accept a few bad bytes as U+FFFD.

    Real pages mix encodings (a UTF-8 page with one pasted cp1252 quote); a browser
    shows the page with one replacement mark, and so do we, rather than reading the
    whole page in a wrong code page.
    """
    if codec == "cp1252":
        return _decode_cp1252(data)
    try:
        return data.decode(codec)
    except LookupError:
        return None
    except UnicodeDecodeError:
        if not tolerant:
            return None
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if not ch.isascii()) - bad
    return text if good >= 20 * bad else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return the text and the codec used.

    ``declared`` is the charset from an HTTP Content-Type header, if any. Valid UTF-8
    is taken as UTF-8 before any declaration: legacy text with accented letters almost
    never happens to be valid UTF-8, while pages that declare latin-1 and serve UTF-8
    are common.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec
    utf8 = _try(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    candidates: list[str] = []
    declared_codec = _codec(declared)
    if declared_codec:
        candidates.append(declared_codec)
    head = data[:65536]  # browsers look at 1 KB; real pages put the meta tag later
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match:
            meta = _codec(match.group(1).decode("ascii", "ignore"))
            # A page read as ASCII-compatible bytes cannot be UTF-16, whatever it says.
            if meta and not meta.startswith(("utf-16", "utf-32")):
                candidates.append(meta)
    candidates.append("utf-8")
    for codec in dict.fromkeys(candidates):
        decoded = _try(data, codec, tolerant=True)
        if decoded is not None:
            return decoded, codec
    return _guess(data)


def _guess(data: bytes) -> tuple[str, str]:
    """Undeclared, not UTF-8: ask charset-normalizer, preferring cp1252 for Latin text.

    charset-normalizer can pick a close cousin (cp1250, mac-roman, cp1257) for a short
    Western text; when its guess and cp1252 decode to the same letters, or cp1252 gives
    only printable characters and the guess is another single-byte Latin code page, we
    read cp1252, the most common legacy encoding by far.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    cp1252 = _decode_cp1252(data)
    if best is None:
        return cp1252, "cp1252"
    guess = str(best)
    codec = best.encoding
    if codec in ("cp1252", "latin_1", "iso8859_15", "ascii"):
        return cp1252, "cp1252"
    if _single_byte_latin(codec) and _plausible_latin(cp1252):
        return cp1252, "cp1252"
    return guess, codec


def _single_byte_latin(codec: str) -> bool:
    return codec.startswith(("cp125", "iso8859", "latin", "mac_", "cp850", "cp437"))


def _plausible_latin(text: str) -> bool:
    """True when every non-ASCII character of ``text`` is a Latin letter or common sign."""
    for ch in set(text):
        if ch.isascii():
            continue
        if (
            "\u00c0" <= ch <= "\u024f"
            or ch in "€‚„…†‡ˆ‰‹›‘’“”•–—˜™¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿×÷"
        ):
            continue
        if ch == "\u00a0":
            continue
        return False
    return True


# -- cleaning ---------------------------------------------------------------------------------

# UTF-8 read as Latin-1 or Windows-1252: "fÃ¼r", "Ã–sterreich", "â€œquotedâ€".
_MOJIBAKE = re.compile(
    "[\u00c2-\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178"
    "\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def _to_bytes(text: str) -> bytes | None:
    """The bytes a Latin-1 or Windows-1252 decoder turned into ``text``."""
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if code < 256:
            out.append(code)
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def repair_mojibake(text: str) -> str:
    """Lines of UTF-8 that were decoded as Latin-1 or Windows-1252, decoded again.

    Pages copied from a mis-declared site read "fÃ¼r" for "für"; a listener would hear
    nonsense. Each line with such sequences is re-encoded and decoded as UTF-8, and kept
    as it was when that fails (a line that really is Latin text with "Ã" stays). The
    file itself may be valid UTF-8 (the damage happened before it was saved), so
    :func:`decode` cannot catch this; it must run before :func:`strip_controls`, which
    would delete the C1 bytes ("\\x80", "\\x9c") the repair needs.
    """
    if not _MOJIBAKE.search(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _MOJIBAKE.search(line):
            continue
        raw = _to_bytes(line)
        if raw is None:
            continue
        try:
            lines[i] = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return "\n".join(lines)


def clean_decoded(text: str) -> str:
    """Decoded text made safe to read: mojibake repaired, then controls stripped."""
    return strip_controls(repair_mojibake(text))


# Characters that are invisible on screen but split words for the voice and for search:
# soft hyphens, zero-width spaces, word joiners, stray byte-order marks, and the
# left-to-right / right-to-left marks. Zero-width (non-)joiners (U+200C, U+200D) shape
# Persian, Indic scripts and emoji, and stay. One set for both extraction paths.
INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u2060\ufeff]")


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters of :data:`INVISIBLE`."""
    return INVISIBLE.sub("", text)


# What binary data decoded as text is full of: NULs and other C0 controls, and U+FFFD.
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]")


def _control_share(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    return len(_BINARY_CHARS.findall(sample)) / len(sample)


# -- HTML or text ---------------------------------------------------------------------------------

# What an HTML document opens with, after any comments and an XML declaration.
_HTML_OPENER = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


def opens_like_html(text: str) -> bool:
    r"""Whether ``text`` starts (after white space, comments and an XML declaration) like an
    HTML document: a doctype, ``<html>``, ``<head>`` or ``<body>``.

    A loop, not one regular expression: ``(?:<!--.*?-->\s*)*`` lets ``.*?`` run across
    comments, so a run of empty comments (``<!---->`` forty times) took exponential time.
    Each step here moves forward, so the work is linear in the text.
    """
    pos, end = 0, len(text)
    xml_seen = False
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if text.startswith("<!--", pos):
            close = text.find("-->", pos + 4)
            if close < 0:
                return False
            pos = close + 3
        elif not xml_seen and text[pos : pos + 5].lower() == "<?xml":
            close = text.find(">", pos)
            if close < 0:
                return False
            pos, xml_seen = close + 1, True
        else:
            return _HTML_OPENER.match(text, pos) is not None


_TAG = re.compile(
    r"</?(?:p|div|span|a|br|body|head|html|article|section|main|header|footer|nav|h[1-6]"
    r"|ul|ol|li|table|tr|td|meta|script|style|title|link|img|figure|blockquote|em|strong)\b[^<>]*>",
    re.IGNORECASE,
)


def sniff(text: str, name: str | None = None) -> Kind:
    """Whether ``text`` is an HTML page or plain text, from its content.

    A document that opens like HTML (doctype, ``<html>``, ``<head>``, ``<body>``) is
    HTML whatever its name; otherwise HTML tags must be frequent enough that the text
    is markup, not prose that mentions a tag. The file name (``.html``/``.htm``) only
    lowers that bar.
    """
    if opens_like_html(text[:8192]):
        return "html"
    sample = text[:65536]
    found = [m.group(0) for m in _TAG.finditer(sample)]
    named_html = bool(name and name.lower().endswith((".html", ".htm", ".xhtml")))
    if named_html and found:
        return "html"
    # Markup closes what it opens and uses more than one element; prose that mentions
    # "the <p> tag" does neither.
    closing = sum(1 for tag in found if tag.startswith("</"))
    names = {re.sub(r"[</>\s].*", "", tag.lstrip("</").lower()) for tag in found}
    lines = max(1, sample.count("\n") + 1)
    markup = len(found) >= 5 and closing >= 2 and len(names) >= 2
    return "html" if markup and len(found) >= lines / 10 else "text"


def load_bytes(
    data: bytes,
    source: str,
    *,
    declared_charset: str | None = None,
    name: str | None = None,
    url: str | None = None,
) -> Loaded:
    """Turn raw bytes into a :class:`Loaded` input, or raise :class:`InputError`."""
    if not data.strip():
        raise InputError(source, "empty input" if source == "-" or url else "empty file")
    kind = _binary_kind(data[:64])
    if kind:
        raise InputError(source, not_text_reason(kind))
    text, _codec_used = decode(data, declared_charset)
    if _control_share(text) > 0.05:
        raise InputError(source, not_text_reason("binary data"))
    text = clean_decoded(text)
    if not text.strip():
        raise InputError(source, "no text in the input")
    return Loaded(source=source, text=text, kind=sniff(text, name or source), url=url)


def load(source: str) -> Loaded:
    """Read a local path or ``-`` (stdin). URLs go through :mod:`reader.extract.fetch`."""
    if source == "-":
        return load_bytes(read_stdin(), "-")
    try:
        data = read_file(source)
    except InputError as exc:
        hint = url_hint(source) if exc.reason == "no such file" else None
        if hint:
            raise InputError(source, f"no such file (for the web page, give {hint})") from None
        raise
    return load_bytes(data, source, name=source)


# A host name and maybe a path, without a scheme: "example.com", "www.bbc.co.uk/news/x".
# Labels hold no dot, so the repetition cannot overlap itself.
_BARE_HOST = re.compile(r"([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})(?:[/?#]\S*)?")
_COMMON_TLDS = frozenset(
    "com org net edu gov io co uk de fr es it nl pl ch at eu info news dev app ca au us se "  # noqa: SIM905
    "no fi dk be ru jp br in ie nz pt cz".split()
)


def url_hint(source: str) -> str | None:
    """``https://SOURCE`` when a missing file's name reads like a web address without its
    scheme (``example.com``, ``www.example.org/story``); None for a file name (``notes.txt``)."""
    match = _BARE_HOST.fullmatch(source.strip())
    if not match:
        return None
    host = match.group(1).lower()
    if host.startswith("www.") or host.rsplit(".", 1)[-1] in _COMMON_TLDS:
        return f"https://{source.strip()}"
    return None
