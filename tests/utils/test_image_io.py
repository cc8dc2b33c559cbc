"""read_image / write_image / float conversions: round trips, channel order, and failures naming the file."""
import errno
import os
import stat

import numpy as np
import pytest
from PIL import Image

from derain_toolkit.utils.image_io import (
    ImageReadError,
    from_float01,
    read_image,
    to_float01,
    to_rgb,
    write_image,
)


@pytest.mark.parametrize('shape,dtype', [((12, 10, 3), np.uint8), ((12, 10, 4), np.uint8), ((12, 10, 1), np.uint8),
                                         ((12, 10, 3), np.uint16), ((12, 10, 1), np.uint16)])
def test_png_round_trip_keeps_dtype_and_channels(tmp_path, shape, dtype):
    rng = np.random.default_rng(0)
    array = rng.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    write_image(tmp_path / 'a.png', array)
    back = read_image(tmp_path / 'a.png')
    assert back.dtype == dtype and back.shape == shape
    np.testing.assert_array_equal(back, array)


def test_channel_order_is_rgb_on_disk_and_in_memory(tmp_path):
    array = np.zeros((4, 5, 3), np.uint8)
    array[..., 0] = 200  # red
    write_image(tmp_path / 'red.png', array)
    on_disk = np.asarray(Image.open(tmp_path / 'red.png'))  # independent reader
    np.testing.assert_array_equal(on_disk, array)
    Image.fromarray(np.dstack([array, np.full((4, 5), 7, np.uint8)])).save(tmp_path / 'rgba.png')
    rgba = read_image(tmp_path / 'rgba.png')
    assert rgba.shape == (4, 5, 4) and rgba[0, 0].tolist() == [200, 0, 0, 7]


def test_write_is_atomic_and_overwrites(tmp_path):
    write_image(tmp_path / 'sub' / 'x.png', np.zeros((3, 3, 3), np.uint8))
    write_image(tmp_path / 'sub' / 'x.png', np.full((3, 3, 3), 9, np.uint8))
    assert [p.name for p in (tmp_path / 'sub').iterdir()] == ['x.png']
    assert read_image(tmp_path / 'sub' / 'x.png').max() == 9


def test_write_rejects_float(tmp_path):
    with pytest.raises(ValueError, match='from_float01'):
        write_image(tmp_path / 'f.png', np.zeros((3, 3, 3), np.float32))
    assert not list(tmp_path.iterdir())


def _write(path, data):
    path.write_bytes(data)
    return path


def _truncated(tmp_path, suffix):
    path = tmp_path / f'good{suffix}'
    write_image(path, np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8))
    bad = tmp_path / f'bad{suffix}'
    bad.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return bad


@pytest.mark.parametrize('make,reason', [
    (lambda d: d / 'missing.png', 'does not exist'),
    (lambda d: _write(d / 'empty.png', b''), 'empty'),
    (lambda d: _truncated(d, '.png'), 'truncated'),
    (lambda d: _truncated(d, '.jpg'), 'truncated'),
    (lambda d: _write(d / 'notes.png', b'not an image'), 'not a decodable image'),
])
def test_read_errors_name_the_file(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(ImageReadError, match=reason) as info:
        read_image(path)
    assert str(path) in str(info.value) and info.value.path == str(path)
    assert isinstance(info.value, ValueError)


def test_float_conversions():
    u16 = np.array([[0, 65535, 32768]], np.uint16)
    np.testing.assert_allclose(to_float01(u16)[..., 0], [[0, 1, 32768 / 65535]], rtol=1e-6)
    assert to_float01(u16).shape == (1, 3, 1) and to_float01(u16).dtype == np.float32
    np.testing.assert_array_equal(from_float01(np.array([-0.5, 0.5 / 255, 1.5 / 255, 2.0])), [0, 0, 2, 255])
    u8 = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    np.testing.assert_array_equal(from_float01(to_float01(u8)), u8)
    np.testing.assert_array_equal(from_float01(to_float01(u16), np.uint16)[..., 0], u16)


def test_to_rgb():
    gray = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    assert to_rgb(gray).shape == (2, 3, 3) and (to_rgb(gray)[..., 2] == gray[..., 0]).all()
    assert to_rgb(np.zeros((2, 3, 4), np.uint8)).shape == (2, 3, 3)


@pytest.mark.parametrize('orientation', range(1, 9))
def test_exif_orientation_matches_pillows_exif_transpose(tmp_path, orientation):
    """Each of the 8 EXIF orientations turns the pixels as Pillow's ImageOps.exif_transpose does (the reference)."""
    from PIL import ImageOps
    stored = np.random.default_rng(orientation).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(tmp_path / 'photo.png', exif=exif)
    with Image.open(tmp_path / 'photo.png') as image:
        expected = np.asarray(ImageOps.exif_transpose(image))
    np.testing.assert_array_equal(read_image(tmp_path / 'photo.png', exif_orientation=True), expected)
    np.testing.assert_array_equal(read_image(tmp_path / 'photo.png'), stored)  # datasets: as stored


def test_written_file_has_the_usual_mode(tmp_path):
    previous = os.umask(0o027)
    try:
        write_image(tmp_path / 'out.png', np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / 'out.png').stat().st_mode) == 0o640  # 0666 minus the umask, not mkstemp's 0600


def test_full_disk_names_the_image_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd, mode):
            self.handle = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'fdopen', FullDisk)
    with pytest.raises(OSError) as error:
        write_image(tmp_path / 'out.png', np.zeros((4, 4, 3), np.uint8))
    assert str(tmp_path / 'out.png') in str(error.value) and error.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []
