from egregora_core.lake import Lake
from egregora_core.project import Project


def test_ingest_smoke(run_ingest):
    result = run_ingest(
        [
            {"author": "Maya R.", "text": "hi @\u2068Leo B.\u2069 call me at +55 11 91234-5678"},
            {
                "author": "Leo B.",
                "text": "ok maya r. mail leo@example.com https://x.com/1234567890123",
            },
            {"author": None, "text": "Maya R. added Ana", "names": ["Maya R.", "Ana"]},
        ]
    )
    print(result.output)
    with Lake.open(Project(run_ingest.root)) as lake:
        rows = lake.table("messages").to_pyarrow().to_pylist()
        for r in rows:
            print(r)
    assert result.counts["new"] == 3
