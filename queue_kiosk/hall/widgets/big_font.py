"""A 5×7 block font for ticket codes and counter numbers seen from across a hall.

Textual's `Digits` is 3 rows high and knows only A-F among letters; ticket prefixes run
through the alphabet and a TV across a hall wants more. `render_big(text, sx, sy)` scales
each 5×7 glyph by whole cells; codes and digits only (they stay Latin in Arabic too).
"""

from __future__ import annotations

GLYPH_W, GLYPH_H = 5, 7

_FONT = {
    "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
    "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
    "3": "####.|....#|....#|.###.|....#|....#|####.",
    "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
    "5": "#####|#....|####.|....#|....#|#...#|.###.",
    "6": ".###.|#....|#....|####.|#...#|#...#|.###.",
    "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
    "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
    "9": ".###.|#...#|#...#|.####|....#|....#|.###.",
    "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#",
    "B": "####.|#...#|#...#|####.|#...#|#...#|####.",
    "C": ".###.|#...#|#....|#....|#....|#...#|.###.",
    "D": "####.|#...#|#...#|#...#|#...#|#...#|####.",
    "E": "#####|#....|#....|####.|#....|#....|#####",
    "F": "#####|#....|#....|####.|#....|#....|#....",
    "G": ".###.|#...#|#....|#.###|#...#|#...#|.###.",
    "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    "I": ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
    "J": "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
    "K": "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
    "L": "#....|#....|#....|#....|#....|#....|#####",
    "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
    "N": "#...#|##..#|#.#.#|#..##|#...#|#...#|#...#",
    "O": ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
    "P": "####.|#...#|#...#|####.|#....|#....|#....",
    "Q": ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
    "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    "S": ".####|#....|#....|.###.|....#|....#|####.",
    "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    "U": "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
    "V": "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
    "W": "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
    "X": "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
    "Y": "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
    "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
    "-": ".....|.....|.....|#####|.....|.....|.....",
    " ": ".....|.....|.....|.....|.....|.....|.....",
}
_ROWS = {ch: spec.split("|") for ch, spec in _FONT.items()}
_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def glyphs(text: str) -> str:
    """The characters the font draws (Arabic-Indic digits become Latin, others are dropped)."""
    return "".join(c for c in text.upper().translate(_ARABIC_INDIC) if c in _ROWS)


def big_width(text: str, sx: int, gap: int = 1) -> int:
    n = len(glyphs(text))
    return 0 if n == 0 else n * GLYPH_W * sx + (n - 1) * gap * sx


def render_big(text: str, sx: int = 2, sy: int = 1, gap: int = 1, on: str = "█") -> list[str]:
    """`text` as lines of block characters, each glyph cell `sx` wide and `sy` high."""
    chars = glyphs(text)
    lines: list[str] = []
    for r in range(GLYPH_H):
        parts = ["".join((on if px == "#" else " ") * sx for px in _ROWS[c][r]) for c in chars]
        line = (" " * (gap * sx)).join(parts)
        lines.extend([line] * sy)
    return lines


def best_scale(text: str, width: int, height: int, gap: int = 1) -> tuple[int, int]:
    """The largest (sx, sy) with cells about twice as high as wide that fits the region."""
    for sy in range(8, 0, -1):
        sx = sy * 2
        if GLYPH_H * sy <= height and big_width(text, sx, gap) <= width:
            return sx, sy
    return 1, 1


__all__ = ["GLYPH_H", "GLYPH_W", "best_scale", "big_width", "glyphs", "render_big"]
