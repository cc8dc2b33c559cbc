"""Image reading and writing shared by datasets, metrics and tools.

Arrays are always ``H x W x C`` in RGB(A) channel order, ``C`` in {1, 3, 4}, with
the dtype of the file (``uint8`` or ``uint16``). OpenCV reads and writes BGR(A)
and returns ``None`` instead of raising on a bad file; these functions convert
the channel order and turn every failure into an :class:`ImageReadError` that
names the file, so a corrupt image in a dataset surfaces as a readable error.
"""
import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Union

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

PathLike = Union[str, os.PathLike]

_MAX_VALUE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_JPEG_SIGNATURE = b'\xff\xd8'
_EXIF_ORIENTATION_TAG = 0x0112


class ImageReadError(ValueError):
    """An image file is missing, empty, truncated, corrupt or not an image.

    Args:
        path: The file that could not be read.
        reason: What is wrong with it.
    """

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read image '{self.path}': {reason}")


def _truncation_reason(data: bytes) -> Union[str, None]:
    """Detect truncated PNG/JPEG files, which OpenCV may decode partially without error."""
    if data.startswith(_PNG_SIGNATURE) and b'IEND' not in data[-64:]:
        return 'PNG file is truncated (no IEND chunk at the end); re-copy or re-download it'
    if data.startswith(_JPEG_SIGNATURE) and b'\xff\xd9' not in data[-64:]:
        return 'JPEG file is truncated (no end-of-image marker); re-copy or re-download it'
    return None


def _exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) of an encoded image, 1 when it has none."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            orientation = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return 1
    return orientation if orientation in range(1, 9) else 1


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """``image`` (H, W, C) turned upright as a viewer shows an EXIF ``orientation`` (1-8, EXIF 2.32 Table 6)."""
    upright = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],                        # mirrored left-right
        3: lambda a: a[::-1, ::-1],                     # rotated 180
        4: lambda a: a[::-1],                           # mirrored top-bottom
        5: lambda a: a.transpose(1, 0, 2),              # mirrored along the main diagonal
        6: lambda a: np.rot90(a, k=-1),                 # rotated 90 clockwise to view
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the anti-diagonal
        8: lambda a: np.rot90(a, k=1),                  # rotated 90 counter-clockwise to view
    }[orientation](image)
    return np.ascontiguousarray(upright)


def read_image(path: PathLike, exif_orientation: bool = False) -> np.ndarray:
    """Read an image file as an ``H x W x C`` RGB(A) array, keeping its bit depth.

    Args:
        path: Image file (any format OpenCV decodes: PNG, JPEG, BMP, TIFF, GIF (first frame), ...).
        exif_orientation: Turn the pixels upright as the file's EXIF orientation says (as image
            viewers show it; ``tools/derain.py``). Datasets read the pixels as stored.

    Returns:
        ``uint8`` or ``uint16`` array of shape ``(H, W, C)``: ``C = 1`` for grayscale,
        ``3`` for RGB, ``4`` for RGBA (channel order converted from OpenCV's BGR).

    Raises:
        ImageReadError: The file is missing, a folder, empty, truncated, not a
            decodable image, or has an unsupported sample type (float, int32).
    """
    path = Path(path)
    if not path.exists():
        raise ImageReadError(path, 'file does not exist; check the path and the data_root')
    if not path.is_file():
        raise ImageReadError(path, 'path is a folder, expected an image file')
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageReadError(path, f'the file cannot be opened ({error.strerror})') from error
    if not data:
        raise ImageReadError(path, 'file is empty (0 bytes); re-copy or re-download it')
    reason = _truncation_reason(data)
    if reason is not None:
        raise ImageReadError(path, reason)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageReadError(path, 'not a decodable image (corrupt file or unsupported format)')
    if image.dtype not in _MAX_VALUE:
        raise ImageReadError(path, f'unsupported sample type {image.dtype}; expected 8- or 16-bit integers')
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    else:
        raise ImageReadError(path, f'unsupported channel count {image.shape[2]}; expected 1, 3 or 4')
    return apply_orientation(image, _exif_orientation(data)) if exif_orientation else image


