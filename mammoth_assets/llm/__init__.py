"""The LLM engine layer: one interface (`LLMResource.generate`), three backends (transformers,
openai-compatible servers, vLLM), a request cache that makes every LLM stage resumable, and
versioned prompt templates."""

from mammoth_assets.llm.prompts import PromptTemplate, load_prompt
from mammoth_assets.llm.resource import LLMResource
from mammoth_assets.llm.types import LLMRequest, LLMResponse, SamplingParams

__all__ = ["LLMResource", "LLMRequest", "LLMResponse", "SamplingParams", "PromptTemplate", "load_prompt"]
