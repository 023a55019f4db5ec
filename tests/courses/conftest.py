import pytest

from lms.courses import pagecache


@pytest.fixture
def official(learner):
    return learner.official


@pytest.fixture
def fresh_memo():
    """This process's memo of the page cache emptied before and after the test."""
    pagecache._memo.clear()
    yield
    pagecache._memo.clear()


@pytest.fixture
def served(monkeypatch):
    """served(response) is True when the page came from the cache (the fast path answered)."""
    answered = set()
    real = pagecache.serve_lesson

    def spy(request):
        response = real(request)
        if response is not None:
            answered.add(id(response))
        return response

    monkeypatch.setattr(pagecache, "serve_lesson", spy)
    return lambda response: id(response) in answered
