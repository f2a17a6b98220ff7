import sys

from autonode_cli.main import main

sys.exit(main())
