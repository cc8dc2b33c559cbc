"""A plugin package outside the repository: found beside its config or in the working directory, else one line."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derain_toolkit import load_config
from derain_toolkit.build import PluginImportError
from derain_toolkit.registry import LOSSES

REPO = Path(__file__).resolve().parents[2]


def _write_plugin(folder: Path, package: str) -> None:
    """A package ``package`` under ``folder`` that registers the loss ``<package>Loss``."""
    (folder / package).mkdir(parents=True)
    (folder / package / '__init__.py').write_text(textwrap.dedent(f'''
        from derain_toolkit.models.losses.base import DerainLoss
        from derain_toolkit.registry import LOSSES


        @LOSSES.register_module(force=True)
        class {package}Loss(DerainLoss):
            name = '{package}'

            def forward(self, pred, target):
                return (pred - target).abs().mean()
        '''))


def _write_config(folder: Path, package: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / 'restormer_plugin.py'
    config.write_text(f"_base_ = [{str(REPO / 'configs' / 'restormer_tiny_synthetic.py')!r}]\n"
                      f"custom_imports = dict(imports=[{package!r}], allow_failed_imports=False)\n"
                      f"model = dict(losses=[dict(type='{package}Loss')])\n")
    return config


@pytest.fixture
def clean_imports(monkeypatch):
    """Leave ``sys.path`` and the imported modules as they were (the loader extends the path)."""
    monkeypatch.setattr(sys, 'path', list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.endswith('plugin'):
            del sys.modules[name]


def test_a_plugin_beside_its_config_imports_without_pythonpath(tmp_path, clean_imports, monkeypatch):
    monkeypatch.chdir(REPO)
    _write_plugin(tmp_path / 'elsewhere', 'besideconfigplugin')
    config = _write_config(tmp_path / 'elsewhere', 'besideconfigplugin')
    cfg = load_config(config)
    assert cfg.model.losses[0].type == 'besideconfigpluginLoss'
    assert LOSSES.get('besideconfigpluginLoss').__module__ == 'besideconfigplugin'
    site_packages = str(Path(pytest.__file__).parents[1])
    assert sys.path.index(str(tmp_path / 'elsewhere')) > sys.path.index(site_packages)  # shadows nothing installed


def test_a_plugin_in_the_working_directory_imports_without_pythonpath(tmp_path, clean_imports, monkeypatch):
    _write_plugin(tmp_path / 'work', 'cwdplugin')
    config = _write_config(tmp_path / 'configs', 'cwdplugin')
    monkeypatch.chdir(tmp_path / 'work')
    load_config(config)
    assert LOSSES.get('cwdpluginLoss').__module__ == 'cwdplugin'


def test_a_plugin_nowhere_to_be_found_fails_in_one_line_naming_the_fix(tmp_path, clean_imports, monkeypatch):
    _write_plugin(tmp_path / 'faraway', 'lostplugin')
    config = _write_config(tmp_path / 'configs', 'lostplugin')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PluginImportError) as error:
        load_config(config)
    message = str(error.value)
    assert '\n' not in message
    assert message.startswith(f"{config}: custom_imports failed: No module named 'lostplugin'")
    assert f"'{tmp_path / 'configs'}' or '{tmp_path}'" in message
    assert "move 'lostplugin' there or run with PYTHONPATH=" in message


def test_the_train_tool_prints_the_one_line_error(tmp_path):
    config = _write_config(tmp_path / 'configs', 'nowhereplugin')
    result = subprocess.run([sys.executable, str(REPO / 'tools' / 'train.py'), str(config), '--device', 'cpu'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"train.py: {config}: custom_imports failed: No module named 'nowhereplugin'. A plugin package is found "
        f"next to the config or in the working directory ('{tmp_path / 'configs'}' or '{tmp_path}') or on "
        "PYTHONPATH: move 'nowhereplugin' there or run with PYTHONPATH=/folder/that/holds/the/package."]
