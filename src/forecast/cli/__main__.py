import sys

from forecast.cli.app import main

sys.exit(main())
