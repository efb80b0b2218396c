"""The name scrubber and redactor as they were before the speed-up (issue 4).

``anonymize.py`` and ``redact.py`` here are copies of ``egregora_core.anonymize`` /
``egregora_core.redact`` at commit 325251c, with one later fix applied to both: a case
variant that ``str.lower()`` maps elsewhere ("IRMAK" typed for member "ırmak") is looked up
with :func:`folded_get` instead of raising ``KeyError``. The equivalence tests
(``test_scrub_equivalence.py``) run them as the oracle: the optimized scrubbers must give
exactly the same output for every text and name set. Change them only together with a
behaviour change of the real modules.
"""
