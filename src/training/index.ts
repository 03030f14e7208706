// Public API of src/training: one export line per unit.
export {};
