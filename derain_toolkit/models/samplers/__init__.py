from derain_toolkit.utils.imports import import_submodules

import_submodules(__name__)
