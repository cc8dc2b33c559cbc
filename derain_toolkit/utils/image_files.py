"""Which files ``tools/derain.py`` reads and the names it writes them under (issue 17).

Inputs are image files, folders (every image file below them, by suffix, GIFs included)
and glob patterns. Each output is named like its input relative to the folder it was
found in (a file or a glob match: its own name). Two inputs that would get the same
output name (``a/x.png`` and ``b/x.png`` given as two folders) are a clash: the run is
refused before anything is written (:func:`output_clashes`), so no output replaces
another. A GIF is derained as one still image, its first frame, and written as PNG (GIF
holds 256 colours); an animated one is reported (:func:`animation_frames`).
"""
import glob
from pathlib import Path

from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm', '.gif')
# Suffixes written in another format: GIF -> PNG (the palette would quantise the derained colours).
OUTPUT_SUFFIX = {'.gif': '.png'}


def output_name(name: Path) -> Path:
    """The output name of an input named ``name`` (relative): the same, GIF as PNG."""
    return name.with_suffix(OUTPUT_SUFFIX.get(name.suffix.lower(), name.suffix))


def collect_inputs(patterns: list[str]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Expand files, folders and globs into ``(input path, output name)`` pairs, in order, once each.

    Returns:
        The pairs and the patterns that matched nothing.
    """
    found: dict[Path, Path] = {}
    unmatched = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            files = sorted(p for p in path.rglob('*') if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            pairs = [(p, p.relative_to(path)) for p in files]
        elif path.is_file():
            pairs = [(path, Path(path.name))]
        else:
            pairs = [(Path(p), Path(Path(p).name)) for p in sorted(glob.glob(pattern, recursive=True))
                     if Path(p).is_file()]
        if not pairs:
            unmatched.append(pattern)
        for file, name in pairs:
            found.setdefault(file.resolve(), output_name(name))
    return list(found.items()), unmatched


def output_clashes(pairs: list[tuple[Path, Path]]) -> dict[Path, list[Path]]:
    """Output names shared by several inputs: ``{name: [inputs]}`` (empty when every output is its own)."""
    by_name: dict[Path, list[Path]] = {}
    for source, name in pairs:
        by_name.setdefault(name, []).append(source)
    return {name: sources for name, sources in by_name.items() if len(sources) > 1}


def animation_frames(path: Path) -> int:
    """The number of frames of an animated image (GIF, WebP, ...), 1 for a still or unreadable one."""
    try:
        with Image.open(path) as image:
            return int(getattr(image, 'n_frames', 1))
    except (OSError, UnidentifiedImageError):
        return 1
