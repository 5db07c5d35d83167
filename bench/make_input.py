#!/usr/bin/python3
"""Writes IS-Net's input tensor for an image, as raw little-endian float32 [1,3,1024,1024].

    /usr/bin/python3 bench/make_input.py assets/sample/skimage_astronaut.png OUT.bin

Follows IMG.LY's preprocessing: bilinear resize to 1024x1024 (aspect not kept), RGB planes,
(x - 128) / 256. Uses OpenCV (Debian python3-opencv) so the tensor does not depend on bgone's
own imaging code: the benchmark feeds exactly the same bytes to bgone and to ONNX Runtime.
"""

import sys

import cv2
import numpy as np


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    src, dst = argv
    bgr = cv2.imread(src, cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f"make_input: cannot read image {src}")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    resized = cv2.resize(rgb, (1024, 1024), interpolation=cv2.INTER_LINEAR)
    tensor = (resized.astype(np.float32) - 128.0) / 256.0
    tensor = np.ascontiguousarray(tensor.transpose(2, 0, 1)[np.newaxis])
    tensor.astype("<f4").tofile(dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
