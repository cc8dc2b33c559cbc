"""Worked examples of plugins: components that live outside ``derain_toolkit/`` and are
pulled into a config with ``custom_imports`` (see docs/adding_a_component.md)."""
