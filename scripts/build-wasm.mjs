// Compiles the AssemblyScript PatchMatch kernels to WebAssembly and embeds them as base64.
// (The PatchMatch change fills this in.)
