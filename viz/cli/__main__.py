import sys

from viz.cli.main import main

sys.exit(main())
