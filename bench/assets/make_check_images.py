"""Writes the fill benchmark's check pictures (split C) from scikit-image's bundled sample data.

Run with a Python that has scikit-image and OpenCV (Debian: python3-skimage, python3-opencv):
    python3 bench/assets/make_check_images.py
Each picture gives a downscaled whole (box filter, cv2.INTER_AREA) and one 192x192 full-resolution
crop, as JPEG quality 92. Sizes, crops and licences are in bench/assets/README.md.
"""
import os

import cv2
import numpy as np
import skimage.data as data

OUT = os.path.dirname(os.path.abspath(__file__))

# name: (loader, region of the original kept before downscaling (x, y, w, h) or None,
#        downscaled width, top-left corner of the 192x192 crop)
PICTURES = {
    "rocket": (data.rocket, None, 320, (224, 120)),
    "retina": (data.retina, (255, 255, 900, 900), 256, (150, 540)),
    "hubble": (data.hubble_deep_field, None, 300, (400, 340)),
    "coins": (data.coins, None, 288, (100, 60)),
    "ihc": (data.immunohistochemistry, None, 256, (250, 280)),
}


def write(name, image):
    path = os.path.join(OUT, name)
    cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    print(name, image.shape[1], "x", image.shape[0])


for name, (load, region, width, (cx, cy)) in PICTURES.items():
    rgb = load()
    if rgb.ndim == 2:
        rgb = np.stack([rgb] * 3, axis=-1)
    bgr = np.ascontiguousarray(rgb[:, :, 2::-1])
    whole = bgr if region is None else bgr[region[1] : region[1] + region[3], region[0] : region[0] + region[2]]
    height = round(whole.shape[0] * width / whole.shape[1])
    write(f"{name}-{width}.jpg", cv2.resize(whole, (width, height), interpolation=cv2.INTER_AREA))
    write(f"{name}-crop-192.jpg", bgr[cy : cy + 192, cx : cx + 192])
