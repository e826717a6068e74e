"""Stand-in placed first on sys.path by the tests: linting must never import numpy."""
raise ImportError("shapelint imported numpy on the static path")
