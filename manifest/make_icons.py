"""Draw the app's two icons: color.png (192x192, white glyph on the accent colour) and outline.png
(32x32, the same glyph in white on a transparent background), as the Teams manifest asks.

Run `python -m manifest.make_icons` after changing the glyph; the PNGs are committed.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SUPERSAMPLE = 8  # draw big, shrink: smooth edges at 32 px


def accent_color() -> str:
    return str(json.loads((HERE / "manifest.json").read_text())["accentColor"])


def glyph_mask(size: int, margin: float) -> Image.Image:
    """A contact card: a rounded frame, a person (head and shoulders) on the left, two lines of text."""
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    m = big * margin
    stroke = max(int(big * 0.07), 1)
    left, top, right, bottom = m, big * 0.22, big - m, big * 0.78
    draw.rounded_rectangle((left, top, right, bottom), radius=big * 0.08, outline=255, width=stroke)
    cx, head_r = left + (right - left) * 0.3, big * 0.085
    cy = top + (bottom - top) * 0.38
    draw.ellipse((cx - head_r, cy - head_r, cx + head_r, cy + head_r), fill=255)
    draw.pieslice((cx - head_r * 1.9, cy + head_r * 1.2, cx + head_r * 1.9, cy + head_r * 4.6), 180, 360, fill=255)
    line_left, line_right = left + (right - left) * 0.55, right - (right - left) * 0.12
    for y in (top + (bottom - top) * 0.38, top + (bottom - top) * 0.62):
        draw.rounded_rectangle((line_left, y - stroke / 2, line_right, y + stroke / 2), radius=stroke / 2, fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon() -> Image.Image:
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), accent_color())
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.composite(white, image, glyph_mask(COLOR_SIZE, 0.16))


def outline_icon() -> Image.Image:
    # Every pixel is white; only the alpha channel draws, so edges never turn grey.
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    image.putalpha(glyph_mask(OUTLINE_SIZE, 0.06))
    return image


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
