"""The name scrubber and redactor as they were before the speed-up (issue 4), verbatim.

``anonymize.py`` and ``redact.py`` here are unchanged copies of
``egregora_core.anonymize`` / ``egregora_core.redact`` at commit 325251c. The equivalence
tests (``test_scrub_equivalence.py``) run them as the oracle: the optimized scrubbers must
give exactly the same output for every text and name set. Do not edit these copies.
"""
