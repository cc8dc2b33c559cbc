"""A local demo page: upload a rainy photo, see it derained side by side, download the result.

Usage::

    python tools/demo_app.py CONFIG CHECKPOINT|MODEL.onnx [--port 7860] [--host 127.0.0.1] [--tile N]
        [--precision auto|fp32|bf16] [--device auto|cpu|cuda]

Serves a Gradio page (``pip install -e .[demo]``) on 127.0.0.1 (this machine only) unless
``--host`` says otherwise. The upload is read like ``tools/derain.py`` reads files (8/16-bit,
grayscale, RGBA) and derained by ``derain_toolkit.inference.derain`` with either backend (a
``.onnx`` model file runs on ONNX Runtime). The page shows the rainy and derained images
side by side (8-bit previews), each level's rain mask for models that predict them
(CLIP-RPN: one per MGCA level, coarsest first, Fig. 9), and offers the derained file at the
input's own bit depth for download. Large images are tiled automatically (``--tile`` forces
a size) and the page shows the tiles' progress. A file that cannot be read or derained gets
a message on the page naming the file and the reason.
"""
import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import numpy as np

from derain_toolkit.deploy.extras import require
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.inference import Backend, derain, load_backend
from derain_toolkit.utils.image_io import ImageReadError, from_float01, read_image, to_float01, write_image

TITLE = 'derain-toolkit demo'


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the demo page."""
    parser = tool_parser('Serve a local demo page that derains uploaded images.', 'device', 'precision')
    parser.add_argument('config', help='config file the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file, or a .onnx file of tools/export_onnx.py')
    parser.add_argument('--port', type=int, default=7860, help='port to listen on')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default: this machine only)')
    parser.add_argument('--tile', type=int, default=None, help='tile side (default: automatic; 0: never tile)')
    return parser.parse_args(argv)


def _preview(image: np.ndarray) -> np.ndarray:
    """An 8-bit RGB view of any image ``read_image`` returns (alpha dropped, gray replicated)."""
    image = image[:, :, None] if image.ndim == 2 else image
    rgb = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image[:, :, :3]
    return rgb if rgb.dtype == np.uint8 else from_float01(to_float01(rgb), np.uint8)


def derain_upload(backend: Backend, path: Optional[str], out_dir: Path, tile: Optional[int] = None,
                  precision: str = 'auto', progress: Any = None) -> tuple[Optional[str], Optional[str], list[np.ndarray], Optional[str], str]:
    """The page's handler: (rainy preview, derained preview, masks, download file, status message).

    Every failure becomes a status message naming the file; nothing is raised to the page.
    """
    if not path:
        return None, None, [], None, 'Upload an image to derain it.'
    name = Path(path).name
    try:
        image = read_image(path)
        result = derain(backend, image, tile=tile, precision=precision,
                        progress=(lambda done, total: progress(done / total, desc=f'tile {done} of {total}'))
                        if progress is not None else None)
    except ImageReadError as error:
        return None, None, [], None, f'**Could not derain {name}**: {error.reason}'
    except (OSError, ValueError, RuntimeError) as error:
        return None, None, [], None, f'**Could not derain {name}**: {error}'
    folder = Path(tempfile.mkdtemp(dir=out_dir))
    rainy, derained = folder / 'rainy.png', folder / f'{Path(name).stem}_derained.png'
    write_image(rainy, _preview(image))
    write_image(derained, result.image)  # the input's bit depth and channels
    shown = folder / 'derained_preview.png'
    write_image(shown, _preview(result.image))
    masks = [from_float01(mask, np.uint8) for mask in result.level_masks]
    height, width = image.shape[:2]
    return (str(rainy), str(shown), masks, str(derained),
            f'Derained {name} ({width} x {height}, {image.dtype}); the download keeps its bit depth.')


def build_app(backend: Backend, tile: Optional[int] = None, precision: str = 'auto', out_dir: Optional[Path] = None):
    """The Gradio page of ``backend``."""
    gr = require('gradio', 'The demo page')
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix='derain_demo_'))
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f'# {TITLE}\nUpload a rainy image (PNG, JPEG, TIFF, 8 or 16 bit): the derained image '
                    'appears beside it, ready to download.')
        upload = gr.File(label='Rainy image', type='filepath', elem_id='upload')
        status = gr.Markdown('Upload an image to derain it.', elem_id='status')
        with gr.Row():
            rainy = gr.Image(label='Rainy', format='png', interactive=False, height=320, elem_id='rainy')
            derained = gr.Image(label='Derained', format='png', interactive=False, height=320, elem_id='derained')
        masks = gr.Gallery(label='Rain mask per level (coarsest first)', format='png', elem_id='masks',
                           columns=4, height=220)
        download = gr.File(label='Derained file (input bit depth)', interactive=False, elem_id='download')

        def handle(path: Optional[str], progress=gr.Progress()):
            return derain_upload(backend, path, out_dir, tile, precision, progress)

        upload.upload(handle, inputs=upload, outputs=[rainy, derained, masks, download, status])
        upload.clear(handle, inputs=upload, outputs=[rainy, derained, masks, download, status])
    return app


def main(argv: Optional[list[str]] = None) -> int:
    """Serve the page until interrupted; 2 when the model cannot be loaded."""
    args = parse_args(argv)
    try:
        require('gradio', 'The demo page')
        backend = load_backend(args.config, args.checkpoint, device=tool_device(args.device))
    except (FileNotFoundError, ValueError, KeyError, RuntimeError, ImportError) as error:
        print(f'error: cannot start the demo: {error}', file=sys.stderr)
        return 2
    print(f'serving {args.checkpoint} on http://{args.host}:{args.port}', flush=True)
    build_app(backend, args.tile, args.precision).launch(server_name=args.host, server_port=args.port, show_error=False,
                                         quiet=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
