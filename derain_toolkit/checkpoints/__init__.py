"""Reading checkpoints of the official releases into the toolkit's networks."""
