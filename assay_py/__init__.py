"""assay-py: assay's Lua automation runtime on Python, with a Rauthy admin client.

Python users: ``from assay_py import rauthy``. Lua users: ``assay-py script.lua``.
"""

__version__ = "0.1.0"
