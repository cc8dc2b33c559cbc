"""What an exported ONNX file records about itself, shared by the exporter and the backend.

``tools/export_onnx.py`` writes one JSON object under the metadata key :data:`METADATA_KEY`:

* ``kind``: ``'image'`` (one pass: inputs ``image`` and, for a CLIP router, ``router_pixels``;
  outputs ``pred``, ``mask_<l>`` per level, ``route``), ``'noise'`` (IR-SDE's noise network:
  inputs ``x_t``, ``mu``, ``t`` and, with DA-CLIP, ``content``, ``degradation``; output
  ``noise``) or ``'daclip_encoder'`` (input ``pixels``, outputs ``content``, ``degradation``);
* ``network``: the config's network (:func:`network_signature`), checked against the config
  the file is loaded with;
* ``pad_multiple``: inputs must be padded (bottom/right, ``pad_to_multiple``) to this multiple
  before the graph sees them; ``bytes_per_pixel``: the PyTorch forward's memory estimate;
* ``router_input`` / ``daclip_input``: size, mean and std of the CLIP input prepared in Python;
* ``daclip_encoder``: the file name of the DA-CLIP encoder graph, next to the noise network.
"""
import json
from typing import Any

from mmengine.config import Config

METADATA_KEY = 'derain_toolkit'


def _plain(value: Any) -> Any:
    """A config value as plain JSON types (ConfigDicts to dicts, tuples to lists)."""
    return json.loads(json.dumps(value.to_dict() if hasattr(value, 'to_dict') else value, default=str))


def network_signature(cfg: Config) -> dict[str, Any]:
    """The parts of ``cfg`` that fix an exported graph: the backbone and the DA-CLIP model."""
    model = cfg.get('model', {})
    return {'backbone': _plain(model.get('backbone')),
            'daclip': _plain(model.get('generator', {}).get('daclip'))}


def first_difference(a: Any, b: Any, path: str = '') -> str:
    """The first key path where ``a`` and ``b`` differ, with both values (``''`` when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = first_difference(a.get(key), b.get(key), f'{path}.{key}' if path else str(key))
            if found:
                return found
        return ''
    return '' if a == b else f'{path}: {json.dumps(a)} vs {json.dumps(b)}'
