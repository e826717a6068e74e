"""Stand-in placed first on sys.path by the tests: linting must never import pandas."""
raise ImportError("shapelint imported pandas on the static path")
