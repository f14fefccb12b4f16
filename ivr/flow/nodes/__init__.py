"""One module per node type; `run` returns the next node's name, or None when the call is done."""
