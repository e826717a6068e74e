"""Stand-in placed first on sys.path by the tests: linting must never import tf_keras."""
raise ImportError("shapelint imported tf_keras on the static path")
