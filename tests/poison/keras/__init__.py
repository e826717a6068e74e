"""Stand-in placed first on sys.path by the tests: linting must never import keras."""
raise ImportError("shapelint imported keras on the static path")
