// Public API of src/ops: one export line per unit.
export {};
