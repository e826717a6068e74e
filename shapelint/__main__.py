"""Allow `python -m shapelint`."""
from shapelint.cli import main

main()
