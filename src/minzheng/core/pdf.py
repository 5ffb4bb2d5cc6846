"""The one Chinese font of every PDF the platform prints (notices, verification reports, target
reports), embedded so a document prints the same in every viewer.

reportlab embeds (a subset of) a TrueType font it is given. Noto CJK, the fonts-noto-cjk package,
has PostScript (CFF) outlines, which reportlab cannot embed; WenQuanYi Micro Hei (Debian's
fonts-wqy-microhei, Apache-2.0) has TrueType outlines and covers GB 18030's common characters. If
no such font is installed, documents fall back to reportlab's built-in STSong-Light, which the
viewer must supply (not embedded)."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

EMBEDDED = "MinzhengCJK"
FALLBACK = "STSong-Light"
# TrueType-outline CJK fonts, first found wins: (path, index in a collection).
CANDIDATES = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
)


def cjk_font() -> str:
    """The registered name of the font to use, registering it on first call."""
    registered = pdfmetrics.getRegisteredFontNames()
    if EMBEDDED in registered:
        return EMBEDDED
    if FALLBACK in registered:
        return FALLBACK
    for path, index in CANDIDATES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(EMBEDDED, str(path), subfontIndex=index))
            return EMBEDDED
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK
