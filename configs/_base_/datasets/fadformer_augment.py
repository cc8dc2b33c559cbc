# FADformer's training crops (datasets/*_Dataloader.py augment with configs/*/FADformer.json: patch_size 256,
# edge_decay 0, only_h_flip false): a random 256x256 crop, a horizontal flip with probability 1/2, then
# 0-3 quarter turns: the 8 orientations of the square, each with probability 1/8 (PairedRandomDihedral).
# (augment's upsizing of images under 256 pixels is not hit by Rain200L/H, DID, DDN or SPA-Data.)
fadformer_train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=256),
    dict(type='PairedRandomDihedral'),
    dict(type='PairedToTensor'),
]
