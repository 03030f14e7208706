// Public API of src/losses: one export line per unit.
export {};
