"""The resources: their shapes, and the validation of what clients send."""
