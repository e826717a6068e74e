"""Parameter accounting and model summaries, computed without TensorFlow."""
