import sys

from advrl.cli import main

sys.exit(main())
