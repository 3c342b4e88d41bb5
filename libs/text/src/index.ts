// @aurola/text — tokenizer.json loading (@huggingface/tokenizers), chat templates (@huggingface/jinja), AuroLA's
// prompts, batch encoding, and the whole-word tokenizer files of aurola's own small models.
export { TextTokenizer } from './tokenizer.js';
export type { ChatMessage, ChatRole, RenderChatOptions, TokenizerJsonOptions } from './tokenizer.js';
export {
  PROMPT_STYLES,
  PROMPTS,
  PromptEncoder,
  audioSegment,
  audioEmbeddingChat,
  promptWording,
  promptWords,
  rerankChat,
  textEmbeddingChat,
} from './prompts.js';
export type { EncodedPrompt, PromptChat, PromptStyle, PromptTokens, PromptWording, RerankDirection } from './prompts.js';
export { padBatch, positionIds } from './batch.js';
export type { PaddedBatch } from './batch.js';
export { CHATML_TEMPLATE, buildWordTokenizer, splitWords } from './word-tokenizer.js';
export type { WordTokenizerFiles, WordTokenizerSpec } from './word-tokenizer.js';
