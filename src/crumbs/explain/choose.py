"""Which model answers: the configured OpenAI-compatible endpoint, or the offline explainer."""

from __future__ import annotations

from crumbs.explain.model import Model


def choose_model(llm: str | None = None, model: str | None = None, anonymize: bool | None = None,
                 offline: bool = False) -> Model:  # fmt: skip
    """Options first, then ``CRUMBS_LLM_*`` and the config file; nothing configured (or
    ``offline``): the offline explainer, which answers from the findings and says so."""
    from crumbs.explain.config import resolve
    from crumbs.explain.llm import OpenAIModel
    from crumbs.explain.offline import OfflineModel

    config = resolve(llm, model, anonymize, offline)
    return OpenAIModel(config) if config is not None else OfflineModel()
