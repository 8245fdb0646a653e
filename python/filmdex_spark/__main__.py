"""``python -m filmdex_spark``: the driver (use it with Spark Connect: ``--remote sc://...``)."""

from filmdex_spark.driver import main

raise SystemExit(main())
