"""Lets ironic 21.4's ramdisk deploy take its kernel and ramdisk from a glance image, as nova deploys it.

nova sets only instance_info/image_source. For the ramdisk deploy, deploy_utils.get_image_instance_info then returns
kernel and ramdisk from instance_info alone, so validation fails ("Missing are: ['kernel', 'ramdisk']") although
pxe_utils.get_instance_image_info already falls back to the image's kernel_id and ramdisk_id when given the
image_source. This keeps image_source in the ramdisk branch when instance_info names no kernel and ramdisk, which is
what makes validate_image_properties check the glance image's properties. Run once at image build; it fails the build
when the code it edits is not there as expected (another ironic release).
"""

import sys

path = sys.argv[1]
old = """            info['kernel'] = node.instance_info.get('kernel')
            info['ramdisk'] = node.instance_info.get('ramdisk')
"""
new = old + """            if not (info['kernel'] and info['ramdisk']) and image_source:
                info = {'image_source': image_source}  # berth: ramdisk-glance-image.py
"""
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: the ramdisk branch of get_image_instance_info is not as expected; not patched")
open(path, "w").write(text.replace(old, new))
print(f"patched {path}")
