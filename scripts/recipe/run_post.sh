#!/bin/sh
# Everything after model training, in order (see demo/README.md). Logs to .cache/recipe/post.log.
set -e
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
C=.cache/recipe
$PY scripts/recipe/baselines.py
$PY scripts/recipe/plot_curve.py
$PY scripts/recipe/export_package.py --ckpt $C/ckpt/final.pt --out demo/model --training-json $C/baselines_training.json > $C/export.log 2>&1
$PY scripts/recipe/verify_package.py --ckpt $C/ckpt/final.pt --pkg demo/model | tee $C/verify_final.txt
$PY scripts/recipe/train_saes.py
$PY scripts/recipe/make_reference.py
$PY scripts/recipe/find_features.py > $C/features.txt 2>&1
$PY scripts/recipe/report.py > $C/report.md
echo POST DONE
