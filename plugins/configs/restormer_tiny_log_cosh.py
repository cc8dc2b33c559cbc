# The tiny Restormer of configs/restormer_tiny_synthetic.py trained with the log-cosh loss
# of the plugin in plugins/log_cosh_loss/: `custom_imports` imports the plugin package
# (which registers LogCoshLoss in LOSSES) before the model is built; nothing in
# derain_toolkit/ knows about it.
#   python tools/train.py plugins/configs/restormer_tiny_log_cosh.py --device cpu
_base_ = ['../../configs/restormer_tiny_synthetic.py']
custom_imports = dict(imports=['plugins.log_cosh_loss'], allow_failed_imports=False)
model = dict(losses=[dict(type='LogCoshLoss', loss_weight=1.0)])
