"""Text from data, made safe to print on a terminal.

Unit names, titles, ids and the headers of a file someone sent are typed by
people and may hold anything: an ESC that starts a terminal escape sequence
(recolouring the screen, setting the window title, rewriting what was printed
before), the C1 control CSI (U+009B) that some terminals read the same way, or a
bidirectional override (U+202E) that shows text in a different order from the
one it is in. None of that may reach a terminal. And rich reads ``[bold]`` as
markup and ``:smile:`` as an emoji code in any string it is given, so text from
data must not be handed to it as a string either.

Everything the command line prints from data goes through :func:`printable`,
and into rich as :func:`plain` text, never as markup.
"""

from rich.style import Style
from rich.text import Text

# White-space controls (tab, line feed, carriage return, …, NEL and the Unicode
# line and paragraph separators) become one space, so words they separated stay
# apart; every other C0 and C1 control, DEL and each bidirectional control is
# dropped. A lone surrogate, which no terminal encoding can write, becomes U+FFFD.
_SPACES = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_CONTROLS),
    **dict.fromkeys(map(ord, _BIDI_CONTROLS)),
    **dict.fromkeys(map(ord, _SPACES), " "),
    **dict.fromkeys(range(0xD800, 0xE000), "\ufffd"),
}


def printable(text: object) -> str:
    """``text`` (or ``str()`` of it) without control characters: C0 and C1
    controls (ESC and CSI included), DEL and the bidirectional controls (U+202A–
    U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) are removed, and white-space
    controls (tab, newline, carriage return, U+2028 …) each become a space.
    Everything else, Chinese, brackets and ideographic spaces included, is kept.

    >>> printable("县\\x1b[31m城管\\x1b[0m局\\u202e\\nok")
    '县[31m城管[0m局 ok'
    """
    value = text if isinstance(text, str) else str(text)
    return value.translate(_TABLE)


def plain(text: object, style: str | Style = "") -> Text:
    """:func:`printable` ``text`` as rich :class:`Text`, in ``style``: printed
    exactly as it reads, never taken for markup (``[bold]``) or an emoji code
    (``:smile:``)."""
    return Text(printable(text), style=style)


def error_line(error: object) -> Text:
    """``error: …`` as the command line prints a refusal: the message (which
    may quote a value from a file) as :func:`plain` text after a red label."""
    return Text.assemble(("error:", "red"), " ", plain(error))
