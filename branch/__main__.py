import sys

from branch.cli import main

sys.exit(main())
