"""Stand-in placed first on sys.path by the tests: linting must never import sklearn."""
raise ImportError("shapelint imported sklearn on the static path")
