from mammoth_assets import paths
from mammoth_assets.core.page_text import CC_DATA_URL
from mammoth_assets.defs.webinstruct.page_texts import resolve_warc_base


def test_warc_base_prefers_config_then_crawl_then_defaults():
    assert resolve_warc_base("/mirror", "CC-MAIN-2024-10", "https://x/") == "/mirror"
    assert resolve_warc_base("", paths.SAMPLE_DUMP, "file:///tmp/my%20mirror/") == "/tmp/my mirror/"
    assert (
        resolve_warc_base("", "CC-MAIN-2024-10", "https://mirror.example/")
        == "https://mirror.example/"
    )
    assert resolve_warc_base("", "CC-MAIN-2024-10", None) == CC_DATA_URL
    assert resolve_warc_base("", paths.SAMPLE_DUMP, None) == str(paths.sample_mirror_dir())
