"""Deployment: ONNX export (``onnx_export``), the ONNX Runtime backend (``onnx_backend``) and the
optional packages they need (``extras``: ``pip install -e .[deploy]`` / ``.[demo]``)."""
