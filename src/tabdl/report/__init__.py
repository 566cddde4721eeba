"""What people see of a model: training progress, printed summaries, plots."""
