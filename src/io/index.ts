// Public API of src/io: one export line per unit.
export {};
