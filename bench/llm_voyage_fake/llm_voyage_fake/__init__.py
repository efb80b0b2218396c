"""llm embedding model ``voyage-fake``: Voyage's sync client aimed at ``$FAKE_VOYAGE_URL``.

This is what an llm plugin for Voyage looks like (llm calls ``embed_batch`` once per batch,
one batch at a time); the benchmark points it at the same fake server as Egregora's embedder.
"""

import os

import llm
import voyageai


@llm.hookimpl
def register_embedding_models(register):
    register(VoyageFake())


class VoyageFake(llm.EmbeddingModel):
    model_id = "voyage-fake"
    batch_size = 1000  # the API's limit; llm's --batch-size picks the size actually used

    def embed_batch(self, items):
        client = voyageai.Client(
            api_key=os.environ["VOYAGE_API_KEY"],
            base_url=os.environ["FAKE_VOYAGE_URL"],
            max_retries=3,
            timeout=60,
        )
        result = client.embed(list(items), model="voyage-3.5", input_type="document")
        return result.embeddings
