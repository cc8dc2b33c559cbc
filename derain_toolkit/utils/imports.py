"""Import every module of a package so that its ``@REGISTRY.register_module()`` calls run.

BasicSR scans its ``archs/`` folder the same way: a new part is a new file, and no
``__init__.py`` has to list it.
"""
import importlib
import pkgutil


def import_submodules(package_name: str) -> list[str]:
    """Import all modules and sub-packages of ``package_name``; return their names."""
    package = importlib.import_module(package_name)
    names = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith('_'):
            continue
        name = f'{package_name}.{info.name}'
        importlib.import_module(name)
        names.append(name)
    return names
