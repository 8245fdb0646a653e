"""filmdex's similarity step on Spark: the driver (``driver.py``) spreads blocks of films over
the executors with ``mapInArrow``; the executors run the ``filmdex`` wheel's kernel."""
