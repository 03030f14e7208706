// Public API of src/layers: one export line per unit.
export {};
