"""The mutation benchmark (scripts/mutation_bench.py): fetch, mutate, build, score, report."""
