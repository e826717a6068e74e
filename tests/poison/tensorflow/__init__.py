"""Stand-in placed first on sys.path by the tests: linting must never import tensorflow."""
raise ImportError("shapelint imported tensorflow on the static path")
