"""python -m sim: the same as the isr-sim command."""
import sys

from sim.cli.main import main

sys.exit(main())
