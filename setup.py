"""Install derain-toolkit: ``bash scripts/setup_env.sh`` does it in a fresh virtual environment."""
from setuptools import find_packages, setup

setup(
    name='derain-toolkit',
    version='0.1.0',
    description='A plugin-based, registry-driven PyTorch toolkit for single-image deraining',
    packages=find_packages(include=['derain_toolkit', 'derain_toolkit.*']),
    python_requires='>=3.11',
    install_requires=[
        'torch==2.14.1',
        'torchvision==0.29.1',
        'mmengine==0.10.7',
        'open_clip_torch>=3.0',
        'timm>=1.0',
        'numpy>=1.26',
        'opencv-python>=4.8',
        'addict>=2.4',
        'scikit-image>=0.22',
        'scikit-learn>=1.3',
        'tqdm>=4.60',
        'matplotlib>=3.7',
        'setuptools<81',
        'thop==0.1.1.post2209072238',  # CLIP-RPN Table 4's counting convention (thop 0.1.1)
        'iqa-torch==1.2.1',  # ships NIQE's pristine model (MATLAB release's modelparameters.mat)
    ],
    # BRISQUE (DDSA Table 2) only: the brisque package builds libsvm-official from source (a C++ compiler).
    extras_require={
        'test': ['pytest>=7', 'pytorch-msssim==1.0.0',  # FADformer's SSIM, the reference of a test
                 'selenium>=4.20',  # selenium drives Debian's chromium in the demo page's test
                 'pytest-xdist>=3.5'],  # scripts/test.sh runs the suite on every core
        'metrics': ['brisque==0.2.0'],
        'deploy': ['onnx>=1.16', 'onnxruntime>=1.18'],  # tools/export_onnx.py, the ONNX Runtime backend
        'demo': ['gradio>=5'],  # tools/demo_app.py
    },
)
