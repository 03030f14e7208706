// Public API of src/models: one export line per unit.
export { adainEncoder, ADAIN_ENCODER_OUTPUTS } from './adain-encoder';
export type { AdaINEncoderArgs, AdaINEncoderOutput } from './adain-encoder';
export { adainDecoder } from './adain-decoder';
export type { AdaINDecoderArgs } from './adain-decoder';
