"""Shared helpers of the tool tests (``load_tool`` is suite-wide, in ``tests/conftest.py``)."""
import pytest
import torch


@pytest.fixture
def one_thread():
    """Run torch on one thread: on 2 shared cores this is faster than two contending threads."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