def image_size(path: PathLike) -> tuple[int, int]:
    """``(height, width)`` of an image file from its header, without decoding the pixels.

    Checks what can be checked cheaply: the file exists, is not empty, is not a truncated
    PNG/JPEG (its end marker) and has a header Pillow recognises. A file corrupt in the
    middle passes and is found by :func:`read_image` when it is read.

    Raises:
        ImageReadError: Naming the file and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(path, 'file does not exist; check the path and the data_root')
    size = path.stat().st_size
    if size == 0:
        raise ImageReadError(path, 'file is empty (0 bytes); re-copy or re-download it')
    with open(path, 'rb') as handle:
        head = handle.read(8)
        handle.seek(max(8, size - 64))
        ends = head + handle.read()  # the signature and the last 64 bytes
    reason = _truncation_reason(ends)
    if reason is not None:
        raise ImageReadError(path, reason)
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        raise ImageReadError(path, f'not a decodable image ({error})') from None
    return height, width


def write_image(path: PathLike, array: np.ndarray) -> None:
    """Write an RGB(A) or grayscale array atomically, creating parent folders.

    The image is encoded in memory, written to a temporary file in the target
    folder and moved into place with ``os.replace``, so a reader never sees a
    half-written file and an interrupted run leaves no partial image. The file gets the
    usual mode of a new file (0666 minus the umask), not the temporary file's 0600.

    Args:
        path: Output file; its suffix chooses the format (``.png`` keeps 16 bits and alpha).
        array: ``uint8`` or ``uint16`` array of shape ``(H, W)``, ``(H, W, 1)``,
            ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA).

    Raises:
        ValueError: Unsupported dtype or shape, or the format cannot encode the array.
        OSError: The file cannot be written (e.g. the disk is full); the message names it.
    """
    path = Path(path)
    array = np.asarray(array)
    if array.dtype not in _MAX_VALUE:
        raise ValueError(f'write_image expects uint8 or uint16, got {array.dtype} for {path}; '
                         'convert floats in [0, 1] with from_float01(array, np.uint8)')
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    elif array.ndim != 2:
        raise ValueError(f'write_image expects (H, W) or (H, W, C) with C in 1, 3, 4; got shape '
                         f'{array.shape} for {path}')
    ok, encoded = cv2.imencode(path.suffix or '.png', np.ascontiguousarray(array))
    if not ok:
        raise ValueError(f'cannot encode a {array.dtype} image of shape {array.shape} as '
                         f"'{path.suffix}' for {path}; use .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(encoded.tobytes())
        os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, path)
    except BaseException as error:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
        if isinstance(error, OSError) and not error.filename:
            raise OSError(error.errno or errno.EIO, f'cannot write {path}: {error.strerror or error}') from error
        raise


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def to_rgb(array: np.ndarray) -> np.ndarray:
    """``(H, W, C)`` image with ``C`` in {1, 3, 4} -> ``(H, W, 3)``: gray repeated, alpha dropped."""
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f'to_rgb expects an (H, W, C) image with C in 1, 3, 4; got shape {array.shape}')
    if array.shape[2] == 1:
        return np.repeat(array, 3, axis=2)
    return array[:, :, :3]


def to_float01(array: np.ndarray) -> np.ndarray:
    """Scale an integer image to ``float32`` in [0, 1] with a channel axis.

    Args:
        array: ``uint8`` (divided by 255), ``uint16`` (divided by 65535) or float
            (kept as is) array of shape ``(H, W)`` or ``(H, W, C)``.

    Returns:
        ``float32`` array of shape ``(H, W, C)`` (``C = 1`` added for 2-D input).
    """
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.dtype in _MAX_VALUE:
        return array.astype(np.float32) / np.float32(_MAX_VALUE[array.dtype])
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32)
    raise ValueError(f'to_float01 expects uint8, uint16 or float arrays, got {array.dtype}')


def from_float01(array: np.ndarray, dtype: Union[type, np.dtype] = np.uint8) -> np.ndarray:
    """Convert a float image in [0, 1] to ``uint8``/``uint16``: clip, scale, round half to even.

    Rounding follows ``skimage.img_as_ubyte`` (``np.rint``), which Restormer uses
    to save its results before they are scored.

    Args:
        array: Float array of any shape, values expected in [0, 1] (clipped).
        dtype: ``np.uint8`` or ``np.uint16``.

    Returns:
        Array of the same shape and the requested dtype.
    """
    dtype = np.dtype(dtype)
    if dtype not in _MAX_VALUE:
        raise ValueError(f'from_float01 converts to uint8 or uint16, got {dtype}')
    scaled = np.clip(np.asarray(array, dtype=np.float64), 0.0, 1.0) * _MAX_VALUE[dtype]
    return np.rint(scaled).astype(dtype)
