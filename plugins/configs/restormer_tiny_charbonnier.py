# The tiny Restormer of configs/restormer_tiny_synthetic.py trained with the Charbonnier
# loss of the plugin in plugins/charbonnier_loss/: `custom_imports` imports the plugin
# package (which registers CharbonnierLoss in LOSSES) before the model is built; nothing
# in derain_toolkit/ knows about it.
#   python tools/train.py plugins/configs/restormer_tiny_charbonnier.py --device cpu
_base_ = ['../../configs/restormer_tiny_synthetic.py']
custom_imports = dict(imports=['plugins.charbonnier_loss'], allow_failed_imports=False)
model = dict(losses=[dict(type='CharbonnierLoss', eps=1e-3, loss_weight=1.0)])
