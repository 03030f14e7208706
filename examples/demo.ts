/**
 * The main job: `npm run demo` (or `npm run demo -- <part>`).
 * Shows the library end to end and writes its pictures to `demo-output/`.
 */
console.log('tfjs-synth demo: parts are being added (PatchMatch inpainting, texture synthesis, pix2pix, gated inpainting).');
